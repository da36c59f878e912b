#include "dl/ops/conv_transpose.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cstddef>

namespace dl {

// Y[n, o, i·S − P + k, j·S − P + l] += X[n, c, i, j] · W[c, o, k, l], then Y += b[o].
template <class T>
void conv_transpose2d_forward_naive(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b,
                                    ConvTranspose2dParams p) {
    check_conv_transpose2d_shapes("conv_transpose2d_forward_naive", X.shape(), W.shape(), b.shape());
    const std::size_t N = X.dim(0), C = X.dim(1), H = X.dim(2), Wd = X.dim(3);
    const std::size_t OC = W.dim(1), KH = W.dim(2), KW = W.dim(3);
    const std::size_t OH = conv_transpose_output_size(H, KH, p), OW = conv_transpose_output_size(Wd, KW, p);
    const Conv2dParams q = adjoint_conv(p);
    Y.resize({N, OC, OH, OW});
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t o = 0; o < OC; ++o) {
            T* plane = Y.data() + (n * OC + o) * OH * OW;
            std::fill(plane, plane + OH * OW, b[o]);
        }
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t i = 0; i < H; ++i)
                for (std::size_t j = 0; j < Wd; ++j) {
                    const T x = X[((n * C + c) * H + i) * Wd + j];
                    for (std::size_t o = 0; o < OC; ++o)
                        for (std::size_t k = 0; k < KH; ++k) {
                            const std::ptrdiff_t h = conv_input_index(i, k, q);
                            if (!conv_inside(h, OH)) continue;   // cropped by the padding
                            for (std::size_t l = 0; l < KW; ++l) {
                                const std::ptrdiff_t w = conv_input_index(j, l, q);
                                if (!conv_inside(w, OW)) continue;
                                Y[((n * OC + o) * OH + static_cast<std::size_t>(h)) * OW + static_cast<std::size_t>(w)] +=
                                    x * W[((c * OC + o) * KH + k) * KW + l];
                            }
                        }
                }
}

// The forward's loops, each product x · w sending dy back to both factors.
template <class T>
void conv_transpose2d_backward_naive(TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY,
                                     const TensorT<T>& X, const TensorT<T>& W, ConvTranspose2dParams p) {
    check_conv_transpose2d_shapes("conv_transpose2d_backward_naive", X.shape(), W.shape(), db.shape());
    check_same_shape(dW.shape(), W.shape(), "conv_transpose2d_backward_naive", "dW", "W");
    const std::size_t N = X.dim(0), C = X.dim(1), H = X.dim(2), Wd = X.dim(3);
    const std::size_t OC = W.dim(1), KH = W.dim(2), KW = W.dim(3);
    const std::size_t OH = conv_transpose_output_size(H, KH, p), OW = conv_transpose_output_size(Wd, KW, p);
    check_shape(dY.shape(), {N, OC, OH, OW}, "conv_transpose2d_backward_naive", "dY");
    const Conv2dParams q = adjoint_conv(p);
    dX.resize(X.shape());
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t o = 0; o < OC; ++o)
            for (std::size_t s = 0; s < OH * OW; ++s) db[o] += dY[(n * OC + o) * OH * OW + s];
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t i = 0; i < H; ++i)
                for (std::size_t j = 0; j < Wd; ++j) {
                    const std::size_t xi = ((n * C + c) * H + i) * Wd + j;
                    T dx = 0;
                    for (std::size_t o = 0; o < OC; ++o)
                        for (std::size_t k = 0; k < KH; ++k) {
                            const std::ptrdiff_t h = conv_input_index(i, k, q);
                            if (!conv_inside(h, OH)) continue;
                            for (std::size_t l = 0; l < KW; ++l) {
                                const std::ptrdiff_t w = conv_input_index(j, l, q);
                                if (!conv_inside(w, OW)) continue;
                                const T dy = dY[((n * OC + o) * OH + static_cast<std::size_t>(h)) * OW +
                                                static_cast<std::size_t>(w)];
                                const std::size_t wi = ((c * OC + o) * KH + k) * KW + l;
                                dx += dy * W[wi];
                                dW[wi] += dy * X[xi];
                            }
                        }
                    dX[xi] = dx;
                }
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
