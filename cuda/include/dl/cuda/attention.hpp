#pragma once
// Scaled dot-product attention (chapter 7), per batch element and head:
//
//   O = softmax(Q · Kᵀ / sqrt(D) + M) · V
//   Q, K, V, O: [BH, T, D] row-major (B·H attention problems of T positions, head size D), device memory
//   M: 0, or with `causal` −∞ above the diagonal, so position i attends only to positions j ≤ i

#include <cuda_runtime.h>

namespace dl::cuda {

using AttentionFn = void (*)(float* O, const float* Q, const float* K, const float* V, int BH, int T, int D,
                             bool causal, cudaStream_t stream);

// three launches with the scores materialised in device memory ([BH, T, T] floats, in a work buffer
// the function keeps and grows): S = Q·Kᵀ/sqrt(D) masked, P = softmax(S) by rows, O = P·V
void attention_naive(float* O, const float* Q, const float* K, const float* V, int BH, int T, int D, bool causal,
                     cudaStream_t stream);
// one launch, flash-style: each block owns a tile of queries, streams tiles of K and V through shared
// memory, and keeps a running maximum and sum per query (the online softmax), so the T × T scores
// never reach device memory; with `causal`, tiles wholly above the diagonal are skipped
void attention_flash(float* O, const float* Q, const float* K, const float* V, int BH, int T, int D, bool causal,
                     cudaStream_t stream);

struct AttentionVariant {
    const char* name;
    AttentionFn fn;
};

inline constexpr AttentionVariant attention_variants[] = {
    {"naive", &attention_naive},
    {"flash", &attention_flash},
};

}  // namespace dl::cuda
