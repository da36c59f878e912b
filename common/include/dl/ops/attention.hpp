#pragma once
// Chapter 7: the Transformer's pieces. Shapes (B the batch, T the positions, C the model width
// d_model, h the heads, d = C / h the head size, N = B·h the attention problems of a batch):
//   X, Y: [B, T, C] (a row of C per position)   Q, K, V, O: [N, T, d]   P: [N, T, T] (attention weights)
// Backward functions overwrite the input gradients (dX, dQ, dK, dV) and ACCUMULATE into the
// parameters' (dgamma, dbeta, dW, db): the optimizer zeroes those.

#include "dl/tensor.hpp"

#include <cstddef>
#include <span>

namespace dl {

// ---- Softmax along the last axis, and its Jacobian-vector product ------------------------------
// X of any rank, seen as rows of its last dimension K:
//   Y[r, k] = e^(X[r,k] − m_r) / Σ_j e^(X[r,j] − m_r)      m_r = max_j X[r, j]
// An entry of −∞ (a masked score) gets probability 0. Y is resized to X's shape; Y may be X itself.
template <class T>
void softmax_forward(TensorT<T>& Y, const TensorT<T>& X);
// The Jacobian ∂Y_k/∂X_j = Y_k (δ_kj − Y_j), applied to dY without building it:
//   dX[r, j] = Y[r, j] · (dY[r, j] − Σ_k dY[r, k] Y[r, k])
// (Chapter 2 fused softmax with cross-entropy, where this collapses to P − onehot; attention's
// softmax feeds a matrix product instead, so it needs the general form.) dX may be dY itself.
template <class T>
void softmax_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& Y);

// ---- Layer normalisation over the last axis ----------------------------------------------------
// X seen as rows of C features (X [..., C]), each row normalised on its own (no batch statistics):
//   μ = (1/C) Σ_c x_c    σ² = (1/C) Σ_c (x_c − μ)²    rstd = 1 / √(σ² + ε)
//   x̂ = (x − μ) · rstd   y = γ ⊙ x̂ + β                γ, β: [C]
// Y is resized to X's shape; mean and rstd to [rows] (kept for the backward pass).
template <class T>
void layernorm_forward(TensorT<T>& Y, TensorT<T>& mean, TensorT<T>& rstd, const TensorT<T>& X,
                       const TensorT<T>& gamma, const TensorT<T>& beta, double eps = 1e-5);
// With g = dY ⊙ γ (the gradient reaching x̂), per row:
//   dX = rstd · (g − mean_c(g) − x̂ · mean_c(g ⊙ x̂))      (dX resized to X's shape)
//   dγ += Σ_rows dY ⊙ x̂      dβ += Σ_rows dY
template <class T>
void layernorm_backward(TensorT<T>& dX, TensorT<T>& dgamma, TensorT<T>& dbeta, const TensorT<T>& dY,
                        const TensorT<T>& X, const TensorT<T>& mean, const TensorT<T>& rstd, const TensorT<T>& gamma);

// ---- GELU, exactly (PyTorch's nn.GELU() default, not its tanh approximation) -------------------
//   GELU(x) = x Φ(x) = x · ½ (1 + erf(x / √2))          Φ the standard normal's CDF
//   GELU'(x) = Φ(x) + x φ(x)                              φ(x) = e^(−x²/2) / √(2π)
template <class T>
void gelu_forward(TensorT<T>& Y, const TensorT<T>& X);
template <class T>
void gelu_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& X);

// ---- GELU, tanh approximation (GPT-2's; PyTorch's nn.GELU(approximate='tanh')) ---------------
//   GELU_tanh(x) = ½ x (1 + tanh(u))           u = √(2/π) (x + 0.044715 x³)
//   GELU_tanh'(x) = ½ (1 + tanh(u)) + ½ x (1 − tanh²(u)) · √(2/π) (1 + 3 · 0.044715 x²)
template <class T>
void gelu_tanh_forward(TensorT<T>& Y, const TensorT<T>& X);
template <class T>
void gelu_tanh_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& X);

// ---- Sinusoidal positional encoding (Vaswani et al. 2017) --------------------------------------
// P is resized to [T, C]; for position t and i = 0, 1, ...:
//   P[t, 2i] = sin(t / 10000^(2i/C))      P[t, 2i+1] = cos(t / 10000^(2i/C))
// (For an odd C the last column is a sine.)
template <class T>
void sinusoidal_positions(TensorT<T>& P, std::size_t positions, std::size_t width);

