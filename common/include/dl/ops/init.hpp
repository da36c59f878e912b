#pragma once
// Weight initialisation: keep the variance of the signal the same from layer to layer.
//   Xavier (Glorot) uniform   W ~ U(−a, a),  a = √(6 / (fan_in + fan_out))   Var = 2 / (fan_in + fan_out)
//                             for tanh and sigmoid layers (derived for a linear unit, both ways)
//   He (Kaiming) normal       W ~ N(0, 2 / fan_in)
//                             for ReLU layers (ReLU zeroes half the signal, so twice the variance)
// Both fill W (any shape) in place from rng.

#include "dl/rng.hpp"
#include "dl/tensor.hpp"

namespace dl {

template <class T>
void xavier_uniform(TensorT<T>& W, std::size_t fan_in, std::size_t fan_out, Rng& rng);

template <class T>
void he_normal(TensorT<T>& W, std::size_t fan_in, Rng& rng);

}  // namespace dl
