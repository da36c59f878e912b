#include "dl/ops/conv.hpp"

#include "dl/exercise.hpp"
#include "dl/util/parallel.hpp"

#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace dl {

namespace {
// The output positions j whose input index j·S − P + k lies inside [0, size): lo ≤ j < hi.
// Outside that range the window reads the zero padding.
struct Range {
    std::size_t lo, hi;
};
Range inside_range(std::size_t size, std::size_t outputs, std::size_t k, Conv2dParams p) {
    std::size_t lo = 0;
    while (lo < outputs && conv_input_index(lo, k, p) < 0) ++lo;
    std::size_t hi = lo;
    while (hi < outputs && conv_input_index(hi, k, p) < static_cast<std::ptrdiff_t>(size)) ++hi;
    return {lo, hi};
}

// x[0] + ... + x[n − 1] as eight running sums side by side, added at the end: one chain of
// dependent additions would wait for each one (the compiler may not reorder float sums itself).
template <class T>
T sum_of(const T* x, std::size_t n) {
    T lanes[8] = {};
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (std::size_t l = 0; l < 8; ++l) lanes[l] += x[i + l];
    T sum = 0;
    for (; i < n; ++i) sum += x[i];
    for (const T lane : lanes) sum += lane;
    return sum;
}
}  // namespace

// cols[(c·KH + k)·KW + l, i·OW + j] = X[n, c, i·S − P + k, j·S − P + l], 0 outside the image.
template <class T>
void im2col(TensorT<T>& cols, const TensorT<T>& X, std::size_t n, std::size_t KH, std::size_t KW, Conv2dParams p) {
    DL_CHECK(X.rank() == 4 && n < X.dim(0), "im2col: image " << n << " of X with shape " << to_string(X.shape()));
    const std::size_t C = X.dim(1), H = X.dim(2), W = X.dim(3);
    const std::size_t OH = conv_output_size(H, KH, p.stride, p.padding), OW = conv_output_size(W, KW, p.stride, p.padding);
    cols.resize({C * KH * KW, OH * OW});
    const T* image = X.data() + n * C * H * W;
    T* out = cols.data();
    for (std::size_t c = 0; c < C; ++c)
        for (std::size_t k = 0; k < KH; ++k)
            for (std::size_t l = 0; l < KW; ++l) {
                const Range cols_in = inside_range(W, OW, l, p);
                for (std::size_t i = 0; i < OH; ++i, out += OW) {
                    const std::ptrdiff_t h = conv_input_index(i, k, p);
                    if (!conv_inside(h, H)) {
                        std::fill(out, out + OW, T(0));
                        continue;
                    }
                    const T* row = image + (c * H + static_cast<std::size_t>(h)) * W;
                    std::fill(out, out + cols_in.lo, T(0));
                    if (p.stride == 1)   // the common case: a contiguous run of the image row
                        std::copy(row + conv_input_index(cols_in.lo, l, p), row + conv_input_index(cols_in.hi, l, p),
                                  out + cols_in.lo);
                    else
                        for (std::size_t j = cols_in.lo; j < cols_in.hi; ++j)
                            out[j] = row[static_cast<std::size_t>(conv_input_index(j, l, p))];
                    std::fill(out + cols_in.hi, out + OW, T(0));
                }
            }
}

// The same walk as im2col with the copy reversed: X[n, c, h, w] += cols[...] (image n zeroed first).
template <class T>
void col2im(TensorT<T>& dX, std::size_t n, const TensorT<T>& cols, std::size_t KH, std::size_t KW, Conv2dParams p) {
    DL_CHECK(dX.rank() == 4 && n < dX.dim(0), "col2im: image " << n << " of dX with shape " << to_string(dX.shape()));
    const std::size_t C = dX.dim(1), H = dX.dim(2), W = dX.dim(3);
    const std::size_t OH = conv_output_size(H, KH, p.stride, p.padding), OW = conv_output_size(W, KW, p.stride, p.padding);
    check_shape(cols.shape(), {C * KH * KW, OH * OW}, "col2im", "cols");
    T* image = dX.data() + n * C * H * W;
    std::fill(image, image + C * H * W, T(0));
    const T* in = cols.data();
    for (std::size_t c = 0; c < C; ++c)
        for (std::size_t k = 0; k < KH; ++k)
            for (std::size_t l = 0; l < KW; ++l) {
                const Range cols_in = inside_range(W, OW, l, p);
                for (std::size_t i = 0; i < OH; ++i, in += OW) {
                    const std::ptrdiff_t h = conv_input_index(i, k, p);
                    if (!conv_inside(h, H)) continue;   // that part of the window lay over the padding
                    T* row = image + (c * H + static_cast<std::size_t>(h)) * W;
                    if (p.stride == 1) {   // a contiguous run, which the compiler vectorises
                        T* to = row + conv_input_index(cols_in.lo, l, p);
                        for (std::size_t j = cols_in.lo; j < cols_in.hi; ++j) to[j - cols_in.lo] += in[j];
                    } else {
                        for (std::size_t j = cols_in.lo; j < cols_in.hi; ++j)
                            row[static_cast<std::size_t>(conv_input_index(j, l, p))] += in[j];
                    }
                }
            }
}

