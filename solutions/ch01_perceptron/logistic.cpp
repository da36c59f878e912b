#include "dl/ops/logistic.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace dl {

// P = σ(Z) = 1 / (1 + e^(−z)). For z < 0, e^(−z) overflows when z is very negative, so there we
// use the equal form e^z / (1 + e^z), whose exponential is at most 1.
template <class T>
void sigmoid_forward(TensorT<T>& P, const TensorT<T>& Z) {
    P.resize(Z.shape());
    for (std::size_t i = 0; i < Z.size(); ++i) {
        const T z = Z[i];
        if (z >= T(0)) {
            P[i] = T(1) / (T(1) + std::exp(-z));
        } else {
            const T e = std::exp(z);
            P[i] = e / (T(1) + e);
        }
    }
}

// σ'(z) = σ(z) (1 − σ(z)), so dZ = dP ⊙ P ⊙ (1 − P).
template <class T>
void sigmoid_backward(TensorT<T>& dZ, const TensorT<T>& dP, const TensorT<T>& P) {
    check_same_shape(dP.shape(), P.shape(), "sigmoid_backward", "dP", "P");
    dZ.resize(P.shape());
    for (std::size_t i = 0; i < P.size(); ++i) dZ[i] = dP[i] * P[i] * (T(1) - P[i]);
}

// L = −(1/N) Σ_n [ y_n log p_n + (1 − y_n) log(1 − p_n) ], p clamped to [ε, 1 − ε].
template <class T>
T bce_forward(const TensorT<T>& p, const TensorT<T>& y) {
    check_same_shape(p.shape(), y.shape(), "bce_forward", "p", "y");
    DL_CHECK(p.size() > 0, "bce_forward: empty batch");
    constexpr T eps = bce_epsilon<T>;
    T sum = 0;
    for (std::size_t n = 0; n < p.size(); ++n) {
        const T pn = std::clamp(p[n], eps, T(1) - eps);
        sum += y[n] * std::log(pn) + (T(1) - y[n]) * std::log(T(1) - pn);
    }
    return -sum / static_cast<T>(p.size());
}

// dL/dp_n = (1/N) (p_n − y_n) / (p_n (1 − p_n)).
template <class T>
void bce_backward(TensorT<T>& dP, const TensorT<T>& p, const TensorT<T>& y) {
    check_same_shape(p.shape(), y.shape(), "bce_backward", "p", "y");
    constexpr T eps = bce_epsilon<T>;
    const T inv_n = T(1) / static_cast<T>(p.size());
    dP.resize(p.shape());
    for (std::size_t n = 0; n < p.size(); ++n) {
        const T pn = std::clamp(p[n], eps, T(1) - eps);
        dP[n] = inv_n * (pn - y[n]) / (pn * (T(1) - pn));
    }
}

// θ ← θ − η ∇θ.
template <class T>
void gradient_descent_step(TensorT<T>& param, const TensorT<T>& grad, T lr) {
    check_same_shape(param.shape(), grad.shape(), "gradient_descent_step", "param", "grad");
    for (std::size_t i = 0; i < param.size(); ++i) param[i] -= lr * grad[i];
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
