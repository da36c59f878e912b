#include "dl/ops/tape_ops.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/attention.hpp"
#include "dl/ops/conv.hpp"
#include "dl/ops/pooling.hpp"

#include <vector>

namespace dl {

template <class T>
Var<T> conv2d(const Var<T>& X, const Var<T>& W, const Var<T>& b, Conv2dParams p) {
    // Hint: conv2d_forward_im2col; the VJP calls conv2d_backward_im2col with dW and db zeroed
    // first (it adds into them) and returns the three as constant Vars. Record with
    // Differentiable::once: this VJP is a kernel, not Var ops.
    DL_TODO("ch08.conv2d");   // lesson: chapters/ch08_autograd/README.md#conv2d
}

template <class T>
Var<T> maxpool2d(const Var<T>& X, std::size_t K, std::size_t S) {
    // Hint: move the argmax the forward fills into the VJP's capture ([argmax = std::move(argmax)]).
    DL_TODO("ch08.maxpool2d");   // lesson: chapters/ch08_autograd/README.md#maxpool2d
}

template <class T>
Var<T> layer_norm(const Var<T>& X, const Var<T>& gamma, const Var<T>& beta) {
    // Hint: keep mean and rstd from layernorm_forward for layernorm_backward.
    DL_TODO("ch08.layer_norm");   // lesson: chapters/ch08_autograd/README.md#layer-norm
}

template <class T>
Var<T> gelu(const Var<T>& X) {
    DL_TODO("ch08.gelu");   // lesson: chapters/ch08_autograd/README.md#gelu
}

template <class T>
Var<T> attention(const Var<T>& Q, const Var<T>& K, const Var<T>& V, bool causal) {
    // Hint: attention_forward fills P, the weights attention_backward needs.
    DL_TODO("ch08.attention");   // lesson: chapters/ch08_autograd/README.md#attention
}

#define DL_INSTANTIATE(T)                                                                \
    template Var<T> conv2d(const Var<T>&, const Var<T>&, const Var<T>&, Conv2dParams);   \
    template Var<T> maxpool2d(const Var<T>&, std::size_t, std::size_t);                  \
    template Var<T> layer_norm(const Var<T>&, const Var<T>&, const Var<T>&);             \
    template Var<T> gelu(const Var<T>&);                                                 \
    template Var<T> attention(const Var<T>&, const Var<T>&, const Var<T>&, bool);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
