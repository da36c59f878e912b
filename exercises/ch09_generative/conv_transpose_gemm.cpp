#include "dl/ops/conv_transpose.hpp"

#include "dl/exercise.hpp"
#include "dl/util/parallel.hpp"

#include <omp.h>

#include <cstddef>
#include <vector>

namespace dl {

// Per image n:  cols = Wᵀ · X[n]  ([OC·KH·KW, H·W]);  Y[n] = col2im(cols) + b.
template <class T>
void conv_transpose2d_forward_gemm(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b,
                                   ConvTranspose2dParams p, GemmFn<T> gemm) {
    // Hint: W is already the matrix [C, OC·KH·KW] and X[n] the matrix [C, H·W], so cols is one
    // gemm with the first operand transposed. col2im(Y, n, cols, KH, KW, adjoint_conv(p)) writes
    // image n of Y (resize Y first). Chapter 5's conv2d_forward_im2col shows the parallel loop.
    DL_TODO("ch09.conv_transpose2d_forward_gemm");   // lesson: chapters/ch09_generative/README.md#conv-transpose2d-forward-gemm
}

// Per image n:  dcols = im2col(dY[n]);  dX[n] = W · dcols;  dW += X[n] · dcolsᵀ;  db += Σ_hw dY[n].
template <class T>
void conv_transpose2d_backward_gemm(TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY,
                                    const TensorT<T>& X, const TensorT<T>& W, ConvTranspose2dParams p,
                                    GemmFn<T> gemm) {
    // Hint: im2col(dcols, dY, n, KH, KW, adjoint_conv(p)) is [OC·KH·KW, H·W]. If the images run in
    // parallel, each thread needs its own dW and db to add to (two threads adding into one dW
    // race); add the parts together after the loop.
    DL_TODO("ch09.conv_transpose2d_backward_gemm");   // lesson: chapters/ch09_generative/README.md#conv-transpose2d-backward-gemm
}

#define DL_INSTANTIATE(T)                                                                                        \
    template void conv_transpose2d_forward_gemm(TensorT<T>&, const TensorT<T>&, const TensorT<T>&,              \
                                                const TensorT<T>&, ConvTranspose2dParams, GemmFn<T>);           \
    template void conv_transpose2d_backward_gemm(TensorT<T>&, TensorT<T>&, TensorT<T>&, const TensorT<T>&,       \
                                                 const TensorT<T>&, const TensorT<T>&, ConvTranspose2dParams,    \
                                                 GemmFn<T>);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
