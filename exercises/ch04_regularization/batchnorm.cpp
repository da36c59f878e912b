#include "dl/ops/batchnorm.hpp"

#include "dl/exercise.hpp"

#include <cmath>
#include <cstddef>
#include <vector>

namespace dl {

// μ = (1/N) Σ_n X      σ² = (1/N) Σ_n (X − μ)²      inv_std = 1/sqrt(σ² + ε)
// x̂ = (X − μ) inv_std       Y = γ x̂ + β
// running_mean ← (1 − m) running_mean + m μ        running_var ← (1 − m) running_var + m σ² N/(N − 1)
template <class T>
void batchnorm_forward_train(TensorT<T>& Y, TensorT<T>& x_hat, TensorT<T>& inv_std, TensorT<T>& running_mean,
                             TensorT<T>& running_var, const TensorT<T>& X, const TensorT<T>& gamma,
                             const TensorT<T>& beta, T momentum, T eps) {
    // Hint: check the shapes and N >= 2; per feature, the mean first, then the squared deviations (two passes,
    // sums in double: sum += static_cast<double>(x), or float T warns). N/(N − 1) in floating point:
    // in integers it is 1 for every N > 2.
    DL_TODO("ch04.batchnorm_forward_train");   // lesson: chapters/ch04_regularization/README.md#batchnorm-forward-train
}

// Y = γ (X − running_mean) / sqrt(running_var + ε) + β
template <class T>
void batchnorm_forward_eval(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& gamma, const TensorT<T>& beta,
                            const TensorT<T>& running_mean, const TensorT<T>& running_var, T eps) {
    // Hint: no statistics of this batch at all: each row is normalised on its own, so N = 1 works.
    DL_TODO("ch04.batchnorm_forward_eval");   // lesson: chapters/ch04_regularization/README.md#batchnorm-forward-eval
}

// dγ += Σ_n dY x̂      dβ += Σ_n dY      dx̂ = dY γ
// dX = (inv_std / N) (N dx̂ − Σ_m dx̂ − x̂ Σ_m dx̂ x̂)
template <class T>
void batchnorm_backward(TensorT<T>& dX, TensorT<T>& dgamma, TensorT<T>& dbeta, const TensorT<T>& dY,
                        const TensorT<T>& x_hat, const TensorT<T>& inv_std, const TensorT<T>& gamma) {
    // Hint: first a pass over the batch for the two column sums Σ dY and Σ dY x̂ (they give dβ and dγ too),
    // then a second pass for dX. dX is overwritten, dγ and dβ accumulate.
    DL_TODO("ch04.batchnorm_backward");   // lesson: chapters/ch04_regularization/README.md#batchnorm-backward
}

#define DL_INSTANTIATE(T)                                                                                         \
    template void batchnorm_forward_train(TensorT<T>&, TensorT<T>&, TensorT<T>&, TensorT<T>&, TensorT<T>&,        \
                                          const TensorT<T>&, const TensorT<T>&, const TensorT<T>&, T, T);         \
    template void batchnorm_forward_eval(TensorT<T>&, const TensorT<T>&, const TensorT<T>&, const TensorT<T>&,    \
                                         const TensorT<T>&, const TensorT<T>&, T);                                \
    template void batchnorm_backward(TensorT<T>&, TensorT<T>&, TensorT<T>&, const TensorT<T>&, const TensorT<T>&, \
                                     const TensorT<T>&, const TensorT<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
