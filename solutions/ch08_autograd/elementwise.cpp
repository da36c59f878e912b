#include "dl/ops/tape_ops.hpp"

#include "dl/exercise.hpp"

#include <cmath>

namespace dl {

namespace {

template <class T, class F>
TensorT<T> map(const TensorT<T>& x, F f) {
    TensorT<T> y(x.shape());
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = f(x[i]);
    return y;
}

}  // namespace

// The mask [X > 0] is a constant: its own derivative is 0 almost everywhere.
template <class T>
Var<T> relu(const Var<T>& X) {
    return record<T>(
        map(X.value(), [](T x) { return x > T(0) ? x : T(0); }), {X},
        [](const Var<T>& dY, const Var<T>&, std::span<const Var<T>> x) {
            return std::vector<Var<T>>{mul(dY, Var<T>(map(x[0].value(), [](T v) { return T(v > T(0)); })))};
        },
        "relu");
}

// From the output: 1 − Y². Written with Var ops on Y, so the gradient is differentiable again.
template <class T>
Var<T> tanh(const Var<T>& X) {
    return record<T>(
        map(X.value(), [](T x) { return std::tanh(x); }), {X},
        [](const Var<T>& dY, const Var<T>& Y, std::span<const Var<T>>) {
            return std::vector<Var<T>>{sub(dY, mul(dY, mul(Y, Y)))};
        },
        "tanh");
}

template <class T>
Var<T> sigmoid(const Var<T>& X) {
    return record<T>(
        map(X.value(), [](T x) { return T(1) / (T(1) + std::exp(-x)); }), {X},
        [](const Var<T>& dY, const Var<T>& Y, std::span<const Var<T>>) {
            const Var<T> dY_Y = mul(dY, Y);
            return std::vector<Var<T>>{sub(dY_Y, mul(dY_Y, Y))};
        },
        "sigmoid");
}

template <class T>
Var<T> exp(const Var<T>& X) {
    return record<T>(
        map(X.value(), [](T x) { return std::exp(x); }), {X},
        [](const Var<T>& dY, const Var<T>& Y, std::span<const Var<T>>) { return std::vector<Var<T>>{mul(dY, Y)}; },
        "exp");
}

template <class T>
Var<T> log(const Var<T>& X) {
    return record<T>(
        map(X.value(), [](T x) { return std::log(x); }), {X},
        [](const Var<T>& dY, const Var<T>&, std::span<const Var<T>> x) { return std::vector<Var<T>>{div(dY, x[0])}; },
        "log");
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
