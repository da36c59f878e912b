#include "dl/ops/augment.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dl {

// Y[n, c, y, x] = X[n, c, y − dy, x − dx] when that pixel exists, else 0;  dy, dx ∈ {−s, ..., s} per image.
template <class T>
void random_shift(TensorT<T>& X, int max_shift, Rng& rng) {
    // Hint: per image draw dy then dx; shift each channel through a copy of it (in place would read
    // pixels already overwritten), with signed indices for y − dy and x − dx.
    DL_TODO("ch04.random_shift");   // lesson: chapters/ch04_regularization/README.md#random-shift
}

template void random_shift(TensorT<float>&, int, Rng&);
template void random_shift(TensorT<double>&, int, Rng&);

// Y[n, c, y, x] = X[n, c, y, W − 1 − x] for the images whose draw rng.bernoulli(p) is true, else X.
template <class T>
void random_flip_lr(TensorT<T>& X, double p, Rng& rng) {
    // Hint: one draw per image, even for the images left alone; a flip reverses each row of each
    // channel (std::reverse does it in place).
    DL_TODO("ch04.random_flip_lr");   // lesson: chapters/ch04_regularization/README.md#random-flip-lr
}

template void random_flip_lr(TensorT<float>&, double, Rng&);
template void random_flip_lr(TensorT<double>&, double, Rng&);

}  // namespace dl
