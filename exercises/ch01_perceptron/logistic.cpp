#include "dl/ops/logistic.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace dl {

// P = σ(Z) = 1 / (1 + e^(−z)), elementwise, without overflow for large |z|.
template <class T>
void sigmoid_forward(TensorT<T>& P, const TensorT<T>& Z) {
    // Hint: P.resize(Z.shape()) first. e^(−z) overflows for very negative z: use e^z / (1 + e^z) there.
    DL_TODO("ch01.sigmoid_forward");   // lesson: chapters/ch01_perceptron/README.md#sigmoid-forward
}

// σ'(z) = σ(z) (1 − σ(z)), so dZ = dP ⊙ P ⊙ (1 − P).
template <class T>
void sigmoid_backward(TensorT<T>& dZ, const TensorT<T>& dP, const TensorT<T>& P) {
    // Hint: check dP and P have the same shape (check_same_shape), resize dZ, one loop.
    DL_TODO("ch01.sigmoid_backward");   // lesson: chapters/ch01_perceptron/README.md#sigmoid-backward
}

// L = −(1/N) Σ_n [ y_n log p_n + (1 − y_n) log(1 − p_n) ], p clamped to [ε, 1 − ε].
template <class T>
T bce_forward(const TensorT<T>& p, const TensorT<T>& y) {
    // Hint: std::clamp(p[n], bce_epsilon<T>, 1 − bce_epsilon<T>) keeps log away from log(0).
    DL_TODO("ch01.bce_forward");   // lesson: chapters/ch01_perceptron/README.md#bce-forward
}

// dL/dp_n = (1/N) (p_n − y_n) / (p_n (1 − p_n)).
template <class T>
void bce_backward(TensorT<T>& dP, const TensorT<T>& p, const TensorT<T>& y) {
    // Hint: differentiate one term of the sum above; do not forget the 1/N and the clamp.
    DL_TODO("ch01.bce_backward");   // lesson: chapters/ch01_perceptron/README.md#bce-backward
}

// θ ← θ − η ∇θ.
template <class T>
void gradient_descent_step(TensorT<T>& param, const TensorT<T>& grad, T lr) {
    // Hint: check the shapes agree, then one loop.
    DL_TODO("ch01.gradient_descent_step");   // lesson: chapters/ch01_perceptron/README.md#gradient-descent-step
}

#define DL_INSTANTIATE(T)                                                        \
    template void sigmoid_forward(TensorT<T>&, const TensorT<T>&);               \
    template void sigmoid_backward(TensorT<T>&, const TensorT<T>&, const TensorT<T>&); \
    template T bce_forward(const TensorT<T>&, const TensorT<T>&);                \
    template void bce_backward(TensorT<T>&, const TensorT<T>&, const TensorT<T>&); \
    template void gradient_descent_step(TensorT<T>&, const TensorT<T>&, T);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
