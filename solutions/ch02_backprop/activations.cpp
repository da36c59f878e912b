#include "dl/ops/activations.hpp"

#include "dl/exercise.hpp"

#include <cmath>
#include <cstddef>

namespace dl {

// Elements from which ReLU splits its loop among the threads.
constexpr std::size_t parallel_threshold = std::size_t{1} << 17;

// Y = max(0, X).
template <class T>
void relu_forward(TensorT<T>& Y, const TensorT<T>& X) {
    Y.resize(X.shape());
    const T* x = X.data();
    T* y = Y.data();
    // Split among the threads only when large (after a convolution): a parallel region costs more
    // than a small layer's whole work.
#pragma omp parallel for schedule(static) if (X.size() >= parallel_threshold)
    for (std::size_t i = 0; i < X.size(); ++i) y[i] = x[i] > T(0) ? x[i] : T(0);
}

// dX = dY ⊙ [X > 0].
template <class T>
void relu_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& X) {
    check_same_shape(dY.shape(), X.shape(), "relu_backward", "dY", "X");
    dX.resize(X.shape());
    const T *x = X.data(), *dy = dY.data();
    T* dx = dX.data();
    // dy[i] is read whatever the sign of x[i]: the loop is then a select, with no branch to
    // mispredict on random signs, and vectorises (a 5x difference after a convolution).
#pragma omp parallel for schedule(static) if (X.size() >= parallel_threshold)
    for (std::size_t i = 0; i < X.size(); ++i) {
        const T g = dy[i];
        dx[i] = x[i] > T(0) ? g : T(0);
    }
}

// Y = tanh(X).
template <class T>
void tanh_forward(TensorT<T>& Y, const TensorT<T>& X) {
    Y.resize(X.shape());
    for (std::size_t i = 0; i < X.size(); ++i) Y[i] = std::tanh(X[i]);
}

// tanh'(x) = 1 − tanh²(x), so dX = dY ⊙ (1 − Y²).
template <class T>
void tanh_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& Y) {
    check_same_shape(dY.shape(), Y.shape(), "tanh_backward", "dY", "Y");
    dX.resize(Y.shape());
    for (std::size_t i = 0; i < Y.size(); ++i) dX[i] = dY[i] * (T(1) - Y[i] * Y[i]);
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
