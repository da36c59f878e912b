// Every layer-norm variant against chapter 7's layernorm_forward<double>, on shapes chosen to break row kernels:
// one element, widths just under and over a warp, not a multiple of 4 (the scalar path) and a
// multiple of 4 (the float4 path), more rows than a block holds, a long row, and no rows at all.
#include "check.hpp"

#include "dl/cuda/buffer.hpp"
#include "dl/cuda/device.hpp"
#include "dl/cuda/layernorm.hpp"
#include "dl/ops/attention.hpp"

#include <cuda_runtime.h>

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

constexpr float kEps = 1e-5f;   // PyTorch's default

// The reference: chapter 7's layernorm_forward in float64 on the floats the device saw, with the
// device's eps. (The chapter's op refuses an empty X; with no rows the reference is empty too.)
TensorD layernorm_reference(const std::vector<float>& x, const std::vector<float>& gamma,
                            const std::vector<float>& beta, const Shape& shape) {
    const std::size_t R = static_cast<std::size_t>(shape.R), C = static_cast<std::size_t>(shape.C);
    TensorD Y({R, C}), mean, rstd;
    if (R > 0)
        dl::layernorm_forward(Y, mean, rstd, to_tensor(x, {R, C}), to_tensor(gamma, {C}), to_tensor(beta, {C}),
                              static_cast<double>(kEps));
    return Y;
}

}  // namespace

void check_layernorm(Checker& checker) {
    const std::span<const Shape> shapes = checker.options().small ? std::span<const Shape>(small_shapes)
                                                                  : std::span<const Shape>(full_shapes);
    for (const LayerNormVariant& variant : layernorm_variants) {
        for (const Shape& shape : shapes) {
            const std::size_t n = static_cast<std::size_t>(shape.R) * static_cast<std::size_t>(shape.C);
            const std::vector<float> x = checker.random(n);
            const std::vector<float> gamma = checker.random(static_cast<std::size_t>(shape.C));
            const std::vector<float> beta = checker.random(static_cast<std::size_t>(shape.C));

            DeviceBuffer<float> X(x), Gamma(gamma), Beta(beta), Y(n);
            Y.poison();
            variant.fn(Y.data(), X.data(), Gamma.data(), Beta.data(), shape.R, shape.C, kEps, nullptr);
            DL_CUDA_CHECK(cudaDeviceSynchronize());

            // μ and σ² are FP32 sums of C terms (fp32_tol(C)); rsqrt (≤ 2 ulp) and the four operations
            // of the write add a few ulps more (1e-6).
            const double tol = fp32_tol(static_cast<std::size_t>(shape.C)) + 1e-6;
            checker.compare("layernorm/" + std::string(variant.name) + " " + std::to_string(shape.R) + "x" +
                                std::to_string(shape.C),
                            Y.download(), layernorm_reference(x, gamma, beta, shape).span(), tol);
        }
        // Rows far from zero (x in [999, 1001)): in FP32, μ itself is then known only to about
        // ε·1000·sqrt(C) (partial sums near 1000·k round at their own size), which relative to
        // σ = 1/sqrt(3) is ~10²·fp32_tol(C); the naive kernel's one-thread sum measured 18·fp32_tol(C),
        // the others under 1×. A one-pass Σx² − C·μ² without the block variant's shift would cancel
        // catastrophically (its σ² error ≈ ε·10⁶·sqrt(C) exceeds σ² itself) and be off by order 1.
        const Shape offset_shape = checker.options().small ? Shape{2, 256} : Shape{4, 1000};
        const std::size_t n = static_cast<std::size_t>(offset_shape.R) * static_cast<std::size_t>(offset_shape.C);
        const std::vector<float> x = checker.random(n, 999.0f, 1001.0f);
        const std::vector<float> gamma = checker.random(static_cast<std::size_t>(offset_shape.C));
        const std::vector<float> beta = checker.random(static_cast<std::size_t>(offset_shape.C));
        DeviceBuffer<float> X(x), Gamma(gamma), Beta(beta), Y(n);
        Y.poison();
        variant.fn(Y.data(), X.data(), Gamma.data(), Beta.data(), offset_shape.R, offset_shape.C, kEps, nullptr);
        DL_CUDA_CHECK(cudaDeviceSynchronize());
        checker.compare("layernorm/" + std::string(variant.name) + " " + std::to_string(offset_shape.R) + "x" +
                            std::to_string(offset_shape.C) + " rows near 1000",
                        Y.download(), layernorm_reference(x, gamma, beta, offset_shape).span(),
                        fp32_tol(static_cast<std::size_t>(offset_shape.C)) * 200.0);
    }
}

}  // namespace dl::cuda::check
