#pragma once
// Chapter 4: batch normalisation. X, Y: [N, D] (a batch of N rows of D features); gamma, beta and
// the running statistics: [D].

#include "dl/tensor.hpp"

namespace dl {

// Training (statistics of this batch):
//   μ_d = (1/N) Σ_n X_nd      σ²_d = (1/N) Σ_n (X_nd − μ_d)²      inv_std_d = 1 / sqrt(σ²_d + ε)
//   x̂_nd = (X_nd − μ_d) · inv_std_d                                 Y_nd = γ_d x̂_nd + β_d
// and the running statistics for evaluation move towards the batch's (PyTorch's convention):
//   running_mean ← (1 − m) running_mean + m μ
//   running_var  ← (1 − m) running_var  + m σ² · N/(N − 1)        (the unbiased variance; N ≥ 2)
// x_hat [N, D] and inv_std [D] are saved for backward (resized here).
template <class T>
void batchnorm_forward_train(TensorT<T>& Y, TensorT<T>& x_hat, TensorT<T>& inv_std, TensorT<T>& running_mean,
                             TensorT<T>& running_var, const TensorT<T>& X, const TensorT<T>& gamma,
                             const TensorT<T>& beta, T momentum, T eps);

// Evaluation: the running statistics instead of the batch's.
//   Y_nd = γ_d (X_nd − running_mean_d) / sqrt(running_var_d + ε) + β_d
template <class T>
void batchnorm_forward_eval(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& gamma, const TensorT<T>& beta,
                            const TensorT<T>& running_mean, const TensorT<T>& running_var, T eps);

// Backward of the training forward (every x̂ depends on the whole column through μ and σ²):
//   dγ_d += Σ_n dY_nd x̂_nd          dβ_d += Σ_n dY_nd                      (accumulate)
//   dx̂ = dY γ
//   dX_nd = (inv_std_d / N) (N dx̂_nd − Σ_m dx̂_md − x̂_nd Σ_m dx̂_md x̂_md)   (overwrites dX)
template <class T>
void batchnorm_backward(TensorT<T>& dX, TensorT<T>& dgamma, TensorT<T>& dbeta, const TensorT<T>& dY,
                        const TensorT<T>& x_hat, const TensorT<T>& inv_std, const TensorT<T>& gamma);

// The training forward once more, with the statistics found in one pass over the rows (Welford's
// running mean and sum of squared deviations, every feature at once along the row), then one pass
// to write: the input is read twice instead of three times. Same outputs, running statistics
// included. Given, not an exercise: bench_batchnorm times it against batchnorm_forward_train.
template <class T>
void batchnorm_forward_train_fused(TensorT<T>& Y, TensorT<T>& x_hat, TensorT<T>& inv_std, TensorT<T>& running_mean,
                                   TensorT<T>& running_var, const TensorT<T>& X, const TensorT<T>& gamma,
                                   const TensorT<T>& beta, T momentum, T eps);

template <class T>
using BatchNormForwardFn = void (*)(TensorT<T>& Y, TensorT<T>& x_hat, TensorT<T>& inv_std, TensorT<T>& running_mean,
                                    TensorT<T>& running_var, const TensorT<T>& X, const TensorT<T>& gamma,
                                    const TensorT<T>& beta, T momentum, T eps);

template <class T>
struct BatchNormForwardVariant {
    const char* name;
    BatchNormForwardFn<T> fn;
};

// The benchmark loops over this table.
template <class T>
inline constexpr BatchNormForwardVariant<T> batchnorm_forward_variants[] = {
    {"naive", &batchnorm_forward_train<T>},
    {"fused", &batchnorm_forward_train_fused<T>},
};

}  // namespace dl
