#include "dl/ops/generative.hpp"

#include "dl/exercise.hpp"

#include <cmath>
#include <cstddef>

namespace dl {

// Z = μ + e^(logvar / 2) ⊙ ε.
template <class T>
void reparameterize_forward(TensorT<T>& Z, const TensorT<T>& mu, const TensorT<T>& logvar, const TensorT<T>& eps) {
    check_latent_shapes("reparameterize_forward", mu.shape(), logvar.shape());
    check_same_shape(eps.shape(), mu.shape(), "reparameterize_forward", "eps", "mu");
    Z.resize(mu.shape());
    for (std::size_t i = 0; i < mu.size(); ++i) Z[i] = mu[i] + std::exp(logvar[i] / 2) * eps[i];
}

// dμ = dZ;  dlogvar = dZ ⊙ ε ⊙ σ / 2, since dσ/dlogvar = σ / 2.
template <class T>
void reparameterize_backward(TensorT<T>& dmu, TensorT<T>& dlogvar, const TensorT<T>& dZ, const TensorT<T>& logvar,
                             const TensorT<T>& eps) {
    check_same_shape(logvar.shape(), dZ.shape(), "reparameterize_backward", "logvar", "dZ");
    check_same_shape(eps.shape(), dZ.shape(), "reparameterize_backward", "eps", "dZ");
    dmu.resize(dZ.shape());
    dlogvar.resize(dZ.shape());
    for (std::size_t i = 0; i < dZ.size(); ++i) {
        dmu[i] = dZ[i];
        dlogvar[i] = dZ[i] * eps[i] * std::exp(logvar[i] / 2) / 2;
    }
}

// KL = (1/N) Σ ½ (μ² + e^logvar − 1 − logvar).
template <class T>
T gaussian_kl_forward(const TensorT<T>& mu, const TensorT<T>& logvar) {
    check_latent_shapes("gaussian_kl_forward", mu.shape(), logvar.shape());
    T sum = 0;
    for (std::size_t i = 0; i < mu.size(); ++i) sum += mu[i] * mu[i] + std::exp(logvar[i]) - 1 - logvar[i];
    return sum / (2 * static_cast<T>(mu.dim(0)));
}

// dμ += μ / N;  dlogvar += (e^logvar − 1) / (2N).
template <class T>
void gaussian_kl_backward(TensorT<T>& dmu, TensorT<T>& dlogvar, const TensorT<T>& mu, const TensorT<T>& logvar) {
    check_latent_shapes("gaussian_kl_backward", mu.shape(), logvar.shape());
    check_same_shape(dmu.shape(), mu.shape(), "gaussian_kl_backward", "dmu", "mu");
    check_same_shape(dlogvar.shape(), mu.shape(), "gaussian_kl_backward", "dlogvar", "mu");
    const T n = static_cast<T>(mu.dim(0));
    for (std::size_t i = 0; i < mu.size(); ++i) {
        dmu[i] += mu[i] / n;
        dlogvar[i] += (std::exp(logvar[i]) - 1) / (2 * n);
    }
}

#define DL_INSTANTIATE(T)                                                                                        \
    template void reparameterize_forward(TensorT<T>&, const TensorT<T>&, const TensorT<T>&, const TensorT<T>&);  \
    template void reparameterize_backward(TensorT<T>&, TensorT<T>&, const TensorT<T>&, const TensorT<T>&,        \
                                          const TensorT<T>&);                                                    \
    template T gaussian_kl_forward(const TensorT<T>&, const TensorT<T>&);                                        \
    template void gaussian_kl_backward(TensorT<T>&, TensorT<T>&, const TensorT<T>&, const TensorT<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
