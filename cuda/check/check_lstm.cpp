// Every LSTM pointwise variant against chapter 6's lstm_cell_forward_naive<double>: c and h both
// compared, over batch and hidden sizes that are not multiples of a warp or a block, and an empty batch.
#include "check.hpp"

#include "dl/cuda/buffer.hpp"
#include "dl/cuda/device.hpp"
#include "dl/cuda/lstm.hpp"
#include "dl/ops/rnn.hpp"

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace dl::cuda::check {

namespace {

struct Shape {
    int B, H;
};

constexpr Shape full_shapes[] = {{0, 4}, {1, 1}, {3, 33}, {17, 100}, {64, 1000}};
constexpr Shape small_shapes[] = {{0, 4}, {1, 1}, {3, 33}, {2, 70}};   // under compute-sanitizer

double norm(std::span<const double> v) {
    double sum = 0.0;
    for (const double x : v) sum += x * x;
    return std::sqrt(sum);
}

struct LstmReference {
    TensorD c, h;   // [B, H]
    // |f ⊙ c_prev| + |i ⊙ g|, the size of the two terms c sums: where they nearly cancel, c is small and
    // an FP32 c carries a larger relative error (the check scales its tolerance by this). Computed
    // from the gates the chapter's op kept in its StepCache.
    std::vector<double> c_terms;
};

// The reference: chapter 6's lstm_cell_forward_naive in float64 on the floats the device saw. That op
// takes a step's input and weights (a = [x, h_prev] Wᵀ + b), not its pre-activations G. The step is
// pointwise, so each (b, j) becomes a batch row of its own with one hidden unit: its four
// pre-activations G[b, j], G[b, H + j], G[b, 2H + j], G[b, 3H + j] are the input x [B·H, 4], and
// W = [I₄ | 0], b = 0, h_prev = 0 hand them to the gates exactly (products with 1 or 0, sums with 0).
// The rows come out in the order b·H + j, which is the layout of c and h [B, H].
LstmReference lstm_reference(const std::vector<float>& G, const std::vector<float>& c_prev, const Shape& shape) {
    const std::size_t B = static_cast<std::size_t>(shape.B), H = static_cast<std::size_t>(shape.H), n = B * H;
    TensorD x({n, 4});
    for (std::size_t b = 0; b < B; ++b)
        for (std::size_t j = 0; j < H; ++j)
            for (std::size_t k = 0; k < 4; ++k) x(b * H + j, k) = static_cast<double>(G[(b * 4 + k) * H + j]);
    TensorD W({4, 5});   // [I₄ | 0]
    for (std::size_t k = 0; k < 4; ++k) W(k, k) = 1.0;
    const TensorD c_prev_d = to_tensor(c_prev, {n, 1});
    dl::StepCache<double> s;
    dl::lstm_cell_forward_naive(s, x, TensorD({n, 1}), c_prev_d, W, TensorD({4}));
    LstmReference ref{std::move(s.c), std::move(s.h), std::vector<double>(n)};
    for (std::size_t k = 0; k < n; ++k) {
        const double i = s.gates(k, 0), f = s.gates(k, 1), g = s.gates(k, 2);   // after their nonlinearities
        ref.c_terms[k] = std::abs(f * c_prev_d[k]) + std::abs(i * g);
    }
    return ref;
}

}  // namespace

void check_lstm(Checker& checker) {
    const std::span<const Shape> shapes = checker.options().small ? std::span<const Shape>(small_shapes)
                                                                  : std::span<const Shape>(full_shapes);
    for (const LstmPointwiseVariant& variant : lstm_pointwise_variants) {
        for (const Shape& shape : shapes) {
            const std::size_t n = static_cast<std::size_t>(shape.B) * static_cast<std::size_t>(shape.H);
            // Pre-activations in [-3, 3): the gates reach both flat ends of σ and tanh, not only the middle.
            const std::vector<float> g = checker.random(4 * n, -3.0f, 3.0f);
            const std::vector<float> c_prev = checker.random(n);

            DeviceBuffer<float> G(g), C_prev(c_prev), h(n), c(n);
            h.poison();
            c.poison();
            variant.fn(h.data(), c.data(), G.data(), C_prev.data(), shape.B, shape.H, nullptr);
            DL_CUDA_CHECK(cudaDeviceSynchronize());

            const LstmReference ref = lstm_reference(g, c_prev, shape);
            // Pointwise: each output is a chain of about ten FP32 operations, expf and tanhf within 2 ulp
            // each; the same chain in FP32 on the CPU lands near 1e-7 in the L2 norm, and 1e-6 leaves room
            // for the device's 2-ulp functions. But c = f·c_prev + i·g can cancel: its error is relative to
            // the terms, not to c, so the bound is scaled by the sum's condition ‖|f·c_prev| + |i·g|‖ / ‖c‖
            // (about 1.5 on many elements; large only when a tiny shape such as 1x1 happens to cancel).
            // h = o·tanh(c) inherits c's relative error (tanh(c) ≈ c near 0), so the same bound serves.
            const double condition = n > 0 ? std::max(1.0, norm(ref.c_terms) / norm(ref.c.span())) : 1.0;
            const double tol = 1e-6 * condition;
            const std::string what = "lstm/" + std::string(variant.name) + " " + std::to_string(shape.B) + "x" +
                                     std::to_string(shape.H);
            checker.compare(what + " c", c.download(), ref.c.span(), tol);
            checker.compare(what + " h", h.download(), ref.h.span(), tol);
        }
    }
}

}  // namespace dl::cuda::check
