// Every softmax variant against chapter 7's softmax_forward<double>, on shapes chosen to break row kernels:
// one element, widths just under and over a warp, not a multiple of 4 (the scalar path) and a
// multiple of 4 (the float4 path), more rows than a block holds, a long row, and no rows at all.
#include "check.hpp"

#include "dl/cuda/buffer.hpp"
#include "dl/cuda/device.hpp"
#include "dl/cuda/softmax.hpp"
#include "dl/ops/attention.hpp"

#include <cuda_runtime.h>

#include <cmath>
#include <cstddef>
#include <span>
#include <string>

namespace dl::cuda::check {

namespace {

struct Shape {
    int R, C;
};

constexpr Shape full_shapes[] = {{0, 5},    {1, 1},    {3, 31},    {5, 33},   {7, 1000},
                                 {2, 4097}, {1000, 40}, {64, 50000}};
// Under compute-sanitizer: at most 3 rows of at most 256 columns (256: the float4 path).
constexpr Shape small_shapes[] = {{0, 5}, {1, 1}, {3, 31}, {3, 33}, {2, 256}};

// The reference: chapter 7's softmax_forward in float64 on the floats the device saw. (The chapter's
// op refuses an empty X; with no rows there is nothing to compute, and the reference is empty too.)
TensorD softmax_reference(const std::vector<float>& x, const Shape& shape) {
    const std::size_t R = static_cast<std::size_t>(shape.R), C = static_cast<std::size_t>(shape.C);
    TensorD Y({R, C});
    if (R > 0) dl::softmax_forward(Y, to_tensor(x, {R, C}));
    return Y;
}

}  // namespace

void check_softmax(Checker& checker) {
    const std::span<const Shape> shapes = checker.options().small ? std::span<const Shape>(small_shapes)
                                                                  : std::span<const Shape>(full_shapes);
    for (const SoftmaxVariant& variant : softmax_variants) {
        for (const Shape& shape : shapes) {
            const std::size_t n = static_cast<std::size_t>(shape.R) * static_cast<std::size_t>(shape.C);
            std::vector<float> x = checker.random(n);
            // The last row sits near +100: exp(100) overflows FP32, so only a kernel that subtracts the
            // row maximum gets it right. (x + 100 − max is exact in FP32, so the reference sees the same.)
            if (shape.R > 0)
                for (std::size_t k = n - static_cast<std::size_t>(shape.C); k < n; ++k) x[k] += 100.0f;

            DeviceBuffer<float> X(x), Y(n);
            Y.poison();
            variant.fn(Y.data(), X.data(), shape.R, shape.C, nullptr);
            DL_CUDA_CHECK(cudaDeviceSynchronize());

            // Each output is exp (≤ 2 ulp) times 1 / s (2 roundings), s a sum of C terms: fp32_tol(C)
            // covers the sum, 1e-6 the few ulps of exp and the reciprocal.
            const double tol = fp32_tol(static_cast<std::size_t>(shape.C)) + 1e-6;
            checker.compare("softmax/" + std::string(variant.name) + " " + std::to_string(shape.R) + "x" +
                                std::to_string(shape.C),
                            Y.download(), softmax_reference(x, shape).span(), tol);
        }
        // Masked elements, as attention's mask makes them: −∞ in the first 3 columns (a thread's first
        // element is then −∞, where exp(−∞ − (−∞)) would be NaN) and in every 7th; their outputs are 0.
        const Shape masked = checker.options().small ? Shape{2, 256} : Shape{4, 1000};
        const std::size_t n = static_cast<std::size_t>(masked.R) * static_cast<std::size_t>(masked.C);
        std::vector<float> x = checker.random(n);
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t j = k % static_cast<std::size_t>(masked.C);
            if (j < 3 || j % 7 == 0) x[k] = -INFINITY;
        }
        DeviceBuffer<float> X(x), Y(n);
        Y.poison();
        variant.fn(Y.data(), X.data(), masked.R, masked.C, nullptr);
        DL_CUDA_CHECK(cudaDeviceSynchronize());
        checker.compare("softmax/" + std::string(variant.name) + " " + std::to_string(masked.R) + "x" +
                            std::to_string(masked.C) + " masked with -inf",
                        Y.download(), softmax_reference(x, masked).span(),
                        fp32_tol(static_cast<std::size_t>(masked.C)) + 1e-6);
    }
}

}  // namespace dl::cuda::check
