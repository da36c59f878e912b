#include "dl/ops/attention.hpp"

#include "dl/exercise.hpp"

#include <cmath>
#include <cstddef>

namespace dl {

// Per row of C features: μ, σ², rstd = 1/√(σ² + ε), x̂ = (x − μ)·rstd, y = γ ⊙ x̂ + β.
template <class T>
void layernorm_forward(TensorT<T>& Y, TensorT<T>& mean, TensorT<T>& rstd, const TensorT<T>& X,
                       const TensorT<T>& gamma, const TensorT<T>& beta, double eps) {
    DL_CHECK(X.rank() >= 1 && X.size() > 0, "layernorm_forward: X is empty");
    const std::size_t C = X.shape().back(), rows = X.size() / C;
    check_shape(gamma.shape(), {C}, "layernorm_forward", "gamma");
    check_shape(beta.shape(), {C}, "layernorm_forward", "beta");
    Y.resize(X.shape());
    mean.resize({rows});
    rstd.resize({rows});
#pragma omp parallel for schedule(static) if (rows * C > 32768)
    for (std::size_t r = 0; r < rows; ++r) {
        const T* x = X.data() + r * C;
        T* y = Y.data() + r * C;
        T sum = 0;
        for (std::size_t c = 0; c < C; ++c) sum += x[c];
        const T mu = sum / static_cast<T>(C);
        T var = 0;   // two passes: Σ(x − μ)² does not cancel as Σx² − Cμ² can
        for (std::size_t c = 0; c < C; ++c) var += (x[c] - mu) * (x[c] - mu);
        const T rs = T(1) / std::sqrt(var / static_cast<T>(C) + static_cast<T>(eps));
        for (std::size_t c = 0; c < C; ++c) y[c] = gamma[c] * ((x[c] - mu) * rs) + beta[c];
        mean[r] = mu, rstd[r] = rs;
    }
}

// g = dY ⊙ γ;  dX = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂));  dγ += Σ dY ⊙ x̂;  dβ += Σ dY.
template <class T>
void layernorm_backward(TensorT<T>& dX, TensorT<T>& dgamma, TensorT<T>& dbeta, const TensorT<T>& dY,
                        const TensorT<T>& X, const TensorT<T>& mean, const TensorT<T>& rstd, const TensorT<T>& gamma) {
    check_same_shape(dY.shape(), X.shape(), "layernorm_backward", "dY", "X");
    const std::size_t C = X.shape().back(), rows = X.size() / C;
    check_shape(gamma.shape(), {C}, "layernorm_backward", "gamma");
    check_shape(dgamma.shape(), {C}, "layernorm_backward", "dgamma");
    check_shape(dbeta.shape(), {C}, "layernorm_backward", "dbeta");
    check_shape(mean.shape(), {rows}, "layernorm_backward", "mean");
    check_shape(rstd.shape(), {rows}, "layernorm_backward", "rstd");
    dX.resize(X.shape());
#pragma omp parallel for schedule(static) if (rows * C > 32768)
    for (std::size_t r = 0; r < rows; ++r) {
        const T* x = X.data() + r * C;
        const T* dy = dY.data() + r * C;
        T* dx = dX.data() + r * C;
        const T mu = mean[r], rs = rstd[r];
        T g_mean = 0, gx_mean = 0;
        for (std::size_t c = 0; c < C; ++c) {
            const T g = dy[c] * gamma[c];
            g_mean += g;
            gx_mean += g * (x[c] - mu) * rs;
        }
        g_mean /= static_cast<T>(C), gx_mean /= static_cast<T>(C);
        for (std::size_t c = 0; c < C; ++c) dx[c] = rs * (dy[c] * gamma[c] - g_mean - (x[c] - mu) * rs * gx_mean);
    }
    // The parameters' sums run over rows: one pass by columns, outside the parallel rows.
    for (std::size_t r = 0; r < rows; ++r) {
        const T* x = X.data() + r * C;
        const T* dy = dY.data() + r * C;
        const T mu = mean[r], rs = rstd[r];
        for (std::size_t c = 0; c < C; ++c) {
            dgamma[c] += dy[c] * (x[c] - mu) * rs;
            dbeta[c] += dy[c];
        }
    }
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
