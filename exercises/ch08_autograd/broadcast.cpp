#include "dl/ops/tape_ops.hpp"

#include "dl/exercise.hpp"

namespace dl {

template <class T>
void sum_to_shape(TensorT<T>& out, const TensorT<T>& g, const Shape& shape) {
    // Hint: resize out to `shape` and zero it, then for_each_broadcast(g.shape(), shape, ...) hands
    // you every (index in g, index in out) pair: add g's element into out's.
    DL_TODO("ch08.sum_to_shape");   // lesson: chapters/ch08_autograd/README.md#sum-to-shape
}

template <class T>
Var<T> add(const Var<T>& A, const Var<T>& B) {
    // Hint: the result's shape is broadcast_shape(A.shape(), B.shape()); for_each_broadcast gives
    // the element of A (and of B) behind each of its elements. Then
    //   record<T>(result, {A, B}, [](const Var<T>& dY, const Var<T>& Y, std::span<const Var<T>> x) {
    //       return std::vector<Var<T>>{dA, dB}; }, "add")
    // where dA = sum_to(dY, x[0].shape()): each input gets the gradient of its own shape.
    DL_TODO("ch08.binary_ops");   // lesson: chapters/ch08_autograd/README.md#binary-ops
}

template <class T>
Var<T> sub(const Var<T>& A, const Var<T>& B) {
    // Hint: as add; B's gradient is negated (scale by −1).
    DL_TODO("ch08.binary_ops");   // lesson: chapters/ch08_autograd/README.md#binary-ops
}

template <class T>
Var<T> mul(const Var<T>& A, const Var<T>& B) {
    // Hint: write the VJP with Var ops (mul, sum_to) on x[0] and x[1], not on their values, so the
    // gradient can be differentiated again. An input that does not require_grad() may get an
    // undefined Var (Var<T>()).
    DL_TODO("ch08.binary_ops");   // lesson: chapters/ch08_autograd/README.md#binary-ops
}

template <class T>
Var<T> div(const Var<T>& A, const Var<T>& B) {
    // Hint: dB = −sum_to(dY ⊙ Y / B): the VJP is handed the output Y, so Y need not be recomputed.
    DL_TODO("ch08.binary_ops");   // lesson: chapters/ch08_autograd/README.md#binary-ops
}

#define DL_INSTANTIATE(T)                                                          \
    template void sum_to_shape(TensorT<T>&, const TensorT<T>&, const Shape&);      \
    template Var<T> add(const Var<T>&, const Var<T>&);                             \
    template Var<T> sub(const Var<T>&, const Var<T>&);                             \
    template Var<T> mul(const Var<T>&, const Var<T>&);                             \
    template Var<T> div(const Var<T>&, const Var<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
