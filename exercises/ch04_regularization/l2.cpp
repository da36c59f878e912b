#include "dl/ops/l2.hpp"

#include "dl/exercise.hpp"

#include <cstddef>

namespace dl {

// penalty = (λ/2) Σ_i θ_i²
template <class T>
T l2_penalty(const TensorT<T>& param, T lambda) {
    // Hint: one loop over every element; a double accumulator keeps a large float sum accurate.
    DL_TODO("ch04.l2_penalty");   // lesson: chapters/ch04_regularization/README.md#l2-penalty
}

// grad += λ θ
template <class T>
void l2_backward(TensorT<T>& grad, const TensorT<T>& param, T lambda) {
    // Hint: check grad against param's shape, then add; do not overwrite what the data loss put in grad.
    DL_TODO("ch04.l2_backward");   // lesson: chapters/ch04_regularization/README.md#l2-backward
}

#define DL_INSTANTIATE(T)                                  \
    template T l2_penalty(const TensorT<T>&, T);           \
    template void l2_backward(TensorT<T>&, const TensorT<T>&, T);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
