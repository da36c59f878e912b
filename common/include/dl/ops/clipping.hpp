#pragma once
// Chapter 4: gradient clipping.

#include "dl/tensor.hpp"

#include <vector>

namespace dl {

// By norm: ‖g‖ = sqrt(Σ over every gradient tensor and element of g²); when ‖g‖ > c every gradient is
// scaled by c / ‖g‖, so the new norm is exactly c (up to rounding). Returns ‖g‖ before clipping.
// c must be > 0 (a dl::Error otherwise, NaN included), as must clip_grad_value's.
template <class T>
T clip_grad_norm(const std::vector<TensorT<T>*>& grads, T max_norm);

// By value: every element clamped to [−c, c].
template <class T>
void clip_grad_value(const std::vector<TensorT<T>*>& grads, T clip);

}  // namespace dl
