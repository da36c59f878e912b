#include "dl/ops/conv.hpp"

#include "dl/exercise.hpp"

#include <cstddef>

namespace dl {


// Y[n, o, i, j] = b[o] + Σ_c Σ_k Σ_l X[n, c, i·S − P + k, j·S − P + l] · W[o, c, k, l]
template <class T>
void conv2d_forward_naive(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b,
                          Conv2dParams p) {
    check_conv2d_shapes("conv2d_forward_naive", X.shape(), W.shape(), b.shape());
    const std::size_t N = X.dim(0), C = X.dim(1), H = X.dim(2), Wd = X.dim(3);
    const std::size_t OC = W.dim(0), KH = W.dim(2), KW = W.dim(3);
    const std::size_t OH = conv_output_size(H, KH, p.stride, p.padding), OW = conv_output_size(Wd, KW, p.stride, p.padding);
    Y.resize({N, OC, OH, OW});
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t o = 0; o < OC; ++o)
            for (std::size_t i = 0; i < OH; ++i)
                for (std::size_t j = 0; j < OW; ++j) {
                    T sum = b[o];
                    for (std::size_t c = 0; c < C; ++c)
                        for (std::size_t k = 0; k < KH; ++k) {
                            const std::ptrdiff_t h = conv_input_index(i, k, p);
                            if (!conv_inside(h, H)) continue;
                            for (std::size_t l = 0; l < KW; ++l) {
                                const std::ptrdiff_t w = conv_input_index(j, l, p);
                                if (!conv_inside(w, Wd)) continue;
                                sum += X[((n * C + c) * H + static_cast<std::size_t>(h)) * Wd + static_cast<std::size_t>(w)] *
                                       W[((o * C + c) * KH + k) * KW + l];
                            }
                        }
                    Y[((n * OC + o) * OH + i) * OW + j] = sum;
                }
}

// The forward loops once more, each product sending dY back to both of its factors:
//   dX[n, c, h, w] += dY[n, o, i, j] · W[o, c, k, l]      dW[o, c, k, l] += dY[n, o, i, j] · X[n, c, h, w]
// with (h, w) = (i·S − P + k, j·S − P + l); and db[o] += dY[n, o, i, j].
template <class T>
void conv2d_backward_naive(TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY,
                           const TensorT<T>& X, const TensorT<T>& W, Conv2dParams p) {
    check_conv2d_shapes("conv2d_backward_naive", X.shape(), W.shape(), db.shape());
    check_same_shape(dW.shape(), W.shape(), "conv2d_backward_naive", "dW", "W");
    const std::size_t N = X.dim(0), C = X.dim(1), H = X.dim(2), Wd = X.dim(3);
    const std::size_t OC = W.dim(0), KH = W.dim(2), KW = W.dim(3);
    const std::size_t OH = conv_output_size(H, KH, p.stride, p.padding), OW = conv_output_size(Wd, KW, p.stride, p.padding);
    check_shape(dY.shape(), {N, OC, OH, OW}, "conv2d_backward_naive", "dY");
    dX.resize(X.shape());
    dX.fill(T(0));
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t o = 0; o < OC; ++o)
            for (std::size_t i = 0; i < OH; ++i)
                for (std::size_t j = 0; j < OW; ++j) {
                    const T g = dY[((n * OC + o) * OH + i) * OW + j];
                    db[o] += g;
                    for (std::size_t c = 0; c < C; ++c)
                        for (std::size_t k = 0; k < KH; ++k) {
                            const std::ptrdiff_t h = conv_input_index(i, k, p);
                            if (!conv_inside(h, H)) continue;
                            for (std::size_t l = 0; l < KW; ++l) {
                                const std::ptrdiff_t w = conv_input_index(j, l, p);
                                if (!conv_inside(w, Wd)) continue;
                                const std::size_t x_at = ((n * C + c) * H + static_cast<std::size_t>(h)) * Wd +
                                                         static_cast<std::size_t>(w);
                                const std::size_t w_at = ((o * C + c) * KH + k) * KW + l;
                                dX[x_at] += g * W[w_at];
                                dW[w_at] += g * X[x_at];
                            }
                        }
                }
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
