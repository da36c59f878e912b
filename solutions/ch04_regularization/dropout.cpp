#include "dl/ops/dropout.hpp"

#include "dl/exercise.hpp"

#include <cstddef>

namespace dl {

// mask_i = 1/(1 − p) with probability 1 − p, else 0        Y = X ⊙ mask
template <class T>
void dropout_forward(TensorT<T>& Y, TensorT<T>& mask, const TensorT<T>& X, T p, Rng& rng) {
    DL_CHECK(p >= T(0) && p < T(1), "dropout_forward: p = " << p << " must be in [0, 1) (p = 1 would drop everything)");
    const double keep = 1.0 - static_cast<double>(p);
    // Kept elements are scaled up so that E[Y] = X: evaluation then uses the layer unchanged.
    const T scale = T(1) / (T(1) - p);
    Y.resize(X.shape());
    mask.resize(X.shape());
    for (std::size_t i = 0; i < X.size(); ++i) {
        mask[i] = rng.bernoulli(keep) ? scale : T(0);
        Y[i] = X[i] * mask[i];
    }
}

// dX = dY ⊙ mask
template <class T>
void dropout_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& mask) {
    check_same_shape(dY.shape(), mask.shape(), "dropout_backward", "dY", "mask");
    dX.resize(dY.shape());
    for (std::size_t i = 0; i < dY.size(); ++i) dX[i] = dY[i] * mask[i];
}

#define DL_INSTANTIATE(T)                                                                       \
    template void dropout_forward(TensorT<T>&, TensorT<T>&, const TensorT<T>&, T, Rng&);        \
    template void dropout_backward(TensorT<T>&, const TensorT<T>&, const TensorT<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
