#pragma once
// Chapter 4: the L2 penalty and its gradient.

#include "dl/tensor.hpp"

namespace dl {

//   penalty = (λ/2) Σ_i θ_i²            ∂penalty/∂θ = λ θ
template <class T>
T l2_penalty(const TensorT<T>& param, T lambda);

// grad += λ θ (accumulates: the data loss's gradient is already there).
template <class T>
void l2_backward(TensorT<T>& grad, const TensorT<T>& param, T lambda);

}  // namespace dl
