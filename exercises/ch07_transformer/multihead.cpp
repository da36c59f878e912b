#include "dl/ops/attention.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/gemm.hpp"

#include <cstddef>

namespace dl {

// [q | k | v] = X Wqkvᵀ + bqkv → heads → attention → merged → Y = merged Woᵀ + bo
template <class T>
void multihead_attention_forward(TensorT<T>& Y, AttentionCache<T>& cache, const TensorT<T>& X,
                                 const TensorT<T>& Wqkv, const TensorT<T>& bqkv, const TensorT<T>& Wo,
                                 const TensorT<T>& bo, std::size_t heads, bool causal) {
    // Hint: X is [B, T, C]: its data is B·T rows of C, so a projection is one gemm_blocked
    // (Trans::yes on W) plus the bias on every row. Resize cache.qkv to [B·T, 3C] first (a GEMM
    // writes through a pointer and resizes nothing). Then heads_from_rows (given, in the header;
    // it resizes its output) three times, with first = 0, C and 2C of the qkv rows;
    // attention_forward; cache.merged.resize({B·T, C}) and rows_from_heads into it (it resizes
    // nothing); the output projection into Y, resized to [B, T, C]. Check the shapes: X rank 3,
    // C a multiple of heads, the weights' shapes (check_shape).
    DL_TODO("ch07.multihead_attention_forward");   // lesson: chapters/ch07_transformer/README.md#multihead-attention-forward
}

// Backwards: the output projection (dWo, dbo, dmerged), the heads (dO), attention_backward, the
// heads again (dqkv), the input projection (dWqkv, dbqkv, dX)
template <class T>
void multihead_attention_backward(TensorT<T>& dX, TensorT<T>& dWqkv, TensorT<T>& dbqkv, TensorT<T>& dWo,
                                  TensorT<T>& dbo, const TensorT<T>& dY, const AttentionCache<T>& cache,
                                  const TensorT<T>& X, const TensorT<T>& Wqkv, const TensorT<T>& Wo,
                                  std::size_t heads) {
    // Hint: for Y = X Wᵀ + b on rows: dW += dYᵀ X (gemm with Trans::yes on dY and beta = 1), db +=
    // the column sums of dY, dX = dY W (beta = 0). heads_from_rows splits dmerged [B·T, C] into
    // dO; rows_from_heads puts dQ, dK and dV back side by side in dqkv, sized [B·T, 3C] first.
    // Check the cache was filled (cache.merged is [B·T, C]) and resize dX to [B, T, C].
    DL_TODO("ch07.multihead_attention_backward");   // lesson: chapters/ch07_transformer/README.md#multihead-attention-backward
}

#define DL_INSTANTIATE(T)                                                                                           \
    template void multihead_attention_forward(TensorT<T>&, AttentionCache<T>&, const TensorT<T>&, const TensorT<T>&, \
                                              const TensorT<T>&, const TensorT<T>&, const TensorT<T>&, std::size_t,   \
                                              bool);                                                                \
    template void multihead_attention_backward(TensorT<T>&, TensorT<T>&, TensorT<T>&, TensorT<T>&, TensorT<T>&,      \
                                               const TensorT<T>&, const AttentionCache<T>&, const TensorT<T>&,       \
                                               const TensorT<T>&, const TensorT<T>&, std::size_t);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
