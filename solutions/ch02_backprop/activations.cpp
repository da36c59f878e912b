#include "dl/ops/activations.hpp"

#include "dl/exercise.hpp"

#include <cmath>
#include <cstddef>

namespace dl {

// Y = max(0, X).
template <class T>
void relu_forward(TensorT<T>& Y, const TensorT<T>& X) {
    Y.resize(X.shape());
    for (std::size_t i = 0; i < X.size(); ++i) Y[i] = X[i] > T(0) ? X[i] : T(0);
}

// dX = dY ⊙ [X > 0].
template <class T>
void relu_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& X) {
    check_same_shape(dY.shape(), X.shape(), "relu_backward", "dY", "X");
    dX.resize(X.shape());
    for (std::size_t i = 0; i < X.size(); ++i) dX[i] = X[i] > T(0) ? dY[i] : T(0);
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
