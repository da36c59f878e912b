#pragma once
// Layer normalisation over the rows of a matrix (the Transformer's, chapter 7):
//
//   Y[r, j] = (X[r, j] − μ_r) / sqrt(σ²_r + eps) · gamma[j] + beta[j]
//   μ_r = mean_j X[r, j]     σ²_r = mean_j (X[r, j] − μ_r)²   (biased, as in PyTorch)
//   X, Y: [R, C] row-major; gamma, beta: [C]; device memory

#include <cuda_runtime.h>

namespace dl::cuda {

using LayerNormFn = void (*)(float* Y, const float* X, const float* gamma, const float* beta, int R, int C, float eps,
                             cudaStream_t stream);

// one thread per row, three passes (mean, variance, write)
void layernorm_rows_naive(float* Y, const float* X, const float* gamma, const float* beta, int R, int C, float eps,
                          cudaStream_t stream);
// one warp per row, mean and variance by warp-shuffle reductions, the row read coalesced
void layernorm_rows_warp(float* Y, const float* X, const float* gamma, const float* beta, int R, int C, float eps,
                         cudaStream_t stream);
// one block per row: the sums of d = x − x₀ and d² (x₀ the row's first element, so that little
// cancels) in one pass with block reductions, then one write pass
// (fused: two reads of X and one write of Y, the fewest a row too large for registers allows)
void layernorm_rows_block(float* Y, const float* X, const float* gamma, const float* beta, int R, int C, float eps,
                          cudaStream_t stream);

struct LayerNormVariant {
    const char* name;
    LayerNormFn fn;
};

inline constexpr LayerNormVariant layernorm_variants[] = {
    {"naive", &layernorm_rows_naive},
    {"warp", &layernorm_rows_warp},
    {"block", &layernorm_rows_block},
};

}  // namespace dl::cuda
