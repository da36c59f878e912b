#pragma once
// Chapter 5: pooling over square windows of side K moved with stride S, per channel, no padding.
//   X: [N, C, H, W]   Y: [N, C, OH, OW]   OH = ⌊(H − K) / S⌋ + 1  (conv_output_size with P = 0)
// A 2×2 window with stride 2 halves each side; a leftover row or column (11 → 5) is dropped.

#include "dl/tensor.hpp"

#include <cstddef>
#include <vector>

namespace dl {

// Max pooling: Y[n, c, i, j] = max over the window of X[n, c, i·S + k, j·S + l]. argmax (resized to
// Y's size) keeps, for each output, the flat index into X of the element that won (the first one
// on a tie), because only that element receives gradient. A NaN wins its window wherever it is (the
// first NaN, as PyTorch does): a NaN that appears in training must not vanish.
template <class T>
void maxpool2d_forward(TensorT<T>& Y, std::vector<std::size_t>& argmax, const TensorT<T>& X, std::size_t K,
                       std::size_t S);

// dX[argmax[i]] += dY[i] for every output i, all other elements 0 (dX resized to x_shape and
// overwritten; windows that overlap, S < K, may route several gradients to one element).
template <class T>
void maxpool2d_backward(TensorT<T>& dX, const TensorT<T>& dY, const std::vector<std::size_t>& argmax,
                        const Shape& x_shape);

// Average pooling: Y[n, c, i, j] = (1/K²) Σ over the window of X[n, c, i·S + k, j·S + l].
template <class T>
void avgpool2d_forward(TensorT<T>& Y, const TensorT<T>& X, std::size_t K, std::size_t S);

// Each output's gradient is shared equally by its window: dX[.., i·S + k, j·S + l] += dY[.., i, j] / K²
// (dX resized to x_shape and overwritten).
template <class T>
void avgpool2d_backward(TensorT<T>& dX, const TensorT<T>& dY, const Shape& x_shape, std::size_t K, std::size_t S);

}  // namespace dl
