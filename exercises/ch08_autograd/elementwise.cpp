#include "dl/ops/tape_ops.hpp"

#include "dl/exercise.hpp"

#include <cmath>

namespace dl {

template <class T>
Var<T> relu(const Var<T>& X) {
    // Hint: the VJP multiplies dY by the mask [X > 0] as a constant Var (it has no gradient of its
    // own): mul(dY, Var<T>(mask)).
    DL_TODO("ch08.unary_ops");   // lesson: chapters/ch08_autograd/README.md#unary-ops
}

template <class T>
Var<T> tanh(const Var<T>& X) {
    // Hint: dX = dY − dY ⊙ Y ⊙ Y with Var ops on the output Y the VJP is handed.
    DL_TODO("ch08.unary_ops");   // lesson: chapters/ch08_autograd/README.md#unary-ops
}

template <class T>
Var<T> sigmoid(const Var<T>& X) {
    DL_TODO("ch08.unary_ops");   // lesson: chapters/ch08_autograd/README.md#unary-ops
}

template <class T>
Var<T> exp(const Var<T>& X) {
    DL_TODO("ch08.unary_ops");   // lesson: chapters/ch08_autograd/README.md#unary-ops
}

template <class T>
Var<T> log(const Var<T>& X) {
    // Hint: dX = div(dY, x[0]), the input as a Var.
    DL_TODO("ch08.unary_ops");   // lesson: chapters/ch08_autograd/README.md#unary-ops
}

#define DL_INSTANTIATE(T)                     \
    template Var<T> relu(const Var<T>&);      \
    template Var<T> tanh(const Var<T>&);      \
    template Var<T> sigmoid(const Var<T>&);   \
    template Var<T> exp(const Var<T>&);       \
    template Var<T> log(const Var<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
