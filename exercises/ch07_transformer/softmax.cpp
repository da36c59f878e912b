#include "dl/ops/attention.hpp"

#include "dl/exercise.hpp"
#include "dl/util/vector_math.hpp"

#include <cstddef>
#include <limits>

namespace dl {

// Y[r, k] = e^(X[r,k] − m_r) / Σ_j e^(X[r,j] − m_r), row by row (Y may be X itself)
template <class T>
void softmax_forward(TensorT<T>& Y, const TensorT<T>& X) {
    // Hint: K = X.shape().back() and rows = X.size() / K. Resize Y only when it is not X
    // (if (&Y != &X) ...). For each row: its maximum m first (so no e^x overflows), then
    // e = exp(x − m) and their sum, then divide. A score of −∞ (masked) must give exactly 0: test
    // for it before the exp. vmath::exp is a fast exp that vectorises (std::exp works too).
    DL_TODO("ch07.softmax_forward");   // lesson: chapters/ch07_transformer/README.md#softmax-forward
}

// dX[r, j] = Y[r, j] · (dY[r, j] − Σ_k dY[r, k] Y[r, k])      (dX may be dY itself)
template <class T>
void softmax_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& Y) {
    // Hint: check dY and Y have the same shape (check_same_shape). Per row, the inner product
    // Σ_k dY_k Y_k first, then every dX_j. Never build the K × K Jacobian.
    DL_TODO("ch07.softmax_backward");   // lesson: chapters/ch07_transformer/README.md#softmax-backward
}

#define DL_INSTANTIATE(T)                                                     \
    template void softmax_forward(TensorT<T>&, const TensorT<T>&);             \
    template void softmax_backward(TensorT<T>&, const TensorT<T>&, const TensorT<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
