#include "dl/ops/attention.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/gemm.hpp"

#include <cstddef>

namespace dl {

namespace {
// b[j] += Σ_r M[r, j] for M [rows, cols]: a bias's gradient.
template <class T>
void add_column_sums(TensorT<T>& b, const T* M, std::size_t rows, std::size_t cols) {
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t j = 0; j < cols; ++j) b[j] += M[r * cols + j];
}
// Y = X Wᵀ + b for X [rows, in] and W [out, in]: chapter 2's dense layer on the B·T rows.
template <class T>
void rows_times_weights(T* Y, const T* X, std::size_t rows, const TensorT<T>& W, const TensorT<T>& b) {
    const std::size_t out = W.dim(0), in = W.dim(1);
    gemm_blocked<T>(Trans::no, Trans::yes, rows, out, in, T(1), X, in, W.data(), in, T(0), Y, out);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t j = 0; j < out; ++j) Y[r * out + j] += b[j];
}
void check_heads(const char* where, const Shape& X, std::size_t heads) {
    if (X.size() != 3 || X[2] == 0 || heads == 0 || X[2] % heads != 0)
        DL_THROW(ShapeError, where << ": X has shape " << to_string(X) << " for " << heads
                                   << " heads: expected [B, T, C] with C a multiple of the heads");
}
}  // namespace

// [q | k | v] = X Wqkvᵀ + bqkv → heads → attention → merged → Y = merged Woᵀ + bo.
template <class T>
void multihead_attention_forward(TensorT<T>& Y, AttentionCache<T>& cache, const TensorT<T>& X,
                                 const TensorT<T>& Wqkv, const TensorT<T>& bqkv, const TensorT<T>& Wo,
                                 const TensorT<T>& bo, std::size_t heads, bool causal) {
    check_heads("multihead_attention_forward", X.shape(), heads);
    const std::size_t B = X.dim(0), T_ = X.dim(1), C = X.dim(2), d = C / heads;
    check_shape(Wqkv.shape(), {3 * C, C}, "multihead_attention_forward", "Wqkv");
    check_shape(bqkv.shape(), {3 * C}, "multihead_attention_forward", "bqkv");
    check_shape(Wo.shape(), {C, C}, "multihead_attention_forward", "Wo");
    check_shape(bo.shape(), {C}, "multihead_attention_forward", "bo");
    cache.qkv.resize({B * T_, 3 * C});
    rows_times_weights(cache.qkv.data(), X.data(), B * T_, Wqkv, bqkv);
    heads_from_rows(cache.Q, cache.qkv.data(), 3 * C, 0, B, T_, heads, d);
    heads_from_rows(cache.K, cache.qkv.data(), 3 * C, C, B, T_, heads, d);
    heads_from_rows(cache.V, cache.qkv.data(), 3 * C, 2 * C, B, T_, heads, d);
    attention_forward(cache.O, cache.P, cache.Q, cache.K, cache.V, causal);
    cache.merged.resize({B * T_, C});
    rows_from_heads(cache.merged.data(), C, 0, cache.O, B, T_, heads, d);
    Y.resize({B, T_, C});
    rows_times_weights(Y.data(), cache.merged.data(), B * T_, Wo, bo);
}

// Backwards through the same steps: the output projection, the heads, attention, the input
// projection. Each projection Y = X Wᵀ + b gives dW += dYᵀ X, db += Σ_rows dY, dX = dY W.
template <class T>
void multihead_attention_backward(TensorT<T>& dX, TensorT<T>& dWqkv, TensorT<T>& dbqkv, TensorT<T>& dWo,
                                  TensorT<T>& dbo, const TensorT<T>& dY, const AttentionCache<T>& cache,
                                  const TensorT<T>& X, const TensorT<T>& Wqkv, const TensorT<T>& Wo,
                                  std::size_t heads) {
    check_heads("multihead_attention_backward", X.shape(), heads);
    const std::size_t B = X.dim(0), T_ = X.dim(1), C = X.dim(2), d = C / heads, rows = B * T_;
    check_shape(dY.shape(), X.shape(), "multihead_attention_backward", "dY");
    check_shape(dWqkv.shape(), {3 * C, C}, "multihead_attention_backward", "dWqkv");
    check_shape(dbqkv.shape(), {3 * C}, "multihead_attention_backward", "dbqkv");
    check_shape(dWo.shape(), {C, C}, "multihead_attention_backward", "dWo");
    check_shape(dbo.shape(), {C}, "multihead_attention_backward", "dbo");
    check_shape(cache.merged.shape(), {rows, C}, "multihead_attention_backward", "the cache (run the forward first)");
    // The output projection.
    gemm_blocked<T>(Trans::yes, Trans::no, C, C, rows, T(1), dY.data(), C, cache.merged.data(), C, T(1), dWo.data(), C);
    add_column_sums(dbo, dY.data(), rows, C);
    TensorT<T> dmerged({rows, C}), dO, dQ, dK, dV;
    gemm_blocked<T>(Trans::no, Trans::no, rows, C, C, T(1), dY.data(), C, Wo.data(), C, T(0), dmerged.data(), C);
    // The heads and attention.
    heads_from_rows(dO, dmerged.data(), C, 0, B, T_, heads, d);
    attention_backward(dQ, dK, dV, dO, cache.Q, cache.K, cache.V, cache.P);
    TensorT<T> dqkv({rows, 3 * C});
    rows_from_heads(dqkv.data(), 3 * C, 0, dQ, B, T_, heads, d);
    rows_from_heads(dqkv.data(), 3 * C, C, dK, B, T_, heads, d);
    rows_from_heads(dqkv.data(), 3 * C, 2 * C, dV, B, T_, heads, d);
    // The input projection.
    gemm_blocked<T>(Trans::yes, Trans::no, 3 * C, C, rows, T(1), dqkv.data(), 3 * C, X.data(), C, T(1), dWqkv.data(), C);
    add_column_sums(dbqkv, dqkv.data(), rows, 3 * C);
    dX.resize({B, T_, C});
    gemm_blocked<T>(Trans::no, Trans::no, rows, C, 3 * C, T(1), dqkv.data(), 3 * C, Wqkv.data(), C, T(0), dX.data(), C);
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
