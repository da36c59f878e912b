#pragma once
// Softmax and cross-entropy fused, for K-way classification.
//   Z: [N, K] logits    labels: N class indices in 0..K−1    P: [N, K] probabilities
//   P[n, k] = e^(Z[n,k] − m_n) / Σ_j e^(Z[n,j] − m_n)      m_n = max_j Z[n, j]  (stability)
//   L = −(1/N) Σ_n log P[n, y_n]

#include "dl/tensor.hpp"

#include <span>

namespace dl {

// Writes P (resized to Z's shape) and returns the mean loss L. A label outside 0..K−1 throws.
template <class T>
T softmax_cross_entropy_forward(TensorT<T>& P, const TensorT<T>& Z, std::span<const int> labels);

// dZ = (P − Y) / N, Y the one-hot labels: the softmax's Jacobian and the log's derivative cancel.
// Overwrites dZ.
template <class T>
void softmax_cross_entropy_backward(TensorT<T>& dZ, const TensorT<T>& P, std::span<const int> labels);

}  // namespace dl
