#pragma once
// Mean squared error over every element (PyTorch's MSELoss with reduction "mean"):
//   L = (1/M) Σ_i (Y_i − T_i)²        M = Y.size()
// For a classifier, T is the one-hot encoding of the labels.

#include "dl/tensor.hpp"

namespace dl {

template <class T>
T mse_forward(const TensorT<T>& Y, const TensorT<T>& target);

// dY = (2/M) (Y − T). Overwrites dY.
template <class T>
void mse_backward(TensorT<T>& dY, const TensorT<T>& Y, const TensorT<T>& target);

}  // namespace dl
