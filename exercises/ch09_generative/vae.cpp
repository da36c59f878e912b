#include "dl/ops/generative.hpp"

#include "dl/exercise.hpp"

#include <cmath>
#include <cstddef>

namespace dl {

// Z = μ + e^(logvar / 2) ⊙ ε.
template <class T>
void reparameterize_forward(TensorT<T>& Z, const TensorT<T>& mu, const TensorT<T>& logvar, const TensorT<T>& eps) {
    // Hint: check_latent_shapes, and eps must have mu's shape too; then one loop over the elements.
    DL_TODO("ch09.reparameterize_forward");   // lesson: chapters/ch09_generative/README.md#reparameterize-forward
}

// dμ = dZ;  dlogvar = dZ ⊙ ε ⊙ σ / 2, since dσ/dlogvar = σ / 2.
template <class T>
void reparameterize_backward(TensorT<T>& dmu, TensorT<T>& dlogvar, const TensorT<T>& dZ, const TensorT<T>& logvar,
                             const TensorT<T>& eps) {
    // Hint: both are overwritten (resize them to dZ's shape). σ is recomputed from logvar.
    DL_TODO("ch09.reparameterize_backward");   // lesson: chapters/ch09_generative/README.md#reparameterize-backward
}

// KL = (1/N) Σ ½ (μ² + e^logvar − 1 − logvar).
template <class T>
T gaussian_kl_forward(const TensorT<T>& mu, const TensorT<T>& logvar) {
    // Hint: a sum over every element of [N, L], divided by 2N (N = mu.dim(0), not mu.size()).
    DL_TODO("ch09.gaussian_kl_forward");   // lesson: chapters/ch09_generative/README.md#gaussian-kl-forward
}

// dμ += μ / N;  dlogvar += (e^logvar − 1) / (2N).
template <class T>
void gaussian_kl_backward(TensorT<T>& dmu, TensorT<T>& dlogvar, const TensorT<T>& mu, const TensorT<T>& logvar) {
    // Hint: add (+=), do not overwrite: the reparameterisation's gradient is already in dmu and
    // dlogvar. Check that both have mu's shape.
    DL_TODO("ch09.gaussian_kl_backward");   // lesson: chapters/ch09_generative/README.md#gaussian-kl-backward
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
