#include "dl/ops/batchnorm.hpp"

#include "dl/exercise.hpp"

#include <cmath>
#include <cstddef>
#include <vector>

namespace dl {

// The per-feature sums below are taken in double: a float sum over a large batch whose features sit
// far from 0 loses the digits that the subtraction of the mean then exposes.

// μ = (1/N) Σ_n X      σ² = (1/N) Σ_n (X − μ)²      inv_std = 1/sqrt(σ² + ε)
// x̂ = (X − μ) inv_std       Y = γ x̂ + β
// running_mean ← (1 − m) running_mean + m μ        running_var ← (1 − m) running_var + m σ² N/(N − 1)
template <class T>
void batchnorm_forward_train(TensorT<T>& Y, TensorT<T>& x_hat, TensorT<T>& inv_std, TensorT<T>& running_mean,
                             TensorT<T>& running_var, const TensorT<T>& X, const TensorT<T>& gamma,
                             const TensorT<T>& beta, T momentum, T eps) {
    DL_CHECK(X.rank() == 2, "batchnorm_forward_train: X has shape " << to_string(X.shape()) << ", expected [N, D]");
    const std::size_t N = X.dim(0), D = X.dim(1);
    check_shape(gamma.shape(), {D}, "batchnorm_forward_train", "gamma");
    check_shape(beta.shape(), {D}, "batchnorm_forward_train", "beta");
    check_shape(running_mean.shape(), {D}, "batchnorm_forward_train", "running_mean");
    check_shape(running_var.shape(), {D}, "batchnorm_forward_train", "running_var");
    DL_CHECK(N >= 2, "batchnorm_forward_train: X has " << N << " rows; training needs N >= 2 "
                                                          "(the running variance is the unbiased σ² N/(N - 1))");
    // Two passes (mean, then squared deviations): the one-pass E[x²] − μ² cancels catastrophically.
    std::vector<double> mean(D, 0.0), var(D, 0.0);
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t d = 0; d < D; ++d) mean[d] += static_cast<double>(X(n, d));
    for (std::size_t d = 0; d < D; ++d) mean[d] /= static_cast<double>(N);
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t d = 0; d < D; ++d) {
            const double centred = static_cast<double>(X(n, d)) - mean[d];
            var[d] += centred * centred;
        }
    for (std::size_t d = 0; d < D; ++d) var[d] /= static_cast<double>(N);

    std::vector<double> inv(D);
    inv_std.resize({D});
    for (std::size_t d = 0; d < D; ++d) {
        inv[d] = 1.0 / std::sqrt(var[d] + static_cast<double>(eps));
        inv_std[d] = static_cast<T>(inv[d]);
    }
    x_hat.resize({N, D});
    Y.resize({N, D});
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t d = 0; d < D; ++d) {
            x_hat(n, d) = static_cast<T>((static_cast<double>(X(n, d)) - mean[d]) * inv[d]);
            Y(n, d) = gamma[d] * x_hat(n, d) + beta[d];
        }

    const double m = static_cast<double>(momentum);
    const double unbiased = static_cast<double>(N) / static_cast<double>(N - 1);
    for (std::size_t d = 0; d < D; ++d) {
        running_mean[d] = static_cast<T>((1 - m) * static_cast<double>(running_mean[d]) + m * mean[d]);
        running_var[d] = static_cast<T>((1 - m) * static_cast<double>(running_var[d]) + m * var[d] * unbiased);
    }
}

// Y = γ (X − running_mean) / sqrt(running_var + ε) + β
template <class T>
void batchnorm_forward_eval(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& gamma, const TensorT<T>& beta,
                            const TensorT<T>& running_mean, const TensorT<T>& running_var, T eps) {
    DL_CHECK(X.rank() == 2, "batchnorm_forward_eval: X has shape " << to_string(X.shape()) << ", expected [N, D]");
    const std::size_t N = X.dim(0), D = X.dim(1);
    check_shape(gamma.shape(), {D}, "batchnorm_forward_eval", "gamma");
    check_shape(beta.shape(), {D}, "batchnorm_forward_eval", "beta");
    check_shape(running_mean.shape(), {D}, "batchnorm_forward_eval", "running_mean");
    check_shape(running_var.shape(), {D}, "batchnorm_forward_eval", "running_var");
    // No sums here: each output is a few operations on its own input, in T.
    TensorT<T> inv({D});
    for (std::size_t d = 0; d < D; ++d) inv[d] = T(1) / std::sqrt(running_var[d] + eps);
    Y.resize({N, D});
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t d = 0; d < D; ++d) Y(n, d) = gamma[d] * (X(n, d) - running_mean[d]) * inv[d] + beta[d];
}

// dγ += Σ_n dY x̂      dβ += Σ_n dY      dx̂ = dY γ
// dX = (inv_std / N) (N dx̂ − Σ_m dx̂ − x̂ Σ_m dx̂ x̂)
template <class T>
void batchnorm_backward(TensorT<T>& dX, TensorT<T>& dgamma, TensorT<T>& dbeta, const TensorT<T>& dY,
                        const TensorT<T>& x_hat, const TensorT<T>& inv_std, const TensorT<T>& gamma) {
    DL_CHECK(x_hat.rank() == 2,
             "batchnorm_backward: x_hat has shape " << to_string(x_hat.shape()) << ", expected [N, D]");
    const std::size_t N = x_hat.dim(0), D = x_hat.dim(1);
    check_same_shape(dY.shape(), x_hat.shape(), "batchnorm_backward", "dY", "x_hat");
    check_shape(inv_std.shape(), {D}, "batchnorm_backward", "inv_std");
    check_shape(gamma.shape(), {D}, "batchnorm_backward", "gamma");
    check_shape(dgamma.shape(), {D}, "batchnorm_backward", "dgamma");
    check_shape(dbeta.shape(), {D}, "batchnorm_backward", "dbeta");
    // Σ_n dY and Σ_n dY x̂ give dβ and dγ, and (times γ) the two sums over the column that dX needs.
    std::vector<double> sum_dy(D, 0.0), sum_dy_xhat(D, 0.0);
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t d = 0; d < D; ++d) {
            sum_dy[d] += static_cast<double>(dY(n, d));
            sum_dy_xhat[d] += static_cast<double>(dY(n, d)) * static_cast<double>(x_hat(n, d));
        }
    dX.resize({N, D});
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t d = 0; d < D; ++d) {
            const double g = static_cast<double>(gamma[d]);
            const double dxhat = static_cast<double>(dY(n, d)) * g;
            const double mean_dxhat = g * sum_dy[d] / static_cast<double>(N);
            const double mean_dxhat_xhat = g * sum_dy_xhat[d] / static_cast<double>(N);
            dX(n, d) = static_cast<T>(static_cast<double>(inv_std[d]) *
                                      (dxhat - mean_dxhat - static_cast<double>(x_hat(n, d)) * mean_dxhat_xhat));
        }
    for (std::size_t d = 0; d < D; ++d) {
        dgamma[d] += static_cast<T>(sum_dy_xhat[d]);
        dbeta[d] += static_cast<T>(sum_dy[d]);
    }
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
