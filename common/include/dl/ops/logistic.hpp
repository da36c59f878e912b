#pragma once
// Logistic regression's pieces: the sigmoid, binary cross-entropy, and the gradient-descent step.
// Elementwise over tensors of any shape; p are probabilities, y labels in {0, 1}, N = p.size().

#include "dl/tensor.hpp"

namespace dl {

// P = σ(Z) = 1 / (1 + e^(−Z)), elementwise, without overflow for large |z|.
// P is resized to Z's shape.
template <class T>
void sigmoid_forward(TensorT<T>& P, const TensorT<T>& Z);

// dZ = dP ⊙ σ'(Z) = dP ⊙ P ⊙ (1 − P), using the forward's output P. Overwrites dZ.
template <class T>
void sigmoid_backward(TensorT<T>& dZ, const TensorT<T>& dP, const TensorT<T>& P);

// Mean binary cross-entropy: L = −(1/N) Σ_n [ y_n log p_n + (1 − y_n) log(1 − p_n) ].
// p is clamped to [ε, 1 − ε] with ε = bce_epsilon<T> so a confident mistake costs a large but
// finite loss.
template <class T>
T bce_forward(const TensorT<T>& p, const TensorT<T>& y);

// dL/dp_n = (1/N) (p_n − y_n) / (p_n (1 − p_n)), with p clamped as above (the clamp only keeps the
// division finite; its own zero slope is ignored). Overwrites dP.
template <class T>
void bce_backward(TensorT<T>& dP, const TensorT<T>& p, const TensorT<T>& y);

// One step of gradient descent on a parameter: θ ← θ − η ∇θ.
template <class T>
void gradient_descent_step(TensorT<T>& param, const TensorT<T>& grad, T lr);

template <class T>
inline constexpr T bce_epsilon = T(1e-7);

}  // namespace dl
