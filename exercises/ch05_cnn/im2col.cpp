#include "dl/ops/conv.hpp"

#include "dl/exercise.hpp"
#include "dl/util/parallel.hpp"

#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace dl {

// cols[(c·KH + k)·KW + l, i·OW + j] = X[n, c, i·S − P + k, j·S − P + l], 0 outside the image.
template <class T>
void im2col(TensorT<T>& cols, const TensorT<T>& X, std::size_t n, std::size_t KH, std::size_t KW, Conv2dParams p) {
    // Hint: cols.resize({C·KH·KW, OH·OW}) and write every element (the zeros too: a resized tensor
    // may hold old values). Loop c, k, l (the row), then i, j (the column). A row of cols reads
    // along a row of the image, so it is mostly a strided copy.
    DL_TODO("ch05.im2col");   // lesson: chapters/ch05_cnn/README.md#im2col
}

// The same walk as im2col with the copy reversed: X[n, c, h, w] += cols[...] (image n zeroed first).
template <class T>
void col2im(TensorT<T>& dX, std::size_t n, const TensorT<T>& cols, std::size_t KH, std::size_t KW, Conv2dParams p) {
    // Hint: dX already has the input's shape; zero image n only (the other images belong to other
    // threads), then ADD each entry of cols to its pixel: a pixel shared by several windows gets
    // the sum. Entries that came from the padding go nowhere.
    DL_TODO("ch05.col2im");   // lesson: chapters/ch05_cnn/README.md#col2im
}

// Per image n:  cols = im2col(X[n])  [C·KH·KW, OH·OW];   Y[n] = W · cols + b   ([OC, OH·OW]).
template <class T>
void conv2d_forward_im2col(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b,
                           Conv2dParams p, GemmFn<T> gemm) {
    // Hint: check the shapes and resize Y before the parallel loop (an exception must not escape an
    // OpenMP region). Then `#pragma omp parallel` with a cols tensor per thread and `#pragma omp for`
    // over n. Fill Y[n]'s row o with b[o], then one call gemm(Trans::no, Trans::no, OC, OH·OW,
    // C·KH·KW, 1, W, C·KH·KW, cols, OH·OW, 1, Y[n], OH·OW) adds W · cols to it.
    DL_TODO("ch05.conv2d_forward_im2col");   // lesson: chapters/ch05_cnn/README.md#conv2d-forward-im2col
}

// Per image n:  cols = im2col(X[n]);  dW += dY[n] · colsᵀ;  db += Σ_ij dY[n];  dX[n] = col2im(Wᵀ · dY[n]).
template <class T>
void conv2d_backward_im2col(TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY,
                            const TensorT<T>& X, const TensorT<T>& W, Conv2dParams p, GemmFn<T> gemm) {
    // Hint: two threads must not add to one dW at once: give each thread (omp_get_thread_num()) its
    // own zeroed dW and db, and add them into dW and db after the parallel region, in thread order.
    // dY[n] · colsᵀ is gemm(Trans::no, Trans::yes, ...); Wᵀ · dY[n] is gemm(Trans::yes, Trans::no, ...).
    DL_TODO("ch05.conv2d_backward_im2col");   // lesson: chapters/ch05_cnn/README.md#conv2d-backward-im2col
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
