#pragma once
// Chapter 5: two-dimensional convolution (strictly, cross-correlation, as in every framework).
//   X: [N, C, H, W]   W: [OC, C, KH, KW]   b: [OC]   Y: [N, OC, OH, OW]
//   Y[n, o, i, j] = b[o] + Σ_c Σ_k Σ_l X[n, c, i·S − P + k, j·S − P + l] · W[o, c, k, l]
// where S is the stride, P the zero padding on every side, and X is 0 outside the image.
//
// The variants, in order of the ladder (the same results; the table at the end lists them):
//   conv2d_*_naive    the formula as seven nested loops
//   conv2d_*_im2col   each image's patches copied into the columns of a matrix (im2col), so the
//                     convolution is one GEMM of chapter 2 per image, and the images run in parallel

#include "dl/ops/gemm.hpp"
#include "dl/tensor.hpp"

#include <cstddef>

namespace dl {

// Stride S and zero padding P, the same along both axes.
struct Conv2dParams {
    std::size_t stride = 1;
    std::size_t padding = 0;
};

// Output size along one axis: OH = ⌊(H + 2P − KH) / S⌋ + 1 (a window fits at every S-th position
// of the padded input). Throws ShapeError when the kernel is larger than the padded input, or S = 0.
inline std::size_t conv_output_size(std::size_t input, std::size_t kernel, std::size_t stride, std::size_t padding) {
    if (stride == 0 || kernel == 0 || kernel > input + 2 * padding)
        DL_THROW(ShapeError, "a " << kernel << "-wide window with stride " << stride << " does not fit an input of "
                                  << input << " with padding " << padding << " on each side");
    return (input + 2 * padding - kernel) / stride + 1;
}

// The input row (or column) that output position i reads at kernel offset k: i·S − P + k.
// Signed, because it is negative (or ≥ the input's size) where the window lies over the padding.
inline std::ptrdiff_t conv_input_index(std::size_t i, std::size_t k, Conv2dParams p) {
    return static_cast<std::ptrdiff_t>(i * p.stride + k) - static_cast<std::ptrdiff_t>(p.padding);
}
inline bool conv_inside(std::ptrdiff_t index, std::size_t size) {
    return index >= 0 && index < static_cast<std::ptrdiff_t>(size);
}

// Throws ShapeError naming the function unless X is [N, C, H, W], W is [OC, C, KH, KW] and b is [OC].
inline void check_conv2d_shapes(const char* where, const Shape& x, const Shape& w, const Shape& b) {
    if (x.size() != 4) DL_THROW(ShapeError, where << ": X has shape " << to_string(x) << ", expected [N, C, H, W]");
    if (w.size() != 4 || w[1] != x[1])
        DL_THROW(ShapeError, where << ": W has shape " << to_string(w) << ", expected [OC, " << x[1]
                                   << ", KH, KW] for X of shape " << to_string(x));
    check_shape(b, {w[0]}, where, "b");
}

// Forward. Y is resized to [N, OC, OH, OW] and overwritten.
template <class T>
void conv2d_forward_naive(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b,
                          Conv2dParams p);

// Backward, for upstream gradient dY [N, OC, OH, OW]:
//   dX[n, c, i·S − P + k, j·S − P + l] += dY[n, o, i, j] · W[o, c, k, l]    (dX resized and overwritten)
//   dW[o, c, k, l] += Σ_n Σ_i Σ_j dY[n, o, i, j] · X[n, c, i·S − P + k, j·S − P + l]   (accumulates)
//   db[o] += Σ_n Σ_i Σ_j dY[n, o, i, j]                                                 (accumulates)
// The gradient of a convolution is a convolution too: dX is dY, dilated by S and padded, convolved
// with W rotated by 180°, and dW is X convolved with dY.
template <class T>
void conv2d_backward_naive(TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY,
                           const TensorT<T>& X, const TensorT<T>& W, Conv2dParams p);

// im2col for image n of X [N, C, H, W]: cols [C·KH·KW, OH·OW] (resized), one row per (c, k, l)
// and one column per output position (i, j):
//   cols[(c·KH + k)·KW + l, i·OW + j] = X[n, c, i·S − P + k, j·S − P + l]    (0 outside the image)
// so that image n's output is the product  Y[n] (as [OC, OH·OW]) = W (as [OC, C·KH·KW]) · cols.
template <class T>
void im2col(TensorT<T>& cols, const TensorT<T>& X, std::size_t n, std::size_t KH, std::size_t KW, Conv2dParams p);

// col2im, im2col's adjoint (its transpose): every entry of cols is added back to the pixel it was
// copied from, so a pixel that appears in several patches receives the sum. Overwrites image n of
// dX, which must already have the input's shape [N, C, H, W]; cols is [C·KH·KW, OH·OW].
template <class T>
void col2im(TensorT<T>& dX, std::size_t n, const TensorT<T>& cols, std::size_t KH, std::size_t KW, Conv2dParams p);

// The convolution through im2col and a GEMM (chapter 2's gemm_blocked unless another is given;
// the benchmark passes gemm_naive and OpenBLAS). Same contract as the naive version. The images of
// the batch run in parallel on omp_get_max_threads() threads, each with its own cols buffer.
//   forward:   cols = im2col(X[n])        Y[n] = W · cols + b
//   backward:  cols = im2col(X[n])        dW += dY[n] · colsᵀ      db += Σ_ij dY[n]
//              dcols = Wᵀ · dY[n]         dX[n] = col2im(dcols)
template <class T>
void conv2d_forward_im2col(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b,
                           Conv2dParams p, GemmFn<T> gemm = &gemm_blocked<T>);
template <class T>
void conv2d_backward_im2col(TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY,
                            const TensorT<T>& X, const TensorT<T>& W, Conv2dParams p,
                            GemmFn<T> gemm = &gemm_blocked<T>);

template <class T>
struct Conv2dVariant {
    const char* name;
    void (*forward)(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b, Conv2dParams p);
    void (*backward)(TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY, const TensorT<T>& X,
                     const TensorT<T>& W, Conv2dParams p);
};

// The tests, the layer (--conv naive|im2col) and the benchmark loop over this table.
template <class T>
inline constexpr Conv2dVariant<T> conv2d_variants[] = {
    {"naive", &conv2d_forward_naive<T>, &conv2d_backward_naive<T>},
    {"im2col",
     [](TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b, Conv2dParams p) {
         conv2d_forward_im2col(Y, X, W, b, p);
     },
     [](TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY, const TensorT<T>& X,
        const TensorT<T>& W, Conv2dParams p) { conv2d_backward_im2col(dX, dW, db, dY, X, W, p); }},
};

}  // namespace dl
