#pragma once
// The dense (fully connected) layer, in the lesson's notation: z_j = b_j + Σ_i w_ji a_i for one
// example; for a mini-batch, stacked as rows:
//   X: [N, in]   W: [out, in]   b: [out]   Y: [N, out]

#include "dl/tensor.hpp"

namespace dl {

// Y = X · Wᵀ + b   (b added to every row). Y is resized to [N, out].
template <class T>
void dense_forward(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b);

// With dY = ∂E/∂Y: [N, out] (the δ of every unit, for every example):
//   dX  = dY · W              [N, in]      overwritten (resized)
//   dW += dYᵀ · X             [out, in]    accumulated
//   db += Σ_n dY[n, :]        [out]        accumulated
template <class T>
void dense_backward(TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY, const TensorT<T>& X,
                    const TensorT<T>& W);

}  // namespace dl
