#include "dl/ops/tape_ops.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/attention.hpp"
#include "dl/ops/softmax_cross_entropy.hpp"

#include <vector>

namespace dl {

namespace {

Trans flip(Trans t) { return t == Trans::no ? Trans::yes : Trans::no; }

}  // namespace

// C [M, N] = op(A) [M, K] · op(B) [K, N], one gemm_blocked.
template <class T>
Var<T> matmul(const Var<T>& A, const Var<T>& B, Trans ta, Trans tb) {
    const Shape &a = A.shape(), &b = B.shape();
    DL_CHECK(a.size() == 2 && b.size() == 2, "matmul: operands must be matrices, got " << to_string(a) << " and "
                                                                                       << to_string(b));
    const std::size_t M = ta == Trans::no ? a[0] : a[1], K = ta == Trans::no ? a[1] : a[0];
    const std::size_t Kb = tb == Trans::no ? b[0] : b[1], N = tb == Trans::no ? b[1] : b[0];
    if (K != Kb)
        DL_THROW(ShapeError, "matmul: op(A) is [" << M << ", " << K << "] but op(B) is [" << Kb << ", " << N
                                                  << "] (A " << to_string(a) << (ta == Trans::yes ? "ᵀ" : "")
                                                  << ", B " << to_string(b) << (tb == Trans::yes ? "ᵀ" : "") << ")");
    TensorT<T> C({M, N});
    gemm_blocked<T>(ta, tb, M, N, K, T(1), A.value().data(), a[1], B.value().data(), b[1], T(0), C.data(), N);
    return record<T>(
        std::move(C), {A, B},
        [ta, tb](const Var<T>& dC, const Var<T>&, std::span<const Var<T>> x) {
            std::vector<Var<T>> dx(2);
            // dop(A) = dC op(B)ᵀ; when A is stored transposed, dA = (dC op(B)ᵀ)ᵀ = op(B) dCᵀ.
            if (x[0].requires_grad())
                dx[0] = ta == Trans::no ? matmul(dC, x[1], Trans::no, flip(tb)) : matmul(x[1], dC, tb, Trans::yes);
            // dop(B) = op(A)ᵀ dC; when B is stored transposed, dB = dCᵀ op(A).
            if (x[1].requires_grad())
                dx[1] = tb == Trans::no ? matmul(x[0], dC, flip(ta), Trans::no) : matmul(dC, x[0], Trans::yes, ta);
            return dx;
        },
        "matmul");
}

template <class T>
Var<T> sum(const Var<T>& X) {
    T total = 0;
    for (T v : X.value()) total += v;
    return record<T>(
        TensorT<T>({1}, total), {X},
        [](const Var<T>& dY, const Var<T>&, std::span<const Var<T>> x) {
            return std::vector<Var<T>>{broadcast_to(dY, x[0].shape())};
        },
        "sum");
}

template <class T>
Var<T> sum_last_axis(const Var<T>& X) {
    const Shape& s = X.shape();
    DL_CHECK(!s.empty(), "sum_last_axis: a tensor with no axes");
    Shape kept = s;
    kept.back() = 1;
    TensorT<T> y;
    sum_to_shape(y, X.value(), kept);
    return record<T>(
        std::move(y), {X},
        [](const Var<T>& dY, const Var<T>&, std::span<const Var<T>> x) {
            return std::vector<Var<T>>{broadcast_to(dY, x[0].shape())};
        },
        "sum_last_axis");
}

template <class T>
Var<T> softmax(const Var<T>& X) {
    TensorT<T> y;
    softmax_forward(y, X.value());
    return record<T>(
        std::move(y), {X},
        [](const Var<T>& dY, const Var<T>& Y, std::span<const Var<T>>) {
            return std::vector<Var<T>>{mul(Y, sub(dY, sum_last_axis(mul(dY, Y))))};
        },
        "softmax");
}

// The forward's probabilities P serve a plain backward. When the backward is recorded (create_graph),
// softmax(Z) is computed again as an op of Z, so the gradient knows how it depends on Z.
template <class T>
Var<T> softmax_cross_entropy(const Var<T>& Z, std::span<const int> labels) {
    DL_CHECK(Z.shape().size() == 2, "softmax_cross_entropy: logits must be [N, K], got " << to_string(Z.shape()));
    TensorT<T> P;
    const T loss = softmax_cross_entropy_forward(P, Z.value(), labels);
    TensorT<T> onehot(P.shape());
    for (std::size_t n = 0; n < labels.size(); ++n) onehot(n, static_cast<std::size_t>(labels[n])) = T(1);
    const T inv_n = T(1) / static_cast<T>(labels.size());
    return record<T>(
        TensorT<T>({1}, loss), {Z},
        [P = std::move(P), onehot = std::move(onehot), inv_n](const Var<T>& dy, const Var<T>&,
                                                             std::span<const Var<T>> x) {
            const Var<T> probabilities = grad_enabled() ? softmax(x[0]) : Var<T>(P);
            return std::vector<Var<T>>{mul(sub(probabilities, Var<T>(onehot)), scale(dy, inv_n))};
        },
        "softmax_cross_entropy");
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
