#include "dl/ops/attention.hpp"

#include "dl/exercise.hpp"

#include <cmath>
#include <cstddef>

namespace dl {

// Per row of C features: μ, σ², rstd = 1/√(σ² + ε), x̂ = (x − μ)·rstd, y = γ ⊙ x̂ + β
template <class T>
void layernorm_forward(TensorT<T>& Y, TensorT<T>& mean, TensorT<T>& rstd, const TensorT<T>& X,
                       const TensorT<T>& gamma, const TensorT<T>& beta, double eps) {
    // Hint: C = X.shape().back(), rows = X.size() / C; check gamma and beta are [C] (check_shape).
    // Y.resize(X.shape()), mean.resize({rows}), rstd.resize({rows}). The variance divides by C
    // (not C − 1), and take it as Σ(x − μ)² / C, which does not cancel as Σx²/C − μ² can.
    DL_TODO("ch07.layernorm_forward");   // lesson: chapters/ch07_transformer/README.md#layernorm-forward
}

// g = dY ⊙ γ;  dX = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂));  dγ += Σ_rows dY ⊙ x̂;  dβ += Σ_rows dY
template <class T>
void layernorm_backward(TensorT<T>& dX, TensorT<T>& dgamma, TensorT<T>& dbeta, const TensorT<T>& dY,
                        const TensorT<T>& X, const TensorT<T>& mean, const TensorT<T>& rstd, const TensorT<T>& gamma) {
    // Hint: rebuild x̂ from X, mean and rstd. The means run over the C features of one row. dX is
    // resized to X's shape (the model passes an empty tensor) and overwritten; dgamma and dbeta
    // accumulate (+=).
    DL_TODO("ch07.layernorm_backward");   // lesson: chapters/ch07_transformer/README.md#layernorm-backward
}

#define DL_INSTANTIATE(T)                                                                                          \
    template void layernorm_forward(TensorT<T>&, TensorT<T>&, TensorT<T>&, const TensorT<T>&, const TensorT<T>&,    \
                                    const TensorT<T>&, double);                                                    \
    template void layernorm_backward(TensorT<T>&, TensorT<T>&, TensorT<T>&, const TensorT<T>&, const TensorT<T>&,   \
                                     const TensorT<T>&, const TensorT<T>&, const TensorT<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
