#include "dl/ops/pooling.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/conv.hpp"

#include <cstddef>
#include <vector>

namespace dl {

// Y[n, c, i, j] = max_{k, l < K} X[n, c, i·S + k, j·S + l]; argmax holds where that max is in X.
template <class T>
void maxpool2d_forward(TensorT<T>& Y, std::vector<std::size_t>& argmax, const TensorT<T>& X, std::size_t K,
                       std::size_t S) {
    // Hint: OH = conv_output_size(H, K, S, 0) (no padding); resize Y to [N, C, OH, OW] and argmax to
    // Y.size(). Treat the N·C planes one after another. Compare with > (not >=), so that the first
    // maximum of a window wins a tie, and keep its flat index into X. A NaN must win its window
    // wherever it is (x != x is true only for a NaN).
    DL_TODO("ch05.maxpool2d_forward");   // lesson: chapters/ch05_cnn/README.md#maxpool2d-forward
}

// Only the winner of each window moved the output, so only it gets the gradient.
template <class T>
void maxpool2d_backward(TensorT<T>& dX, const TensorT<T>& dY, const std::vector<std::size_t>& argmax,
                        const Shape& x_shape) {
    // Hint: resize dX to x_shape and zero it, then one += per output. Use += rather than =:
    // overlapping windows (S < K) can pick the same element twice.
    DL_TODO("ch05.maxpool2d_backward");   // lesson: chapters/ch05_cnn/README.md#maxpool2d-backward
}

// Y[n, c, i, j] = (1/K²) Σ_{k, l < K} X[n, c, i·S + k, j·S + l]
template <class T>
void avgpool2d_forward(TensorT<T>& Y, const TensorT<T>& X, std::size_t K, std::size_t S) {
    // Hint: the loops of max pooling with a sum instead of a max; nothing to save for backward.
    DL_TODO("ch05.avgpool2d_forward");   // lesson: chapters/ch05_cnn/README.md#avgpool2d-forward
}

// dX[n, c, i·S + k, j·S + l] += dY[n, c, i, j] / K² for every window.
template <class T>
void avgpool2d_backward(TensorT<T>& dX, const TensorT<T>& dY, const Shape& x_shape, std::size_t K, std::size_t S) {
    // Hint: check dY's shape against the pooled shape of x_shape; zero dX, then spread each dY over
    // its window.
    DL_TODO("ch05.avgpool2d_backward");   // lesson: chapters/ch05_cnn/README.md#avgpool2d-backward
}

#define DL_INSTANTIATE(T)                                                                                          \
    template void maxpool2d_forward(TensorT<T>&, std::vector<std::size_t>&, const TensorT<T>&, std::size_t,        \
                                    std::size_t);                                                                  \
    template void maxpool2d_backward(TensorT<T>&, const TensorT<T>&, const std::vector<std::size_t>&, const Shape&); \
    template void avgpool2d_forward(TensorT<T>&, const TensorT<T>&, std::size_t, std::size_t);                     \
    template void avgpool2d_backward(TensorT<T>&, const TensorT<T>&, const Shape&, std::size_t, std::size_t);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
