#include "dl/ops/activations.hpp"

#include "dl/exercise.hpp"

#include <cmath>
#include <cstddef>

namespace dl {

// Y = max(0, X).
template <class T>
void relu_forward(TensorT<T>& Y, const TensorT<T>& X) {
    // Hint: resize Y to X's shape, one loop.
    DL_TODO("ch02.relu_forward");   // lesson: chapters/ch02_backprop/README.md#relu-forward
}

// dX = dY ⊙ [X > 0].
template <class T>
void relu_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& X) {
    // Hint: the gradient passes where the input was positive and stops elsewhere (also at 0).
    DL_TODO("ch02.relu_backward");   // lesson: chapters/ch02_backprop/README.md#relu-backward
}

// Y = tanh(X).
template <class T>
void tanh_forward(TensorT<T>& Y, const TensorT<T>& X) {
    // Hint: std::tanh is stable for every input.
    DL_TODO("ch02.tanh_forward");   // lesson: chapters/ch02_backprop/README.md#tanh-forward
}

// tanh'(x) = 1 − tanh²(x), so dX = dY ⊙ (1 − Y²).
template <class T>
void tanh_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& Y) {
    // Hint: this takes the forward's OUTPUT Y, not its input: no tanh to recompute.
    DL_TODO("ch02.tanh_backward");   // lesson: chapters/ch02_backprop/README.md#tanh-backward
}

#define DL_INSTANTIATE(T)                                                               \
    template void relu_forward(TensorT<T>&, const TensorT<T>&);                         \
    template void relu_backward(TensorT<T>&, const TensorT<T>&, const TensorT<T>&);     \
    template void tanh_forward(TensorT<T>&, const TensorT<T>&);                         \
    template void tanh_backward(TensorT<T>&, const TensorT<T>&, const TensorT<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
