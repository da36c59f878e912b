#pragma once
// Softmax over the rows of a matrix, the normalisation inside attention and the classifier's output:
//
//   Y[r, j] = exp(X[r, j] − m_r) / Σ_k exp(X[r, k] − m_r)      m_r = max_k X[r, k]
//   X, Y: [R, C] row-major, device memory (subtracting the row maximum keeps exp from overflowing)

#include <cuda_runtime.h>

namespace dl::cuda {

using SoftmaxFn = void (*)(float* Y, const float* X, int R, int C, cudaStream_t stream);

// one thread per row, three passes over it (max, sum, write): few threads, uncoalesced
void softmax_rows_naive(float* Y, const float* X, int R, int C, cudaStream_t stream);
// one warp per row: the lanes stride along the row (coalesced) and reduce with warp shuffles
void softmax_rows_warp(float* Y, const float* X, int R, int C, cudaStream_t stream);
// one block per row, the online softmax: the maximum and the sum found in one pass (the sum is
// rescaled whenever the maximum grows), then one pass to write; block reductions through shared memory
void softmax_rows_online(float* Y, const float* X, int R, int C, cudaStream_t stream);

struct SoftmaxVariant {
    const char* name;
    SoftmaxFn fn;
};

inline constexpr SoftmaxVariant softmax_variants[] = {
    {"naive", &softmax_rows_naive},
    {"warp", &softmax_rows_warp},
    {"online", &softmax_rows_online},
};

}  // namespace dl::cuda
