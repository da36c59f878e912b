#include "dl/ops/label_smoothing.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace dl {

namespace {
template <class T>
void check_arguments(const TensorT<T>& Z, std::span<const int> labels, double epsilon, const char* where) {
    DL_CHECK(epsilon >= 0 && epsilon <= 1, where << ": epsilon = " << epsilon << " must be in [0, 1]");
    DL_CHECK(Z.rank() == 2 && Z.dim(0) == labels.size() && Z.dim(0) > 0,
             where << ": logits of shape " << to_string(Z.shape()) << " for " << labels.size()
                   << " labels (expected [N, K] with N = the number of labels, N > 0)");
    for (std::size_t n = 0; n < labels.size(); ++n)
        DL_CHECK(labels[n] >= 0 && static_cast<std::size_t>(labels[n]) < Z.dim(1),
                 where << ": label " << labels[n] << " of example " << n << " is not a class in 0.." << Z.dim(1) - 1);
}
}  // namespace

// q[n, k] = (1 − ε)[k = y_n] + ε/K;  L = −(1/N) Σ_n Σ_k q[n, k] log P[n, k],
// log P[n, k] = (z_k − m) − log Σ_j e^(z_j − m).
template <class T>
T label_smoothing_forward(TensorT<T>& P, const TensorT<T>& Z, std::span<const int> labels, double epsilon) {
    check_arguments(Z, labels, epsilon, "label_smoothing_forward");
    const std::size_t n = Z.dim(0), k = Z.dim(1);
    const T off = static_cast<T>(epsilon / static_cast<double>(k)), on = static_cast<T>(1 - epsilon) + off;
    P.resize(Z.shape());
    T loss = 0;
    for (std::size_t r = 0; r < n; ++r) {
        const auto z = Z.row(r);
        auto p = P.row(r);
        const T m = *std::max_element(z.begin(), z.end());
        T sum = 0;
        for (std::size_t j = 0; j < k; ++j) sum += (p[j] = std::exp(z[j] - m));
        const T log_sum = std::log(sum);
        for (std::size_t j = 0; j < k; ++j) {
            p[j] /= sum;
            const T q = static_cast<std::size_t>(labels[r]) == j ? on : off;
            loss -= q * (z[j] - m - log_sum);
        }
    }
    return loss / static_cast<T>(n);
}

// dZ = (P − q) / N.
template <class T>
void label_smoothing_backward(TensorT<T>& dZ, const TensorT<T>& P, std::span<const int> labels, double epsilon) {
    check_arguments(P, labels, epsilon, "label_smoothing_backward");
    const std::size_t n = P.dim(0), k = P.dim(1);
    const T off = static_cast<T>(epsilon / static_cast<double>(k)), on = static_cast<T>(1 - epsilon) + off;
    const T inv_n = T(1) / static_cast<T>(n);
    dZ.resize(P.shape());
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t j = 0; j < k; ++j)
            dZ(r, j) = (P(r, j) - (static_cast<std::size_t>(labels[r]) == j ? on : off)) * inv_n;
}

#define DL_INSTANTIATE(T)                                                                                 \
    template T label_smoothing_forward(TensorT<T>&, const TensorT<T>&, std::span<const int>, double);     \
    template void label_smoothing_backward(TensorT<T>&, const TensorT<T>&, std::span<const int>, double);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
