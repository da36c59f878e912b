#include "dl/nn/logistic.hpp"

#include "dl/ops/dot.hpp"
#include "dl/ops/logistic.hpp"

namespace dl::nn {

template <class T>
LogisticT<T>::LogisticT(std::size_t inputs, Rng& rng) : w_("w", TensorT<T>({inputs})), b_("b", TensorT<T>({1})) {
    for (auto& v : w_.value) v = static_cast<T>(rng.normal(0.0, 0.01));
}

template <class T>
Shape LogisticT<T>::output_shape(const Shape& input) const {
    check_shape(input, {w_.value.size()}, "Logistic", "input (one example)");
    return {1};
}

template <class T>
const TensorT<T>& LogisticT<T>::forward(const TensorT<T>& X, Mode) {
    DL_CHECK(X.rank() == 2 && X.dim(1) == w_.value.size(),
             "Logistic::forward: X has shape " << to_string(X.shape()) << ", expected [N, " << w_.value.size() << "]");
    X_ = X;
    const std::size_t n = X.dim(0);
    Z_.resize({n, 1});
    for (std::size_t i = 0; i < n; ++i) Z_[i] = dot_naive<T>(X.row(i), w_.value.span()) + b_.value[0];
    sigmoid_forward(P_, Z_);
    return P_;
}

template <class T>
const TensorT<T>& LogisticT<T>::backward(const TensorT<T>& dY) {
    sigmoid_backward(dZ_, dY, P_);
    const std::size_t n = X_.dim(0), in = X_.dim(1);
    dX_.resize(X_.shape());
    for (std::size_t i = 0; i < n; ++i) {
        const T dz = dZ_[i];
        const auto x = X_.row(i);
        auto dx = dX_.row(i);
        for (std::size_t j = 0; j < in; ++j) {
            w_.grad[j] += dz * x[j];
            dx[j] = dz * w_.value[j];
        }
        b_.grad[0] += dz;
    }
    return dX_;
}

template class LogisticT<float>;
template class LogisticT<double>;

}  // namespace dl::nn
