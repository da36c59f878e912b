#pragma once
// Chapter 4: data augmentation for images.

#include "dl/rng.hpp"
#include "dl/tensor.hpp"

namespace dl {

// Shifts each image of X: [N, C, H, W] by its own (dy, dx), each uniform in {−s, ..., s} (drawn with
// rng.below(2s + 1) − s, dy first, image by image), filling the uncovered border with 0:
//   Y[n, c, y, x] = X[n, c, y − dy, x − dx]  when that pixel exists, else 0. In place.
// Throws for X not [N, C, H, W] or a negative max_shift.
template <class T>
void random_shift(TensorT<T>& X, int max_shift, Rng& rng);

// Mirrors each image of X: [N, C, H, W] left to right with probability p (one draw per image,
// rng.bernoulli(p), image by image), every channel alike:
//   Y[n, c, y, x] = X[n, c, y, W − 1 − x]  for the images whose draw is true, X[n, c, y, x] for the
// others. In place. Throws for X not [N, C, H, W] or p outside [0, 1].
template <class T>
void random_flip_lr(TensorT<T>& X, double p, Rng& rng);

}  // namespace dl
