#include "dl/ops/tape_ops.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/attention.hpp"
#include "dl/ops/softmax_cross_entropy.hpp"

#include <vector>

namespace dl {

template <class T>
Var<T> matmul(const Var<T>& A, const Var<T>& B, Trans ta, Trans tb) {
    // Hint: check both are matrices and the inner sizes agree (ShapeError naming both shapes); C is
    // [M, N]; one gemm_blocked with the flags and the stored rows' lengths as leading dimensions.
    // The VJP is two more matmul calls (Var ops, so it is differentiable again): for ta = no,
    // dA = matmul(dC, B, no, the flip of tb); for ta = yes, dA = matmul(B, dC, tb, yes). Work dB out
    // the same way from C = op(A) op(B).
    DL_TODO("ch08.matmul");   // lesson: chapters/ch08_autograd/README.md#matmul
}

template <class T>
Var<T> sum(const Var<T>& X) {
    // Hint: the result is [1]; its VJP is broadcast_to(dY, X's shape).
    DL_TODO("ch08.reductions");   // lesson: chapters/ch08_autograd/README.md#reductions
}

template <class T>
Var<T> sum_last_axis(const Var<T>& X) {
    // Hint: sum_to_shape to X's shape with the last axis 1.
    DL_TODO("ch08.reductions");   // lesson: chapters/ch08_autograd/README.md#reductions
}

template <class T>
Var<T> softmax(const Var<T>& X) {
    // Hint: chapter 7's softmax_forward; the VJP mul(Y, sub(dY, sum_last_axis(mul(dY, Y)))).
    DL_TODO("ch08.softmax");   // lesson: chapters/ch08_autograd/README.md#softmax
}

template <class T>
Var<T> softmax_cross_entropy(const Var<T>& Z, std::span<const int> labels) {
    // Hint: chapter 2's softmax_cross_entropy_forward gives the loss and P. Capture P and the
    // one-hot labels in the VJP: dZ = (P − onehot) ⊙ dy / N, with scale(dy, 1/N) broadcast by mul.
    // When the VJP is being recorded (grad_enabled() inside it), use softmax(x[0]) instead of P so
    // the gradient knows how P depends on Z.
    DL_TODO("ch08.softmax_cross_entropy");   // lesson: chapters/ch08_autograd/README.md#softmax-cross-entropy
}

#define DL_INSTANTIATE(T)                                                            \
    template Var<T> matmul(const Var<T>&, const Var<T>&, Trans, Trans);              \
    template Var<T> sum(const Var<T>&);                                              \
    template Var<T> sum_last_axis(const Var<T>&);                                    \
    template Var<T> softmax(const Var<T>&);                                          \
    template Var<T> softmax_cross_entropy(const Var<T>&, std::span<const int>);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
