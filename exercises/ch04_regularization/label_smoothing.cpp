#include "dl/ops/label_smoothing.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace dl {

// q[n, k] = (1 − ε)[k = y_n] + ε/K;  L = −(1/N) Σ_n Σ_k q[n, k] log P[n, k],
// log P[n, k] = (z_k − m) − log Σ_j e^(z_j − m).
template <class T>
T label_smoothing_forward(TensorT<T>& P, const TensorT<T>& Z, std::span<const int> labels, double epsilon) {
    // Hint: check ε, the shape and the labels first. Then chapter 2's softmax row by row, and the
    // loss summed over every class of the row, not only the label's: the label's weight is
    // 1 − ε + ε/K, every other class's ε/K.
    DL_TODO("ch04.label_smoothing_forward");   // lesson: chapters/ch04_regularization/README.md#label-smoothing-forward
}

// dZ = (P − q) / N.
template <class T>
void label_smoothing_backward(TensorT<T>& dZ, const TensorT<T>& P, std::span<const int> labels, double epsilon) {
    // Hint: chapter 2's backward with q in place of the one-hot row.
    DL_TODO("ch04.label_smoothing_backward");   // lesson: chapters/ch04_regularization/README.md#label-smoothing-backward
}

#define DL_INSTANTIATE(T)                                                                                 \
    template T label_smoothing_forward(TensorT<T>&, const TensorT<T>&, std::span<const int>, double);     \
    template void label_smoothing_backward(TensorT<T>&, const TensorT<T>&, std::span<const int>, double);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
