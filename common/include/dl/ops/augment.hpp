#pragma once
// Chapter 4: data augmentation for images.

#include "dl/rng.hpp"
#include "dl/tensor.hpp"

namespace dl {

// Shifts each image of X: [N, C, H, W] by its own (dy, dx), each uniform in {−s, ..., s} (drawn with
// rng.below(2s + 1) − s, dy first, image by image), filling the uncovered border with 0:
//   Y[n, c, y, x] = X[n, c, y − dy, x − dx]  when that pixel exists, else 0. In place.
template <class T>
void random_shift(TensorT<T>& X, int max_shift, Rng& rng);

}  // namespace dl
