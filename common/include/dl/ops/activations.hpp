#pragma once
// Elementwise activations and their derivatives (the sigmoid is chapter 1's, in ops/logistic.hpp).
// Y and X have any shape; each backward overwrites dX and uses what its forward saw or produced.

#include "dl/tensor.hpp"

namespace dl {

// Y = max(0, X)
template <class T>
void relu_forward(TensorT<T>& Y, const TensorT<T>& X);

// dX = dY ⊙ [X > 0]   (the derivative at 0 taken as 0, as PyTorch does)
template <class T>
void relu_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& X);

// Y = tanh(X)
template <class T>
void tanh_forward(TensorT<T>& Y, const TensorT<T>& X);

// dX = dY ⊙ (1 − Y²), from the forward's output Y
template <class T>
void tanh_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& Y);

}  // namespace dl
