#include "dl/ops/conv.hpp"

#include "dl/exercise.hpp"

#include <cstddef>

namespace dl {

// Y[n, o, i, j] = b[o] + Σ_c Σ_k Σ_l X[n, c, i·S − P + k, j·S − P + l] · W[o, c, k, l]
template <class T>
void conv2d_forward_naive(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b,
                          Conv2dParams p) {
    // Hint: check_conv2d_shapes first; OH and OW from conv_output_size; Y.resize({N, OC, OH, OW}).
    // Seven loops n, o, i, j, c, k, l. The input row is conv_input_index(i, k, p), signed: skip the
    // term when conv_inside(h, H) is false (that is the zero padding). X[n, c, h, w] is
    // X[((n·C + c)·H + h)·width + w] (width = X.dim(3); W is the weight tensor here).
    DL_TODO("ch05.conv2d_forward_naive");   // lesson: chapters/ch05_cnn/README.md#conv2d-forward-naive
}

// The forward loops once more, each product sending dY back to both of its factors:
//   dX[n, c, h, w] += dY[n, o, i, j] · W[o, c, k, l]      dW[o, c, k, l] += dY[n, o, i, j] · X[n, c, h, w]
// with (h, w) = (i·S − P + k, j·S − P + l); and db[o] += dY[n, o, i, j].
template <class T>
void conv2d_backward_naive(TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY,
                           const TensorT<T>& X, const TensorT<T>& W, Conv2dParams p) {
    // Hint: dX is overwritten (resize to X's shape and fill with 0 first); dW and db accumulate
    // (never zero them: the optimizer does). Check dY's shape is [N, OC, OH, OW].
    DL_TODO("ch05.conv2d_backward_naive");   // lesson: chapters/ch05_cnn/README.md#conv2d-backward-naive
}

#define DL_INSTANTIATE(T)                                                                                          \
    template void conv2d_forward_naive(TensorT<T>&, const TensorT<T>&, const TensorT<T>&, const TensorT<T>&,       \
                                       Conv2dParams);                                                              \
    template void conv2d_backward_naive(TensorT<T>&, TensorT<T>&, TensorT<T>&, const TensorT<T>&, const TensorT<T>&, \
                                        const TensorT<T>&, Conv2dParams);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
