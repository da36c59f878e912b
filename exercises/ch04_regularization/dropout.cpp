#include "dl/ops/dropout.hpp"

#include "dl/exercise.hpp"

#include <cstddef>

namespace dl {

// mask_i = 1/(1 − p) with probability 1 − p, else 0        Y = X ⊙ mask
template <class T>
void dropout_forward(TensorT<T>& Y, TensorT<T>& mask, const TensorT<T>& X, T p, Rng& rng) {
    // Hint: DL_CHECK that p is in [0, 1); resize Y and mask; one rng.bernoulli(1 − p) per element, in order.
    DL_TODO("ch04.dropout_forward");   // lesson: chapters/ch04_regularization/README.md#dropout-forward
}

// dX = dY ⊙ mask
template <class T>
void dropout_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& mask) {
    // Hint: the mask already holds the 1/(1 − p): no rng here, and no division.
    DL_TODO("ch04.dropout_backward");   // lesson: chapters/ch04_regularization/README.md#dropout-backward
}

#define DL_INSTANTIATE(T)                                                                       \
    template void dropout_forward(TensorT<T>&, TensorT<T>&, const TensorT<T>&, T, Rng&);        \
    template void dropout_backward(TensorT<T>&, const TensorT<T>&, const TensorT<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
