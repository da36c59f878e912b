#include "dl/ops/tape_ops.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/attention.hpp"
#include "dl/ops/conv.hpp"
#include "dl/ops/pooling.hpp"

#include <vector>

namespace dl {

// Each op below keeps what its chapter's backward kernel needs (the kernel's own cache) in its VJP,
// and returns the kernel's gradients as constants: the VJP is not made of Var ops, so these ops are
// differentiable once (Differentiable::once).

// Chapter 5: Y = conv(X, W) + b through im2col. dW and db accumulate in the kernel, so they start at 0.
template <class T>
Var<T> conv2d(const Var<T>& X, const Var<T>& W, const Var<T>& b, Conv2dParams p) {
    TensorT<T> Y;
    conv2d_forward_im2col(Y, X.value(), W.value(), b.value(), p);
    return record<T>(
        std::move(Y), {X, W, b},
        [p](const Var<T>& dY, const Var<T>&, std::span<const Var<T>> x) {
            TensorT<T> dX(x[0].shape()), dW(x[1].shape()), db(x[2].shape());
            conv2d_backward_im2col(dX, dW, db, dY.value(), x[0].value(), x[1].value(), p);
            return std::vector<Var<T>>{Var<T>(std::move(dX)), Var<T>(std::move(dW)), Var<T>(std::move(db))};
        },
        "conv2d", Differentiable::once);
}

// Chapter 5: the window's winner (argmax, kept) receives the gradient.
template <class T>
Var<T> maxpool2d(const Var<T>& X, std::size_t K, std::size_t S) {
    TensorT<T> Y;
    std::vector<std::size_t> argmax;
    maxpool2d_forward(Y, argmax, X.value(), K, S);
    return record<T>(
        std::move(Y), {X},
        [argmax = std::move(argmax)](const Var<T>& dY, const Var<T>&, std::span<const Var<T>> x) {
            TensorT<T> dX;
            maxpool2d_backward(dX, dY.value(), argmax, x[0].shape());
            return std::vector<Var<T>>{Var<T>(std::move(dX))};
        },
        "maxpool2d", Differentiable::once);
}

// Chapter 7: each row normalised; the row statistics (mean, rstd) kept for the backward.
template <class T>
Var<T> layer_norm(const Var<T>& X, const Var<T>& gamma, const Var<T>& beta) {
    TensorT<T> Y, mean, rstd;
    layernorm_forward(Y, mean, rstd, X.value(), gamma.value(), beta.value());
    return record<T>(
        std::move(Y), {X, gamma, beta},
        [mean = std::move(mean), rstd = std::move(rstd)](const Var<T>& dY, const Var<T>&, std::span<const Var<T>> x) {
            TensorT<T> dX, dgamma(x[1].shape()), dbeta(x[2].shape());
            layernorm_backward(dX, dgamma, dbeta, dY.value(), x[0].value(), mean, rstd, x[1].value());
            return std::vector<Var<T>>{Var<T>(std::move(dX)), Var<T>(std::move(dgamma)), Var<T>(std::move(dbeta))};
        },
        "layer_norm", Differentiable::once);
}

// Chapter 7's exact GELU; its backward reads the input.
template <class T>
Var<T> gelu(const Var<T>& X) {
    TensorT<T> Y;
    gelu_forward(Y, X.value());
    return record<T>(
        std::move(Y), {X},
        [](const Var<T>& dY, const Var<T>&, std::span<const Var<T>> x) {
            TensorT<T> dX;
            gelu_backward(dX, dY.value(), x[0].value());
            return std::vector<Var<T>>{Var<T>(std::move(dX))};
        },
        "gelu", Differentiable::once);
}

// Chapter 7: the attention weights P (kept) carry the softmax and the mask into the backward.
template <class T>
Var<T> attention(const Var<T>& Q, const Var<T>& K, const Var<T>& V, bool causal) {
    TensorT<T> O, P;
    attention_forward(O, P, Q.value(), K.value(), V.value(), causal);
    return record<T>(
        std::move(O), {Q, K, V},
        [P = std::move(P)](const Var<T>& dO, const Var<T>&, std::span<const Var<T>> x) {
            TensorT<T> dQ, dK, dV;
            attention_backward(dQ, dK, dV, dO.value(), x[0].value(), x[1].value(), x[2].value(), P);
            return std::vector<Var<T>>{Var<T>(std::move(dQ)), Var<T>(std::move(dK)), Var<T>(std::move(dV))};
        },
        "attention", Differentiable::once);
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
