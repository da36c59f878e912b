#include "dl/ops/clipping.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace dl {

// ‖g‖ = sqrt(Σ g²) over every tensor;  if ‖g‖ > c:  g ← g · c / ‖g‖.  Returns ‖g‖ before clipping.
template <class T>
T clip_grad_norm(const std::vector<TensorT<T>*>& grads, T max_norm) {
    // Hint: DL_CHECK that max_norm > 0; one sum of squares over all the tensors together (in double),
    // then one common scale for all.
    DL_TODO("ch04.clip_grad_norm");   // lesson: chapters/ch04_regularization/README.md#clip-grad-norm
}

// g ← clamp(g, −c, c), element by element.
template <class T>
void clip_grad_value(const std::vector<TensorT<T>*>& grads, T clip) {
    // Hint: DL_CHECK that clip > 0, then std::clamp every element of every tensor.
    DL_TODO("ch04.clip_grad_value");   // lesson: chapters/ch04_regularization/README.md#clip-grad-value
}

#define DL_INSTANTIATE(T)                                                   \
    template T clip_grad_norm(const std::vector<TensorT<T>*>&, T);          \
    template void clip_grad_value(const std::vector<TensorT<T>*>&, T);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