// Per image n:  cols = im2col(X[n])  [C·KH·KW, OH·OW];   Y[n] = W · cols + b   ([OC, OH·OW]).
template <class T>
void conv2d_forward_im2col(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b,
                           Conv2dParams p, GemmFn<T> gemm) {
    check_conv2d_shapes("conv2d_forward_im2col", X.shape(), W.shape(), b.shape());
    const std::size_t N = X.dim(0), OC = W.dim(0), KH = W.dim(2), KW = W.dim(3), K = W.size() / OC;
    const std::size_t OH = conv_output_size(X.dim(2), KH, p.stride, p.padding);
    const std::size_t OW = conv_output_size(X.dim(3), KW, p.stride, p.padding);
    Y.resize({N, OC, OH, OW});
    // Allocation can fail inside the threads (cols, the GEMM's buffers), and an exception must not
    // leave a parallel region: each image's work runs through `failure`, which rethrows after it.
    util::ParallelFailure failure;
#pragma omp parallel
    {
        TensorT<T> cols;   // each thread's own
#pragma omp for schedule(static)
        for (std::size_t n = 0; n < N; ++n)
            failure.run([&] {
                im2col(cols, X, n, KH, KW, p);
                T* y = Y.data() + n * OC * OH * OW;
                for (std::size_t o = 0; o < OC; ++o) std::fill(y + o * OH * OW, y + (o + 1) * OH * OW, b[o]);
                gemm(Trans::no, Trans::no, OC, OH * OW, K, T(1), W.data(), K, cols.data(), OH * OW, T(1), y, OH * OW);
            });
    }
    failure.rethrow();
}

// Per image n:  cols = im2col(X[n]);  dW += dY[n] · colsᵀ;  db += Σ_ij dY[n];  dX[n] = col2im(Wᵀ · dY[n]).
// Each thread sums its images' dW and db apart, and the parts are added in thread order at the end
// (two threads adding to one dW would race; the fixed order keeps a run reproducible). The threads
// sum dWᵀ = cols · dY[n]ᵀ, [C·KH·KW, OC], rather than dW: the same numbers, but a first layer's
// C·KH·KW = 9 is then the GEMM's rows, not its columns, and its tiles of 32 columns are full (2.2x
// faster there; no slower on the second layer).
template <class T>
void conv2d_backward_im2col(TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY,
                            const TensorT<T>& X, const TensorT<T>& W, Conv2dParams p, GemmFn<T> gemm) {
    check_conv2d_shapes("conv2d_backward_im2col", X.shape(), W.shape(), db.shape());
    check_same_shape(dW.shape(), W.shape(), "conv2d_backward_im2col", "dW", "W");
    const std::size_t N = X.dim(0), OC = W.dim(0), KH = W.dim(2), KW = W.dim(3), K = W.size() / OC;
    const std::size_t OH = conv_output_size(X.dim(2), KH, p.stride, p.padding);
    const std::size_t OW = conv_output_size(X.dim(3), KW, p.stride, p.padding), P = OH * OW;
    check_shape(dY.shape(), {N, OC, OH, OW}, "conv2d_backward_im2col", "dY");
    dX.resize(X.shape());
    const auto threads = static_cast<std::size_t>(omp_get_max_threads());
    std::vector<TensorT<T>> dWt_part(threads, TensorT<T>({K, OC})), db_part(threads, TensorT<T>({OC}));
    util::ParallelFailure failure;   // as in the forward: no exception may leave the region
#pragma omp parallel
    {
        const auto t = static_cast<std::size_t>(omp_get_thread_num());
        TensorT<T> cols, dcols;
#pragma omp for schedule(static)
        for (std::size_t n = 0; n < N; ++n)
            failure.run([&] {
                const T* dy = dY.data() + n * OC * P;
                im2col(cols, X, n, KH, KW, p);
                gemm(Trans::no, Trans::yes, K, OC, P, T(1), cols.data(), P, dy, P, T(1), dWt_part[t].data(), OC);
                for (std::size_t o = 0; o < OC; ++o) db_part[t][o] += sum_of(dy + o * P, P);
                dcols.resize({K, P});   // allocated once, by each thread's first image
                gemm(Trans::yes, Trans::no, K, P, OC, T(1), W.data(), K, dy, P, T(0), dcols.data(), P);
                col2im(dX, n, dcols, KH, KW, p);
            });
    }
    failure.rethrow();
    for (std::size_t t = 0; t < threads; ++t) {
        for (std::size_t o = 0; o < OC; ++o)
            for (std::size_t k = 0; k < K; ++k) dW[o * K + k] += dWt_part[t][k * OC + o];
        for (std::size_t o = 0; o < OC; ++o) db[o] += db_part[t][o];
    }
}

#define DL_INSTANTIATE(T)                                                                                            \
    template void im2col(TensorT<T>&, const TensorT<T>&, std::size_t, std::size_t, std::size_t, Conv2dParams);         \
    template void col2im(TensorT<T>&, std::size_t, const TensorT<T>&, std::size_t, std::size_t, Conv2dParams);         \
    template void conv2d_forward_im2col(TensorT<T>&, const TensorT<T>&, const TensorT<T>&, const TensorT<T>&,        \
                                        Conv2dParams, GemmFn<T>);                                                    \
    template void conv2d_backward_im2col(TensorT<T>&, TensorT<T>&, TensorT<T>&, const TensorT<T>&, const TensorT<T>&, \
                                         const TensorT<T>&, Conv2dParams, GemmFn<T>);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
