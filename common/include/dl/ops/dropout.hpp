#pragma once
// Chapter 4: inverted dropout.

#include "dl/rng.hpp"
#include "dl/tensor.hpp"

namespace dl {

// Training: each element is kept with probability 1 − p, and the kept ones are scaled by 1/(1 − p),
// so that E[Y] = X and evaluation needs no change:
//   mask_i = 1/(1 − p) with probability 1 − p, else 0 (drawn with rng.bernoulli(1 − p), in order)
//   Y = X ⊙ mask
// mask (resized to X's shape) is saved for backward. p = 0 keeps everything; p must be in [0, 1).
template <class T>
void dropout_forward(TensorT<T>& Y, TensorT<T>& mask, const TensorT<T>& X, T p, Rng& rng);

// dX = dY ⊙ mask (the same mask as forward). Overwrites dX.
template <class T>
void dropout_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& mask);

}  // namespace dl
