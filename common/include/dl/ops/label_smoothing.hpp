#pragma once
// Chapter 4: label smoothing (Szegedy et al., 2016). The target of example n is no longer the
// one-hot y_n but a little of every class:
//   q[n, k] = (1 − ε) · [k = y_n] + ε / K          ε ∈ [0, 1], K classes
// and the loss is softmax cross-entropy against q (PyTorch's cross_entropy(..., label_smoothing=ε)):
//   L = −(1/N) Σ_n Σ_k q[n, k] · log P[n, k]        P = softmax(Z) row by row
// ε = 0 is chapter 2's softmax_cross_entropy_forward. A model can no longer drive the loss to 0 by
// growing its logits without bound: the best it can do is P = q, logits a finite distance apart.

#include "dl/tensor.hpp"

#include <span>

namespace dl {

// Writes P (resized to Z's shape) and returns the mean loss L. log P is taken as (z − m) − log Σ e^(z − m)
// (m the row's maximum), never as the log of an underflowed P. Both functions throw for ε outside
// [0, 1], a Z (or P) that is not [N, K] with N = the number of labels, and a label outside 0..K−1.
template <class T>
T label_smoothing_forward(TensorT<T>& P, const TensorT<T>& Z, std::span<const int> labels, double epsilon);

// dZ = (P − q) / N, as for one-hot targets (the softmax's Jacobian and the log's derivative cancel
// against any target that sums to 1). Overwrites dZ.
template <class T>
void label_smoothing_backward(TensorT<T>& dZ, const TensorT<T>& P, std::span<const int> labels, double epsilon);

}  // namespace dl
