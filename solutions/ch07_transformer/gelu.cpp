#include "dl/ops/attention.hpp"

#include "dl/exercise.hpp"
#include "dl/util/vector_math.hpp"

#include <cstddef>
#include <numbers>

namespace dl {

// GELU(x) = x Φ(x),  Φ(x) = ½ (1 + erf(x / √2)).
template <class T>
void gelu_forward(TensorT<T>& Y, const TensorT<T>& X) {
    Y.resize(X.shape());
    const T* x = X.data();
    T* y = Y.data();
    const T inv_sqrt2 = T(1) / std::numbers::sqrt2_v<T>;
#pragma omp parallel for simd schedule(static) if (X.size() > 65536)
    for (std::size_t i = 0; i < X.size(); ++i) y[i] = x[i] * T(0.5) * (T(1) + vmath::erf(x[i] * inv_sqrt2));
}

// dX = dY ⊙ (Φ(x) + x φ(x)),  φ(x) = e^(−x²/2) / √(2π).
template <class T>
void gelu_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& X) {
    check_same_shape(dY.shape(), X.shape(), "gelu_backward", "dY", "X");
    dX.resize(X.shape());
    const T* x = X.data();
    const T* dy = dY.data();
    T* dx = dX.data();
    const T inv_sqrt2 = T(1) / std::numbers::sqrt2_v<T>;
    const T inv_sqrt_2pi = std::numbers::inv_sqrtpi_v<T> * inv_sqrt2;
#pragma omp parallel for simd schedule(static) if (X.size() > 65536)
    for (std::size_t i = 0; i < X.size(); ++i) {
        const T cdf = T(0.5) * (T(1) + vmath::erf(x[i] * inv_sqrt2));
        const T pdf = inv_sqrt_2pi * vmath::exp(T(-0.5) * x[i] * x[i]);
        dx[i] = dy[i] * (cdf + x[i] * pdf);
    }
}

// GELU_tanh(x) = ½ x (1 + tanh(u)),  u = √(2/π) (x + 0.044715 x³).
template <class T>
void gelu_tanh_forward(TensorT<T>& Y, const TensorT<T>& X) {
    Y.resize(X.shape());
    const T* x = X.data();
    T* y = Y.data();
    const T k = std::numbers::sqrt2_v<T> * std::numbers::inv_sqrtpi_v<T>, c = T(0.044715);   // √(2/π)
#pragma omp parallel for simd schedule(static) if (X.size() > 65536)
    for (std::size_t i = 0; i < X.size(); ++i) y[i] = T(0.5) * x[i] * (T(1) + vmath::tanh(k * (x[i] + c * x[i] * x[i] * x[i])));
}

// dX = dY ⊙ (½ (1 + tanh u) + ½ x (1 − tanh² u) · √(2/π) (1 + 3c x²)): the product rule on ½ x (1 + tanh u).
template <class T>
void gelu_tanh_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& X) {
    check_same_shape(dY.shape(), X.shape(), "gelu_tanh_backward", "dY", "X");
    dX.resize(X.shape());
    const T* x = X.data();
    const T* dy = dY.data();
    T* dx = dX.data();
    const T k = std::numbers::sqrt2_v<T> * std::numbers::inv_sqrtpi_v<T>, c = T(0.044715);
#pragma omp parallel for simd schedule(static) if (X.size() > 65536)
    for (std::size_t i = 0; i < X.size(); ++i) {
        const T x2 = x[i] * x[i];
        const T t = vmath::tanh(k * (x[i] + c * x2 * x[i]));
        dx[i] = dy[i] * (T(0.5) * (T(1) + t) + T(0.5) * x[i] * (T(1) - t * t) * k * (T(1) + T(3) * c * x2));
    }
}

#define DL_INSTANTIATE(T)                                                     \
    template void gelu_forward(TensorT<T>&, const TensorT<T>&);                 \
    template void gelu_backward(TensorT<T>&, const TensorT<T>&, const TensorT<T>&); \
    template void gelu_tanh_forward(TensorT<T>&, const TensorT<T>&);            \
    template void gelu_tanh_backward(TensorT<T>&, const TensorT<T>&, const TensorT<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
