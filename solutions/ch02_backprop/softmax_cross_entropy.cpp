#include "dl/ops/softmax_cross_entropy.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace dl {

namespace {
template <class T>
void check_labels(const TensorT<T>& Z, std::span<const int> labels, const char* where) {
    DL_CHECK(Z.rank() == 2 && Z.dim(0) == labels.size() && Z.dim(0) > 0,
             where << ": logits of shape " << to_string(Z.shape()) << " for " << labels.size()
                   << " labels (expected [N, K] with N = the number of labels, N > 0)");
    for (std::size_t n = 0; n < labels.size(); ++n)
        DL_CHECK(labels[n] >= 0 && static_cast<std::size_t>(labels[n]) < Z.dim(1),
                 where << ": label " << labels[n] << " of example " << n << " is not a class in 0.." << Z.dim(1) - 1);
}
}  // namespace

// P = softmax(Z) row by row, shifted by the row's maximum so no exponential overflows;
// L = −(1/N) Σ_n log P[n, y_n], with log P computed as (z − m) − log Σ e^(z − m), which never
// takes the log of an underflowed 0.
template <class T>
T softmax_cross_entropy_forward(TensorT<T>& P, const TensorT<T>& Z, std::span<const int> labels) {
    check_labels(Z, labels, "softmax_cross_entropy_forward");
    const std::size_t n = Z.dim(0), k = Z.dim(1);
    P.resize(Z.shape());
    T loss = 0;
    for (std::size_t r = 0; r < n; ++r) {
        const auto z = Z.row(r);
        auto p = P.row(r);
        const T m = *std::max_element(z.begin(), z.end());
        T sum = 0;
        for (std::size_t j = 0; j < k; ++j) sum += (p[j] = std::exp(z[j] - m));
        for (std::size_t j = 0; j < k; ++j) p[j] /= sum;
        loss -= z[static_cast<std::size_t>(labels[r])] - m - std::log(sum);
    }
    return loss / static_cast<T>(n);
}

// dZ = (P − Y) / N.
template <class T>
void softmax_cross_entropy_backward(TensorT<T>& dZ, const TensorT<T>& P, std::span<const int> labels) {
    check_labels(P, labels, "softmax_cross_entropy_backward");
    const std::size_t n = P.dim(0), k = P.dim(1);
    const T inv_n = T(1) / static_cast<T>(n);
    dZ.resize(P.shape());
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t j = 0; j < k; ++j)
            dZ(r, j) = (P(r, j) - (static_cast<std::size_t>(labels[r]) == j ? T(1) : T(0))) * inv_n;
}

#define DL_INSTANTIATE(T)                                                                              \
    template T softmax_cross_entropy_forward(TensorT<T>&, const TensorT<T>&, std::span<const int>);    \
    template void softmax_cross_entropy_backward(TensorT<T>&, const TensorT<T>&, std::span<const int>);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
