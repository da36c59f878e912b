#include "dl/ops/optimizers.hpp"

#include "dl/exercise.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace dl {

// v ← μ v + g        θ ← θ − η v
template <class T>
void momentum_step(TensorT<T>& param, TensorT<T>& velocity, const TensorT<T>& grad, T lr, T momentum) {
    check_same_shape(param.shape(), grad.shape(), "momentum_step", "param", "grad");
    check_same_shape(param.shape(), velocity.shape(), "momentum_step", "param", "velocity");
    for (std::size_t i = 0; i < param.size(); ++i) {
        velocity[i] = momentum * velocity[i] + grad[i];
        param[i] -= lr * velocity[i];
    }
}

// v ← μ v + g        θ ← θ − η (g + μ v)
template <class T>
void nesterov_step(TensorT<T>& param, TensorT<T>& velocity, const TensorT<T>& grad, T lr, T momentum) {
    check_same_shape(param.shape(), grad.shape(), "nesterov_step", "param", "grad");
    check_same_shape(param.shape(), velocity.shape(), "nesterov_step", "param", "velocity");
    for (std::size_t i = 0; i < param.size(); ++i) {
        velocity[i] = momentum * velocity[i] + grad[i];
        // The gradient at the look-ahead point, approximated by g plus the momentum still to come.
        param[i] -= lr * (grad[i] + momentum * velocity[i]);
    }
}

// G ← G + g²         θ ← θ − η g / (√G + ε)
template <class T>
void adagrad_step(TensorT<T>& param, TensorT<T>& sum_squares, const TensorT<T>& grad, T lr, T eps) {
    check_same_shape(param.shape(), grad.shape(), "adagrad_step", "param", "grad");
    check_same_shape(param.shape(), sum_squares.shape(), "adagrad_step", "param", "sum_squares");
    for (std::size_t i = 0; i < param.size(); ++i) {
        sum_squares[i] += grad[i] * grad[i];
        param[i] -= lr * grad[i] / (std::sqrt(sum_squares[i]) + eps);
    }
}

// s ← ρ s + (1 − ρ) g²        θ ← θ − η g / (√s + ε)
template <class T>
void rmsprop_step(TensorT<T>& param, TensorT<T>& mean_square, const TensorT<T>& grad, T lr, T rho, T eps) {
    check_same_shape(param.shape(), grad.shape(), "rmsprop_step", "param", "grad");
    check_same_shape(param.shape(), mean_square.shape(), "rmsprop_step", "param", "mean_square");
    for (std::size_t i = 0; i < param.size(); ++i) {
        mean_square[i] = rho * mean_square[i] + (T(1) - rho) * grad[i] * grad[i];
        param[i] -= lr * grad[i] / (std::sqrt(mean_square[i]) + eps);
    }
}

// s ← ρ s + (1 − ρ) g²        Δ = √(d + ε) / √(s + ε) · g
// d ← ρ d + (1 − ρ) Δ²        θ ← θ − η Δ
template <class T>
void adadelta_step(TensorT<T>& param, TensorT<T>& mean_square_grad, TensorT<T>& mean_square_delta,
                   const TensorT<T>& grad, T lr, T rho, T eps) {
    check_same_shape(param.shape(), grad.shape(), "adadelta_step", "param", "grad");
    check_same_shape(param.shape(), mean_square_grad.shape(), "adadelta_step", "param", "mean_square_grad");
    check_same_shape(param.shape(), mean_square_delta.shape(), "adadelta_step", "param", "mean_square_delta");
    for (std::size_t i = 0; i < param.size(); ++i) {
        const T g = grad[i];
        mean_square_grad[i] = rho * mean_square_grad[i] + (T(1) - rho) * g * g;
        // d is still the average of the earlier steps: this step's Δ is scaled by their size.
        const T delta = std::sqrt(mean_square_delta[i] + eps) / std::sqrt(mean_square_grad[i] + eps) * g;
        mean_square_delta[i] = rho * mean_square_delta[i] + (T(1) - rho) * delta * delta;
        param[i] -= lr * delta;
    }
}

