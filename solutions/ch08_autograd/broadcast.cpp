#include "dl/ops/tape_ops.hpp"

#include "dl/exercise.hpp"

namespace dl {

// Broadcasting copied element j of `shape` to every place it fills; its adjoint adds those places
// back into j.
template <class T>
void sum_to_shape(TensorT<T>& out, const TensorT<T>& g, const Shape& shape) {
    out.resize(shape);
    out.fill(T(0));
    for_each_broadcast(g.shape(), shape, [&](std::size_t i_g, std::size_t i_out) { out[i_out] += g[i_g]; });
}

namespace {

// Y = f(A, B) elementwise over the broadcast shape.
template <class T, class F>
TensorT<T> elementwise(const TensorT<T>& a, const TensorT<T>& b, F f) {
    const Shape shape = a.shape() == b.shape() ? a.shape() : broadcast_shape(a.shape(), b.shape());
    TensorT<T> y(shape);
    if (a.shape() == shape)   // one pass when A already has the result's shape (X + bias): B's index moves
        for_each_broadcast(shape, b.shape(), [&](std::size_t o, std::size_t i) { y[o] = f(a[o], b[i]); });
    else if (b.shape() == shape)
        for_each_broadcast(shape, a.shape(), [&](std::size_t o, std::size_t i) { y[o] = f(a[i], b[o]); });
    else {   // both broadcast ([4, 1] with [1, 3]): A's elements first, then B's
        for_each_broadcast(shape, a.shape(), [&](std::size_t o, std::size_t i) { y[o] = a[i]; });
        for_each_broadcast(shape, b.shape(), [&](std::size_t o, std::size_t i) { y[o] = f(y[o], b[i]); });
    }
    return y;
}

}  // namespace

template <class T>
Var<T> add(const Var<T>& A, const Var<T>& B) {
    return record<T>(
        elementwise(A.value(), B.value(), [](T a, T b) { return a + b; }), {A, B},
        [](const Var<T>& dY, const Var<T>&, std::span<const Var<T>> x) {
            return std::vector<Var<T>>{sum_to(dY, x[0].shape()), sum_to(dY, x[1].shape())};
        },
        "add");
}

template <class T>
Var<T> sub(const Var<T>& A, const Var<T>& B) {
    return record<T>(
        elementwise(A.value(), B.value(), [](T a, T b) { return a - b; }), {A, B},
        [](const Var<T>& dY, const Var<T>&, std::span<const Var<T>> x) {
            return std::vector<Var<T>>{sum_to(dY, x[0].shape()), scale(sum_to(dY, x[1].shape()), T(-1))};
        },
        "sub");
}

template <class T>
Var<T> mul(const Var<T>& A, const Var<T>& B) {
    return record<T>(
        elementwise(A.value(), B.value(), [](T a, T b) { return a * b; }), {A, B},
        [](const Var<T>& dY, const Var<T>&, std::span<const Var<T>> x) {
            std::vector<Var<T>> dx(2);
            if (x[0].requires_grad()) dx[0] = sum_to(mul(dY, x[1]), x[0].shape());
            if (x[1].requires_grad()) dx[1] = sum_to(mul(dY, x[0]), x[1].shape());
            return dx;
        },
        "mul");
}

template <class T>
Var<T> div(const Var<T>& A, const Var<T>& B) {
    return record<T>(
        elementwise(A.value(), B.value(), [](T a, T b) { return a / b; }), {A, B},
        [](const Var<T>& dY, const Var<T>& Y, std::span<const Var<T>> x) {
            std::vector<Var<T>> dx(2);
            const Var<T> dY_over_B = div(dY, x[1]);
            if (x[0].requires_grad()) dx[0] = sum_to(dY_over_B, x[0].shape());
            if (x[1].requires_grad()) dx[1] = scale(sum_to(mul(dY_over_B, Y), x[1].shape()), T(-1));
            return dx;
        },
        "div");
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
