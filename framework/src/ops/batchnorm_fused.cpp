#include "dl/ops/batchnorm.hpp"

#include "dl/error.hpp"

#include <cmath>
#include <cstddef>
#include <vector>

namespace dl {

// Batch norm's training forward, fused: row by row, for every feature d at once,
//   δ = x_d − mean_d      mean_d += δ / (n + 1)      m2_d += δ (x_d − mean_d)      (Welford)
// so after the last row mean_d = μ_d and m2_d = Σ (x − μ_d)²; σ² = m2 / N. Then one pass writes
// x̂ = (x − μ) / sqrt(σ² + ε) and Y = γ x̂ + β. (Given code, in common/ so that every build has the
// same one: the chapter's exercise is the three-pass batchnorm_forward_train, which
// bench_batchnorm compares with this.)
template <class T>
void batchnorm_forward_train_fused(TensorT<T>& Y, TensorT<T>& x_hat, TensorT<T>& inv_std, TensorT<T>& running_mean,
                                   TensorT<T>& running_var, const TensorT<T>& X, const TensorT<T>& gamma,
                                   const TensorT<T>& beta, T momentum, T eps) {
    DL_CHECK(X.rank() == 2, "batchnorm_forward_train_fused: X has shape " << to_string(X.shape()) << ", expected [N, D]");
    const std::size_t N = X.dim(0), D = X.dim(1);
    check_shape(gamma.shape(), {D}, "batchnorm_forward_train_fused", "gamma");
    check_shape(beta.shape(), {D}, "batchnorm_forward_train_fused", "beta");
    check_shape(running_mean.shape(), {D}, "batchnorm_forward_train_fused", "running_mean");
    check_shape(running_var.shape(), {D}, "batchnorm_forward_train_fused", "running_var");
    DL_CHECK(N >= 2, "batchnorm_forward_train_fused: X has " << N << " rows; training needs N >= 2");
    // Raw pointers, and "ivdep" (the rows do not overlap the statistics): without them GCC 12 left
    // the loops scalar and this version ran at half the speed of the three-pass one.
    std::vector<T> mean_v(D, T(0)), m2_v(D, T(0)), inv_v(D);
    T* __restrict mean = mean_v.data();
    T* __restrict m2 = m2_v.data();
    T* __restrict inv = inv_v.data();
    for (std::size_t n = 0; n < N; ++n) {
        const T* __restrict x = X.data() + n * D;
        const T inv_count = T(1) / static_cast<T>(n + 1);
#pragma GCC ivdep
        for (std::size_t d = 0; d < D; ++d) {
            const T delta = x[d] - mean[d];
            mean[d] += delta * inv_count;
            m2[d] += delta * (x[d] - mean[d]);
        }
    }
    inv_std.resize({D});
    for (std::size_t d = 0; d < D; ++d) inv[d] = inv_std[d] = T(1) / std::sqrt(m2[d] / static_cast<T>(N) + eps);
    x_hat.resize({N, D});
    Y.resize({N, D});
    const T* __restrict g = gamma.data();
    const T* __restrict b = beta.data();
    for (std::size_t n = 0; n < N; ++n) {
        const T* __restrict x = X.data() + n * D;
        T* __restrict xh = x_hat.data() + n * D;
        T* __restrict y = Y.data() + n * D;
#pragma GCC ivdep
        for (std::size_t d = 0; d < D; ++d) {
            const T h = (x[d] - mean[d]) * inv[d];
            xh[d] = h;
            y[d] = g[d] * h + b[d];
        }
    }
    const T unbiased = static_cast<T>(N) / static_cast<T>(N - 1);
    for (std::size_t d = 0; d < D; ++d) {
        running_mean[d] = (T(1) - momentum) * running_mean[d] + momentum * mean[d];
        running_var[d] = (T(1) - momentum) * running_var[d] + momentum * m2[d] / static_cast<T>(N) * unbiased;
    }
}

template void batchnorm_forward_train_fused(TensorT<float>&, TensorT<float>&, TensorT<float>&, TensorT<float>&,
                                            TensorT<float>&, const TensorT<float>&, const TensorT<float>&,
                                            const TensorT<float>&, float, float);
template void batchnorm_forward_train_fused(TensorT<double>&, TensorT<double>&, TensorT<double>&, TensorT<double>&,
                                            TensorT<double>&, const TensorT<double>&, const TensorT<double>&,
                                            const TensorT<double>&, double, double);

}  // namespace dl