// ---- Scaled dot-product attention, naive: the scores materialised ------------------------------
// Q [N, Tq, d], K and V [N, Tk, d]; for each of the N problems:
//   S = Q Kᵀ / √d       [Tq, Tk]        (the scale keeps the scores' variance near 1: see the lesson)
//   causal: S[i, j] = −∞ for j > i      (a position sees itself and the past; needs Tq = Tk)
//   P = softmax(S) by rows;  O = P V    [Tq, d]
// O is resized to [N, Tq, d] and P to [N, Tq, Tk] (kept for the backward pass: zero where masked).
template <class T>
void attention_forward(TensorT<T>& O, TensorT<T>& P, const TensorT<T>& Q, const TensorT<T>& K, const TensorT<T>& V,
                       bool causal);
// From dO [N, Tq, d] (dQ, dK, dV resized):
//   dV = Pᵀ dO     dP = dO Vᵀ     dS = softmax_backward(dP, P)     dQ = dS K / √d     dK = dSᵀ Q / √d
// (masked entries have P = 0, so dS = 0 there: the mask needs no backward of its own).
template <class T>
void attention_backward(TensorT<T>& dQ, TensorT<T>& dK, TensorT<T>& dV, const TensorT<T>& dO, const TensorT<T>& Q,
                        const TensorT<T>& K, const TensorT<T>& V, const TensorT<T>& P);

// ---- Block-wise attention with an online softmax (flash attention's forward) -------------------
// The same O as attention_forward, without the [Tq, Tk] score matrix: for each block of `block`
// query rows, walk the keys a block at a time, keeping for every row the running maximum m, the
// running sum ℓ of e^(s − m) and the running output acc. A new block of scores s:
//   m' = max(m, max_j s_j)    ℓ ← ℓ e^(m − m') + Σ_j e^(s_j − m')    acc ← acc e^(m − m') + Σ_j e^(s_j − m') v_j
// and O = acc / ℓ at the end. Causal: a query block stops at its last row's key (the rest is masked).
// O is resized to [N, Tq, d]; block ≥ 1 (a block longer than the sequence is one block).
template <class T>
void attention_blockwise_forward(TensorT<T>& O, const TensorT<T>& Q, const TensorT<T>& K, const TensorT<T>& V,
                                 bool causal, std::size_t block = 64);

// ---- The forward variants, in order of the ladder ----------------------------------------------
// One signature for every row: O from Q, K, V as attention_forward computes it. P is where the
// naive row keeps its [N, Tq, Tk] weights (the block-wise row never forms them and leaves P as it
// was); block is the block-wise row's tile of queries and keys (the naive row has none).
template <class T>
using AttentionForwardFn = void (*)(TensorT<T>& O, TensorT<T>& P, const TensorT<T>& Q, const TensorT<T>& K,
                                    const TensorT<T>& V, bool causal, std::size_t block);

template <class T>
struct AttentionVariant {
    const char* name;
    AttentionForwardFn<T> fn;
};

// Tests and benchmarks loop over this table: a new variant is one new line here.
template <class T>
inline constexpr AttentionVariant<T> attention_variants[] = {
    {"naive",
     [](TensorT<T>& O, TensorT<T>& P, const TensorT<T>& Q, const TensorT<T>& K, const TensorT<T>& V, bool causal,
        std::size_t) { attention_forward(O, P, Q, K, V, causal); }},
    {"blockwise",
     [](TensorT<T>& O, TensorT<T>&, const TensorT<T>& Q, const TensorT<T>& K, const TensorT<T>& V, bool causal,
        std::size_t block) { attention_blockwise_forward(O, Q, K, V, causal, block); }},
};

// ---- Multi-head causal self-attention ----------------------------------------------------------
// What the forward keeps for the backward (every tensor resized by the forward).
template <class T>
struct AttentionCache {
    TensorT<T> qkv;       // [B·T, 3C]   X Wqkvᵀ + bqkv: row b·T + t is [q | k | v] for position t
    TensorT<T> Q, K, V;   // [B·h, T, d] the heads: head j of q is columns j·d .. j·d + d − 1
    TensorT<T> P;         // [B·h, T, T] attention weights
    TensorT<T> O;         // [B·h, T, d] each head's output
    TensorT<T> merged;    // [B·T, C]    the heads side by side again: row b·T + t is [O_0 | O_1 | ...]
};

