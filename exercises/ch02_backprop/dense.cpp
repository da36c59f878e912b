#include "dl/ops/dense.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/gemm.hpp"

#include <cstddef>

namespace dl {

// Y = X · Wᵀ + b.
template <class T>
void dense_forward(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b) {
    // Hint: check the shapes, Y.resize({N, out}), then ONE call of your gemm_blocked<T> (W is
    // stored [out, in]: which transpose flag gives Wᵀ?), then add b to every row.
    DL_TODO("ch02.dense_forward");   // lesson: chapters/ch02_backprop/README.md#dense-forward
}

// dX = dY · W,   dW += dYᵀ · X,   db += Σ_n dY[n, :].
template <class T>
void dense_backward(TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY, const TensorT<T>& X,
                    const TensorT<T>& W) {
    // Hint: two GEMMs and a sum over the batch. dX is overwritten (beta = 0); dW and db accumulate
    // (beta = 1 for the GEMM into dW).
    DL_TODO("ch02.dense_backward");   // lesson: chapters/ch02_backprop/README.md#dense-backward
}

#define DL_INSTANTIATE(T)                                                                                   \
    template void dense_forward(TensorT<T>&, const TensorT<T>&, const TensorT<T>&, const TensorT<T>&);      \
    template void dense_backward(TensorT<T>&, TensorT<T>&, TensorT<T>&, const TensorT<T>&, const TensorT<T>&, \
                                 const TensorT<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
