#include "dl/ops/conv_transpose.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cstddef>

namespace dl {

// Y[n, o, i·S − P + k, j·S − P + l] += X[n, c, i, j] · W[c, o, k, l], then Y += b[o].
template <class T>
void conv_transpose2d_forward_naive(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b,
                                    ConvTranspose2dParams p) {
    // Hint: check_conv_transpose2d_shapes first; OH and OW from conv_transpose_output_size;
    // Y.resize({N, OC, OH, OW}) and fill each plane with its bias. Then loop over the INPUT
    // (n, c, i, j) and stamp x · W[c, o, :, :] into the output: the output row is
    // conv_input_index(i, k, adjoint_conv(p)), skipped when conv_inside(h, OH) is false (the
    // cropped border). W[c, o, k, l] is W[((c·OC + o)·KH + k)·KW + l]: input channels first.
    DL_TODO("ch09.conv_transpose2d_forward_naive");   // lesson: chapters/ch09_generative/README.md#conv-transpose2d-forward-naive
}

// The forward's loops, each product x · w sending dy back to both factors.
template <class T>
void conv_transpose2d_backward_naive(TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY,
                                     const TensorT<T>& X, const TensorT<T>& W, ConvTranspose2dParams p) {
    // Hint: check_conv_transpose2d_shapes(..., X.shape(), W.shape(), db.shape()) (db has b's shape),
    // then check dY is [N, OC, OH, OW]. The same loops as the forward: where the forward did
    // y += x · w, the backward does dx += dy · w and dw += dy · x, with dy the element of dY that y
    // was. dX is overwritten (resize to X's shape, set each element once), dW and db accumulate.
    DL_TODO("ch09.conv_transpose2d_backward_naive");   // lesson: chapters/ch09_generative/README.md#conv-transpose2d-backward-naive
}

#define DL_INSTANTIATE(T)                                                                                     \
    template void conv_transpose2d_forward_naive(TensorT<T>&, const TensorT<T>&, const TensorT<T>&,          \
                                                 const TensorT<T>&, ConvTranspose2dParams);                  \
    template void conv_transpose2d_backward_naive(TensorT<T>&, TensorT<T>&, TensorT<T>&, const TensorT<T>&,   \
                                                  const TensorT<T>&, const TensorT<T>&, ConvTranspose2dParams);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
