// Every LSTM pointwise variant against the float64 reference: c and h both compared, over batch and
// hidden sizes that are not multiples of a warp or a block, and an empty batch.
#include "check.hpp"
#include "reference_rows.hpp"

#include "dl/cuda/buffer.hpp"
#include "dl/cuda/device.hpp"
#include "dl/cuda/lstm.hpp"

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>

namespace dl::cuda::check {

namespace {

struct Shape {
    int B, H;
};

constexpr Shape full_shapes[] = {{0, 4}, {1, 1}, {3, 33}, {17, 100}, {64, 1000}};
constexpr Shape small_shapes[] = {{0, 4}, {1, 1}, {3, 33}, {2, 70}};   // under compute-sanitizer

double norm(const std::vector<double>& v) {
    double sum = 0.0;
    for (const double x : v) sum += x * x;
    return std::sqrt(sum);
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

            const reference::LstmPointwiseResult ref = reference::lstm_pointwise(g, c_prev, shape.B, shape.H);
            // Pointwise: each output is a chain of about ten FP32 operations, expf and tanhf within 2 ulp
            // each; the same chain in FP32 on the CPU lands near 1e-7 in the L2 norm, and 1e-6 leaves room
            // for the device's 2-ulp functions. But c = f·c_prev + i·g can cancel: its error is relative to
            // the terms, not to c, so the bound is scaled by the sum's condition ‖|f·c_prev| + |i·g|‖ / ‖c‖
            // (about 1.5 on many elements; large only when a tiny shape such as 1x1 happens to cancel).
            // h = o·tanh(c) inherits c's relative error (tanh(c) ≈ c near 0), so the same bound serves.
            const double condition = n > 0 ? std::max(1.0, norm(ref.c_terms) / norm(ref.c)) : 1.0;
            const double tol = 1e-6 * condition;
            const std::string what = "lstm/" + std::string(variant.name) + " " + std::to_string(shape.B) + "x" +
                                     std::to_string(shape.H);
            checker.compare(what + " c", c.download(), ref.c, tol);
            checker.compare(what + " h", h.download(), ref.h, tol);
        }
    }
}

}  // namespace dl::cuda::check
