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
    check_conv_transpose2d_shapes("conv_transpose2d_forward_gemm", X.shape(), W.shape(), b.shape());
    const std::size_t N = X.dim(0), C = X.dim(1), HW = X.dim(2) * X.dim(3);
    const std::size_t OC = W.dim(1), KH = W.dim(2), KW = W.dim(3), K = OC * KH * KW;
    const std::size_t OH = conv_transpose_output_size(X.dim(2), KH, p);
    const std::size_t OW = conv_transpose_output_size(X.dim(3), KW, p);
    Y.resize({N, OC, OH, OW});
    util::ParallelFailure failure;   // no exception may leave the parallel region (ops/conv.hpp)
#pragma omp parallel
    {
        TensorT<T> cols({K, HW});   // each thread's own
#pragma omp for schedule(static)
        for (std::size_t n = 0; n < N; ++n)
            failure.run([&] {
                gemm(Trans::yes, Trans::no, K, HW, C, T(1), W.data(), K, X.data() + n * C * HW, HW, T(0),
                     cols.data(), HW);
                col2im(Y, n, cols, KH, KW, adjoint_conv(p));   // overwrites image n
                T* y = Y.data() + n * OC * OH * OW;
                for (std::size_t o = 0; o < OC; ++o)
                    for (std::size_t s = 0; s < OH * OW; ++s) y[o * OH * OW + s] += b[o];
            });
    }
    failure.rethrow();
}

// Per image n:  dcols = im2col(dY[n]);  dX[n] = W · dcols;  dW += X[n] · dcolsᵀ;  db += Σ_hw dY[n].
// Each thread sums its images' dW and db apart; the parts are added in thread order at the end, so
// a run is reproducible (as in chapter 5's conv2d_backward_im2col).
template <class T>
void conv_transpose2d_backward_gemm(TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY,
                                    const TensorT<T>& X, const TensorT<T>& W, ConvTranspose2dParams p,
                                    GemmFn<T> gemm) {
    check_conv_transpose2d_shapes("conv_transpose2d_backward_gemm", X.shape(), W.shape(), db.shape());
    check_same_shape(dW.shape(), W.shape(), "conv_transpose2d_backward_gemm", "dW", "W");
    const std::size_t N = X.dim(0), C = X.dim(1), HW = X.dim(2) * X.dim(3);
    const std::size_t OC = W.dim(1), KH = W.dim(2), KW = W.dim(3), K = OC * KH * KW;
    const std::size_t OH = conv_transpose_output_size(X.dim(2), KH, p);
    const std::size_t OW = conv_transpose_output_size(X.dim(3), KW, p), P = OH * OW;
    check_shape(dY.shape(), {N, OC, OH, OW}, "conv_transpose2d_backward_gemm", "dY");
    dX.resize(X.shape());
    const auto threads = static_cast<std::size_t>(omp_get_max_threads());
    std::vector<TensorT<T>> dW_part(threads, TensorT<T>(W.shape())), db_part(threads, TensorT<T>({OC}));
    util::ParallelFailure failure;
#pragma omp parallel
    {
        const auto t = static_cast<std::size_t>(omp_get_thread_num());
        TensorT<T> dcols;
#pragma omp for schedule(static)
        for (std::size_t n = 0; n < N; ++n)
            failure.run([&] {
                im2col(dcols, dY, n, KH, KW, adjoint_conv(p));   // [OC·KH·KW, H·W]
                const T* x = X.data() + n * C * HW;
                gemm(Trans::no, Trans::no, C, HW, K, T(1), W.data(), K, dcols.data(), HW, T(0), dX.data() + n * C * HW,
                     HW);
                gemm(Trans::no, Trans::yes, C, K, HW, T(1), x, HW, dcols.data(), HW, T(1), dW_part[t].data(), K);
                const T* dy = dY.data() + n * OC * P;
                for (std::size_t o = 0; o < OC; ++o)
                    for (std::size_t s = 0; s < P; ++s) db_part[t][o] += dy[o * P + s];
            });
    }
    failure.rethrow();
    for (std::size_t t = 0; t < threads; ++t) {
        for (std::size_t i = 0; i < W.size(); ++i) dW[i] += dW_part[t][i];
        for (std::size_t o = 0; o < OC; ++o) db[o] += db_part[t][o];
    }
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