// m ← β₁ m + (1 − β₁) g      v ← β₂ v + (1 − β₂) g²
// m̂ = m / (1 − β₁ᵗ)          v̂ = v / (1 − β₂ᵗ)          θ ← θ − η m̂ / (√v̂ + ε)
template <class T>
void adam_step(TensorT<T>& param, TensorT<T>& m, TensorT<T>& v, const TensorT<T>& grad, std::int64_t t, T lr,
               T beta1, T beta2, T eps) {
    check_same_shape(param.shape(), grad.shape(), "adam_step", "param", "grad");
    check_same_shape(param.shape(), m.shape(), "adam_step", "param", "m");
    check_same_shape(param.shape(), v.shape(), "adam_step", "param", "v");
    DL_CHECK(t >= 1, "adam_step: step t = " << t << " must count from 1 (the bias correction divides by 1 - beta^t)");
    // 1 − βᵗ in double: a float β₂ = 0.999 raised to a large t would lose digits.
    const double correction1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(t));
    const double correction2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(t));
    // The corrections folded into two constants, so the loop is a few float operations per element:
    //   θ − η m̂ / (√v̂ + ε) = θ − (η / c₁) · m / (√v · (1 / √c₂) + ε)      c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ
    const T step = static_cast<T>(static_cast<double>(lr) / correction1);
    const T inv_sqrt_c2 = static_cast<T>(1.0 / std::sqrt(correction2));
    T *p = param.data(), *mp = m.data(), *vp = v.data();
    const T* gp = grad.data();
    // A large tensor (the CNN's first dense layer, 204,800 weights) is split among the threads;
    // the elements are independent, so the result is the same on any number of them.
#pragma omp parallel for schedule(static) if (param.size() >= (std::size_t{1} << 17))
    for (std::size_t i = 0; i < param.size(); ++i) {
        const T g = gp[i];
        mp[i] = beta1 * mp[i] + (T(1) - beta1) * g;
        vp[i] = beta2 * vp[i] + (T(1) - beta2) * g * g;
        p[i] -= step * mp[i] / (std::sqrt(vp[i]) * inv_sqrt_c2 + eps);
    }
}

// θ ← θ − η λ θ, then the adam step.
template <class T>
void adamw_step(TensorT<T>& param, TensorT<T>& m, TensorT<T>& v, const TensorT<T>& grad, std::int64_t t, T lr,
                T beta1, T beta2, T eps, T weight_decay) {
    // Check before the decay moves θ, so that a bad call leaves θ as it was.
    check_same_shape(param.shape(), grad.shape(), "adamw_step", "param", "grad");
    check_same_shape(param.shape(), m.shape(), "adamw_step", "param", "m");
    check_same_shape(param.shape(), v.shape(), "adamw_step", "param", "v");
    DL_CHECK(t >= 1, "adamw_step: step t = " << t << " must count from 1 (the bias correction divides by 1 - beta^t)");
    // The decay acts on θ directly, not through g, where Adam's division by √v̂ would rescale it.
    for (std::size_t i = 0; i < param.size(); ++i) param[i] -= lr * weight_decay * param[i];
    adam_step(param, m, v, grad, t, lr, beta1, beta2, eps);
}

#define DL_INSTANTIATE(T)                                                                                     \
    template void momentum_step(TensorT<T>&, TensorT<T>&, const TensorT<T>&, T, T);                          \
    template void nesterov_step(TensorT<T>&, TensorT<T>&, const TensorT<T>&, T, T);                          \
    template void adagrad_step(TensorT<T>&, TensorT<T>&, const TensorT<T>&, T, T);                           \
    template void rmsprop_step(TensorT<T>&, TensorT<T>&, const TensorT<T>&, T, T, T);                        \
    template void adadelta_step(TensorT<T>&, TensorT<T>&, TensorT<T>&, const TensorT<T>&, T, T, T);          \
    template void adam_step(TensorT<T>&, TensorT<T>&, TensorT<T>&, const TensorT<T>&, std::int64_t, T, T, T, \
                            T);                                                                               \
    template void adamw_step(TensorT<T>&, TensorT<T>&, TensorT<T>&, const TensorT<T>&, std::int64_t, T, T, T, \
                             T, T);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
