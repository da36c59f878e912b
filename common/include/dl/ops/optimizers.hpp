#pragma once
// Chapter 3's update rules. Each moves a parameter θ against its gradient g, in place, and keeps
// its own state (same shape as θ) in tensors the caller owns: optim::Momentum and friends hold one
// set per parameter. All states start at zero. Element by element, with η the learning rate:
//
//   momentum   v ← μ v + g                  θ ← θ − η v                     (PyTorch's SGD with momentum)
//   nesterov   v ← μ v + g                  θ ← θ − η (g + μ v)             (the look-ahead, PyTorch's form)
//   adagrad    G ← G + g²                   θ ← θ − η g / (√G + ε)
//   rmsprop    s ← ρ s + (1 − ρ) g²         θ ← θ − η g / (√s + ε)
//   adadelta   s ← ρ s + (1 − ρ) g²         Δ = √(d + ε) / √(s + ε) · g
//              d ← ρ d + (1 − ρ) Δ²         θ ← θ − η Δ                     (η = 1 in the paper)
//   adam       m ← β₁ m + (1 − β₁) g        v ← β₂ v + (1 − β₂) g²
//              m̂ = m / (1 − β₁ᵗ)            v̂ = v / (1 − β₂ᵗ)               (bias correction; t = 1, 2, ...)
//              θ ← θ − η m̂ / (√v̂ + ε)
//   adamw      θ ← θ − η λ θ, then the adam step                            (decoupled weight decay λ)
//
// Every state tensor must have θ's shape (a ShapeError says which does not).

#include "dl/tensor.hpp"

#include <cstdint>

namespace dl {

template <class T>
void momentum_step(TensorT<T>& param, TensorT<T>& velocity, const TensorT<T>& grad, T lr, T momentum);

template <class T>
void nesterov_step(TensorT<T>& param, TensorT<T>& velocity, const TensorT<T>& grad, T lr, T momentum);

template <class T>
void adagrad_step(TensorT<T>& param, TensorT<T>& sum_squares, const TensorT<T>& grad, T lr, T eps);

template <class T>
void rmsprop_step(TensorT<T>& param, TensorT<T>& mean_square, const TensorT<T>& grad, T lr, T rho, T eps);

template <class T>
void adadelta_step(TensorT<T>& param, TensorT<T>& mean_square_grad, TensorT<T>& mean_square_delta,
                   const TensorT<T>& grad, T lr, T rho, T eps);

// t is the number of this step, counting from 1 (t = 0 throws: the bias correction would divide by 0).
template <class T>
void adam_step(TensorT<T>& param, TensorT<T>& m, TensorT<T>& v, const TensorT<T>& grad, std::int64_t t, T lr,
               T beta1, T beta2, T eps);

template <class T>
void adamw_step(TensorT<T>& param, TensorT<T>& m, TensorT<T>& v, const TensorT<T>& grad, std::int64_t t, T lr,
                T beta1, T beta2, T eps, T weight_decay);

}  // namespace dl