// X [B, T, C], Wqkv [3C, C], bqkv [3C], Wo [C, C], bo [C], C a multiple of the heads:
//   [q | k | v] = X Wqkvᵀ + bqkv;  split into heads;  O = attention(Q, K, V, causal);
//   merge the heads;  Y = merged Woᵀ + bo      Y resized to [B, T, C], the cache's tensors too
template <class T>
void multihead_attention_forward(TensorT<T>& Y, AttentionCache<T>& cache, const TensorT<T>& X,
                                 const TensorT<T>& Wqkv, const TensorT<T>& bqkv, const TensorT<T>& Wo,
                                 const TensorT<T>& bo, std::size_t heads, bool causal = true);
// The forward backwards. Each projection Y = X Wᵀ + b (on the B·T rows) gives chapter 2's
// dW += dYᵀ X, db += Σ_rows dY, dX = dY W: dWo, dbo and dmerged first; dmerged split into heads
// as dO; attention_backward; dQ, dK, dV merged into dqkv [B·T, 3C]; then dWqkv, dbqkv and dX
// (resized to [B, T, C]). Throws when the cache does not hold this X's forward.
template <class T>
void multihead_attention_backward(TensorT<T>& dX, TensorT<T>& dWqkv, TensorT<T>& dbqkv, TensorT<T>& dWo,
                                  TensorT<T>& dbo, const TensorT<T>& dY, const AttentionCache<T>& cache,
                                  const TensorT<T>& X, const TensorT<T>& Wqkv, const TensorT<T>& Wo,
                                  std::size_t heads);

// ---- Given: moving heads between the rows of a matrix and [B·h, T, d] --------------------------
// rows: B·T rows of `stride` numbers; columns `first` .. first + h·d − 1 hold the h heads side by
// side. heads_from_rows copies them out to heads [B·h, T, d] (resized); rows_from_heads writes them
// back (other columns untouched).
template <class T>
void heads_from_rows(TensorT<T>& heads_out, const T* rows, std::size_t stride, std::size_t first, std::size_t B,
                     std::size_t T_, std::size_t h, std::size_t d) {
    heads_out.resize({B * h, T_, d});
    for (std::size_t b = 0; b < B; ++b)
        for (std::size_t j = 0; j < h; ++j)
            for (std::size_t t = 0; t < T_; ++t) {
                const T* src = rows + (b * T_ + t) * stride + first + j * d;
                T* dst = heads_out.data() + ((b * h + j) * T_ + t) * d;
                for (std::size_t c = 0; c < d; ++c) dst[c] = src[c];
            }
}
template <class T>
void rows_from_heads(T* rows, std::size_t stride, std::size_t first, const TensorT<T>& heads_in, std::size_t B,
                     std::size_t T_, std::size_t h, std::size_t d) {
    for (std::size_t b = 0; b < B; ++b)
        for (std::size_t j = 0; j < h; ++j)
            for (std::size_t t = 0; t < T_; ++t) {
                const T* src = heads_in.data() + ((b * h + j) * T_ + t) * d;
                T* dst = rows + (b * T_ + t) * stride + first + j * d;
                for (std::size_t c = 0; c < d; ++c) dst[c] = src[c];
            }
}

// Throws ShapeError naming `where` unless Q is [N, Tq, d] and K, V are [N, Tk, d] (Tq = Tk when
// causal).
inline void check_attention_shapes(const char* where, const Shape& Q, const Shape& K, const Shape& V, bool causal) {
    if (Q.size() != 3 || K.size() != 3 || V.size() != 3 || K != V || Q[0] != K[0] || Q[2] != K[2] || Q[2] == 0 ||
        K[1] == 0)
        DL_THROW(ShapeError, where << ": Q " << to_string(Q) << ", K " << to_string(K) << ", V " << to_string(V)
                                   << ": expected Q [N, Tq, d] and K, V [N, Tk, d] with d, Tk > 0");
    if (causal && Q[1] != K[1])
        DL_THROW(ShapeError, where << ": a causal mask needs as many queries as keys, got " << Q[1] << " and " << K[1]);
}

}  // namespace dl
