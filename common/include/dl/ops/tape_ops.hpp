#pragma once
// Chapter 8: the tape's ops. Each computes its result with a kernel of chapters 2-7 and records
// its vector-Jacobian product (see tape.hpp). The exercises are declared first; the ops made of
// other ops, and the moves of data between shapes, are given below them.
//
// Shapes are the chapters' own: rows [N, C] for matrices (a sequence [B, T, C] is B·T rows),
// images [N, C, H, W], attention heads [B·H, T, D].

#include "dl/ops/conv.hpp"
#include "dl/ops/gemm.hpp"
#include "dl/ops/tape.hpp"

#include <cstddef>
#include <span>
#include <vector>

namespace dl {

// ---- Broadcasting (NumPy's rule, as PyTorch) ----------------------------------------------------
// Two shapes are aligned at their last axes; along each axis the sizes must be equal or one of them
// 1 (or missing), and the result takes the larger: [32, 10] with [10] → [32, 10]; [4, 1] with
// [1, 3] → [4, 3]. Throws ShapeError naming both shapes otherwise.
Shape broadcast_shape(const Shape& a, const Shape& b);

// Calls f(i_out, i_in) for every flat index i_out of out_shape, with i_in the flat index of the
// in_shape element that broadcasting copies there (in_shape must broadcast to out_shape).
template <class F>
void for_each_broadcast(const Shape& out_shape, const Shape& in_shape, F f);

// Broadcasting's reduction, the adjoint of its copy: out[j] = Σ g[i] over every i that
// broadcasting fills from element j of `shape`. out is resized to `shape` and overwritten.
//   sum_to_shape(g [32, 10], [10]) = Σ_n g[n, :]        sum_to_shape(g [4, 3], [4, 1]) = row sums
template <class T>
void sum_to_shape(TensorT<T>& out, const TensorT<T>& g, const Shape& shape);   // exercise ch08.sum_to_shape

// ---- Elementwise binary ops, with broadcasting (exercise ch08.binary_ops) -----------------------
//   Y = A + B: dA = sum_to(dY, A)            dB = sum_to(dY, B)
//   Y = A − B: dA = sum_to(dY, A)            dB = −sum_to(dY, B)
//   Y = A ⊙ B: dA = sum_to(dY ⊙ B, A)        dB = sum_to(dY ⊙ A, B)
//   Y = A / B: dA = sum_to(dY / B, A)        dB = −sum_to(dY ⊙ Y / B, B)
template <class T> Var<T> add(const Var<T>& A, const Var<T>& B);
template <class T> Var<T> sub(const Var<T>& A, const Var<T>& B);
template <class T> Var<T> mul(const Var<T>& A, const Var<T>& B);
template <class T> Var<T> div(const Var<T>& A, const Var<T>& B);

// ---- Elementwise unary ops (exercise ch08.unary_ops) --------------------------------------------
//   relu: dX = dY ⊙ [X > 0]         tanh: dX = dY ⊙ (1 − Y²)       sigmoid: dX = dY ⊙ Y ⊙ (1 − Y)
//   exp:  dX = dY ⊙ Y               log:  dX = dY / X
template <class T> Var<T> relu(const Var<T>& X);
template <class T> Var<T> tanh(const Var<T>& X);
template <class T> Var<T> sigmoid(const Var<T>& X);
template <class T> Var<T> exp(const Var<T>& X);
template <class T> Var<T> log(const Var<T>& X);

// ---- Matrix product (exercise ch08.matmul) ------------------------------------------------------
// C = op(A) op(B), op(X) = X or Xᵀ by the flags (chapter 2's gemm_blocked): A, B two-dimensional.
//   dop(A) = dC op(B)ᵀ        dop(B) = op(A)ᵀ dC      (and a transposed operand gets its transpose)
template <class T>
Var<T> matmul(const Var<T>& A, const Var<T>& B, Trans ta = Trans::no, Trans tb = Trans::no);

// ---- Sums (exercise ch08.reductions) ------------------------------------------------------------
//   y = Σ X: shape [1], dX = dy broadcast to X's shape
//   Y = Σ_k X[..., k] (the last axis kept as 1: [..., 1]), dX = dY broadcast along the last axis
template <class T> Var<T> sum(const Var<T>& X);
template <class T> Var<T> sum_last_axis(const Var<T>& X);

// ---- Softmax over the last axis (exercise ch08.softmax) -----------------------------------------
// Chapter 7's softmax_forward. dX = Y ⊙ (dY − Σ_k dY ⊙ Y), the sum along the last axis.
template <class T>
Var<T> softmax(const Var<T>& X);

// ---- Softmax cross-entropy (exercise ch08.softmax_cross_entropy) --------------------------------
// Chapter 2's kernel: Z [N, K] logits, labels N classes; y = −(1/N) Σ_n log softmax(Z)[n, y_n], [1].
//   dZ = (softmax(Z) − onehot) · dy / N
template <class T>
Var<T> softmax_cross_entropy(const Var<T>& Z, std::span<const int> labels);

// ---- The layers whose VJP is a chapter's backward kernel (once differentiable) ------------------
// conv2d (exercise ch08.conv2d): chapter 5's im2col kernels; X [N, C, H, W], W [OC, C, KH, KW], b [OC].
template <class T>
Var<T> conv2d(const Var<T>& X, const Var<T>& W, const Var<T>& b, Conv2dParams p);
// maxpool2d (exercise ch08.maxpool2d): chapter 5's; the window's winner gets the gradient.
template <class T>
Var<T> maxpool2d(const Var<T>& X, std::size_t K, std::size_t S);
// layer_norm (exercise ch08.layer_norm): chapter 7's, over the last axis, γ and β [C].
template <class T>
Var<T> layer_norm(const Var<T>& X, const Var<T>& gamma, const Var<T>& beta);
// gelu (exercise ch08.gelu): chapter 7's exact GELU, x Φ(x).
template <class T>
Var<T> gelu(const Var<T>& X);
// attention (exercise ch08.attention): chapter 7's scaled dot-product attention on Q [N, Tq, d],
// K and V [N, Tk, d], causal or not.
template <class T>
Var<T> attention(const Var<T>& Q, const Var<T>& K, const Var<T>& V, bool causal);

// ---- Hessian-vector product (exercise ch08.hessian_vector_product) ------------------------------
// H v for the Hessian H of `loss` (one element) with respect to `params`, without forming H:
//   g = ∂loss/∂params (recorded: create_graph)      H v = ∂(Σᵢ gᵢ · vᵢ)/∂params
// v holds one tensor per parameter, of its shape. Returns one tensor per parameter.
template <class T>
std::vector<TensorT<T>> hessian_vector_product(const Var<T>& loss, const std::vector<Var<T>>& params,
                                               const std::vector<TensorT<T>>& v);

}  // namespace dl

#include "dl/ops/tape_given.hpp"
