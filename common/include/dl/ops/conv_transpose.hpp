#pragma once
// Chapter 9: the transposed convolution, which a generator uses to grow small feature maps into
// images. It is convolution's adjoint (its transpose as a linear map), not its inverse:
//   X: [N, C, H, W]   W: [C, OC, KH, KW] (PyTorch's ConvTranspose2d layout: input channels first)
//   b: [OC]           Y: [N, OC, OH, OW]
//   Y[n, o, i·S − P + k, j·S − P + l] += X[n, c, i, j] · W[c, o, k, l]     (then Y += b[o])
// Each input pixel stamps a copy of the kernel, scaled by its value, into the output, the copies
// S pixels apart; P crops the output's border. Where the stamps overlap (K not a multiple of S)
// some outputs receive more copies than their neighbours: the checkerboard artefact.
//
// So its forward is chapter 5's input gradient (col2im of Wᵀ·X) and its backward is chapter 5's
// forward (im2col of dY). The variants, in order of the ladder (the table at the end lists them):
//   conv_transpose2d_*_naive    the formula as seven nested loops
//   conv_transpose2d_*_gemm     one GEMM per image with chapter 5's col2im (forward) and im2col
//                               (backward); the images run in parallel

#include "dl/ops/conv.hpp"
#include "dl/ops/gemm.hpp"
#include "dl/tensor.hpp"

#include <cstddef>

namespace dl {

// Stride S, the padding P cropped from every side, and the output padding OP added to the bottom
// and right edges only (0 ≤ OP < S). A convolution with stride S maps S different input sizes to
// one output size; OP says which of them the transposed convolution gives back.
struct ConvTranspose2dParams {
    std::size_t stride = 1;
    std::size_t padding = 0;
    std::size_t output_padding = 0;
};

// Output size along one axis: OH = (H − 1)·S − 2P + KH + OP. Throws ShapeError when S = 0, OP ≥ S,
// a size is 0, or the padding crops everything.
inline std::size_t conv_transpose_output_size(std::size_t input, std::size_t kernel, ConvTranspose2dParams p) {
    if (p.stride == 0 || p.output_padding >= p.stride || input == 0 || kernel == 0 ||
        (input - 1) * p.stride + kernel + p.output_padding <= 2 * p.padding)
        DL_THROW(ShapeError, "a transposed convolution of an input of " << input << " with a " << kernel
                                                                         << "-wide kernel, stride " << p.stride
                                                                         << ", padding " << p.padding
                                                                         << " and output padding " << p.output_padding
                                                                         << " has no output (the output padding must "
                                                                            "be below the stride, and the padding "
                                                                            "must leave something)");
    return (input - 1) * p.stride + kernel + p.output_padding - 2 * p.padding;
}

// The convolution this one is the adjoint of: same stride and padding (the output padding only
// says which input size it had).
inline Conv2dParams adjoint_conv(ConvTranspose2dParams p) { return {p.stride, p.padding}; }

// Throws ShapeError naming the function unless X is [N, C, H, W], W is [C, OC, KH, KW] and b is [OC].
inline void check_conv_transpose2d_shapes(const char* where, const Shape& x, const Shape& w, const Shape& b) {
    if (x.size() != 4) DL_THROW(ShapeError, where << ": X has shape " << to_string(x) << ", expected [N, C, H, W]");
    if (w.size() != 4 || w[0] != x[1])
        DL_THROW(ShapeError, where << ": W has shape " << to_string(w) << ", expected [" << x[1]
                                   << ", OC, KH, KW] (input channels first) for X of shape " << to_string(x));
    check_shape(b, {w[1]}, where, "b");
}

// Forward, as above. Y is resized to [N, OC, OH, OW] and overwritten.
template <class T>
void conv_transpose2d_forward_naive(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b,
                                    ConvTranspose2dParams p);

// Backward, for upstream gradient dY [N, OC, OH, OW]: the forward's loops, each product sending
// the gradient back to both of its factors:
//   dX[n, c, i, j] = Σ_o Σ_k Σ_l dY[n, o, i·S − P + k, j·S − P + l] · W[c, o, k, l]  (overwritten)
//   dW[c, o, k, l] += Σ_n Σ_i Σ_j X[n, c, i, j] · dY[n, o, i·S − P + k, j·S − P + l]  (accumulates)
//   db[o] += Σ_n Σ_h Σ_w dY[n, o, h, w]                                                (accumulates)
// (terms where the output position falls in the cropped border are left out). dX is the
// convolution of dY with W: the adjoint of the adjoint.
template <class T>
void conv_transpose2d_backward_naive(TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY,
                                     const TensorT<T>& X, const TensorT<T>& W, ConvTranspose2dParams p);

// Through chapter 5's im2col and col2im, with W seen as a matrix [C, OC·KH·KW]:
//   forward:   cols = Wᵀ · X[n]  ([OC·KH·KW, H·W])      Y[n] = col2im(cols) + b
//   backward:  dcols = im2col(dY[n])                      dX[n] = W · dcols
//              dW += X[n] · dcolsᵀ                        db += Σ_hw dY[n]
// (the col2im and im2col of the convolution with the same stride and padding whose input is Y).
// Same contract as the naive version; the images run in parallel, each thread with its own cols.
template <class T>
void conv_transpose2d_forward_gemm(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b,
                                   ConvTranspose2dParams p, GemmFn<T> gemm = &gemm_blocked<T>);
template <class T>
void conv_transpose2d_backward_gemm(TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY,
                                    const TensorT<T>& X, const TensorT<T>& W, ConvTranspose2dParams p,
                                    GemmFn<T> gemm = &gemm_blocked<T>);

template <class T>
struct ConvTranspose2dVariant {
    const char* name;
    void (*forward)(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b,
                    ConvTranspose2dParams p);
    void (*backward)(TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY, const TensorT<T>& X,
                     const TensorT<T>& W, ConvTranspose2dParams p);
};

// The tests, the layer and the benchmark loop over this table.
template <class T>
inline constexpr ConvTranspose2dVariant<T> conv_transpose2d_variants[] = {
    {"naive", &conv_transpose2d_forward_naive<T>, &conv_transpose2d_backward_naive<T>},
    {"gemm",
     [](TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b, ConvTranspose2dParams p) {
         conv_transpose2d_forward_gemm(Y, X, W, b, p);
     },
     [](TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY, const TensorT<T>& X,
        const TensorT<T>& W, ConvTranspose2dParams p) { conv_transpose2d_backward_gemm(dX, dW, db, dY, X, W, p); }},
};

}  // namespace dl
