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
    // (Trans::yes on W) plus the bias on every row. Then heads_from_rows (given, in the header)
    // three times, with first = 0, C and 2C of the qkv rows; attention_forward; rows_from_heads
    // into cache.merged; the output projection into Y ([B, T, C]). Check the shapes: X rank 3,
    // C a multiple of heads, the weights' shapes (check_shape).
    DL_TODO("ch07.multihead_attention_forward");   // lesson: chapters/ch07_transformer/README.md#multi-head-attention
}

// Backwards: the output projection (dWo, dbo, dmerged), the heads (dO), attention_backward, the
// heads again (dqkv), the input projection (dWqkv, dbqkv, dX)
template <class T>
void multihead_attention_backward(TensorT<T>& dX, TensorT<T>& dWqkv, TensorT<T>& dbqkv, TensorT<T>& dWo,
                                  TensorT<T>& dbo, const TensorT<T>& dY, const AttentionCache<T>& cache,
                                  const TensorT<T>& X, const TensorT<T>& Wqkv, const TensorT<T>& Wo,
                                  std::size_t heads) {
    // Hint: for Y = X Wᵀ + b on rows: dW += dYᵀ X (gemm with Trans::yes on dY and beta = 1), db +=
    // the column sums of dY, dX = dY W (beta = 0). heads_from_rows splits dmerged into dO;
    // rows_from_heads puts dQ, dK and dV back side by side in dqkv [B·T, 3C].
    DL_TODO("ch07.multihead_attention_backward");   // lesson: chapters/ch07_transformer/README.md#multi-head-attention
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
