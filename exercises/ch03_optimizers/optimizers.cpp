#include "dl/ops/optimizers.hpp"

#include "dl/exercise.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace dl {

// v ← μ v + g        θ ← θ − η v
template <class T>
void momentum_step(TensorT<T>& param, TensorT<T>& velocity, const TensorT<T>& grad, T lr, T momentum) {
    // Hint: check grad and velocity against param's shape (check_same_shape names the culprit), then one loop:
    // update v first, then move θ by the new v.
    DL_TODO("ch03.momentum_step");   // lesson: chapters/ch03_optimizers/README.md#momentum-step
}

// v ← μ v + g        θ ← θ − η (g + μ v)
template <class T>
void nesterov_step(TensorT<T>& param, TensorT<T>& velocity, const TensorT<T>& grad, T lr, T momentum) {
    // Hint: the velocity update is momentum's; only the step differs, and it uses the new v.
    DL_TODO("ch03.nesterov_step");   // lesson: chapters/ch03_optimizers/README.md#nesterov-step
}

// G ← G + g²         θ ← θ − η g / (√G + ε)
template <class T>
void adagrad_step(TensorT<T>& param, TensorT<T>& sum_squares, const TensorT<T>& grad, T lr, T eps) {
    // Hint: ε goes outside the square root; it keeps a zero gradient with G = 0 from giving 0 / 0.
    DL_TODO("ch03.adagrad_step");   // lesson: chapters/ch03_optimizers/README.md#adagrad-step
}

// s ← ρ s + (1 − ρ) g²        θ ← θ − η g / (√s + ε)
template <class T>
void rmsprop_step(TensorT<T>& param, TensorT<T>& mean_square, const TensorT<T>& grad, T lr, T rho, T eps) {
    // Hint: AdaGrad with the sum replaced by a moving average.
    DL_TODO("ch03.rmsprop_step");   // lesson: chapters/ch03_optimizers/README.md#rmsprop-step
}

// s ← ρ s + (1 − ρ) g²        Δ = √(d + ε) / √(s + ε) · g
// d ← ρ d + (1 − ρ) Δ²        θ ← θ − η Δ
template <class T>
void adadelta_step(TensorT<T>& param, TensorT<T>& mean_square_grad, TensorT<T>& mean_square_delta,
                   const TensorT<T>& grad, T lr, T rho, T eps) {
    // Hint: order matters: update s, compute Δ with the old d, then update d with Δ (without η).
    DL_TODO("ch03.adadelta_step");   // lesson: chapters/ch03_optimizers/README.md#adadelta-step
}

// m ← β₁ m + (1 − β₁) g      v ← β₂ v + (1 − β₂) g²
// m̂ = m / (1 − β₁ᵗ)          v̂ = v / (1 − β₂ᵗ)          θ ← θ − η m̂ / (√v̂ + ε)
template <class T>
void adam_step(TensorT<T>& param, TensorT<T>& m, TensorT<T>& v, const TensorT<T>& grad, std::int64_t t, T lr,
               T beta1, T beta2, T eps) {
    // Hint: DL_CHECK that t >= 1; compute 1 − β₁ᵗ and 1 − β₂ᵗ once, in double (std::pow), outside the loop.
    DL_TODO("ch03.adam_step");   // lesson: chapters/ch03_optimizers/README.md#adam-step
}

// θ ← θ − η λ θ, then the adam step.
template <class T>
void adamw_step(TensorT<T>& param, TensorT<T>& m, TensorT<T>& v, const TensorT<T>& grad, std::int64_t t, T lr,
                T beta1, T beta2, T eps, T weight_decay) {
    // Hint: check the arguments before you touch θ, shrink θ, then call adam_step; never add λθ to g.
    DL_TODO("ch03.adamw_step");   // lesson: chapters/ch03_optimizers/README.md#adamw-step
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
