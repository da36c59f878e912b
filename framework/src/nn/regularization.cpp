#include "dl/nn/regularization.hpp"

#include "dl/ops/batchnorm.hpp"
#include "dl/ops/dropout.hpp"

namespace dl::nn {

template <class T>
DropoutT<T>::DropoutT(double p, std::uint64_t seed) : p_(p), rng_(seed) {
    DL_CHECK(p >= 0 && p < 1, "Dropout: the drop probability p = " << p << " must be in [0, 1)");
}

template <class T>
const TensorT<T>& DropoutT<T>::forward(const TensorT<T>& X, Mode mode) {
    masked_ = mode == Mode::train && p_ > 0;
    if (!masked_) return X;   // evaluation (or p = 0): the identity, nothing to save
    dropout_forward(Y_, mask_, X, static_cast<T>(p_), rng_);
    return Y_;
}

template <class T>
const TensorT<T>& DropoutT<T>::backward(const TensorT<T>& dY) {
    if (!masked_) return dY;
    dropout_backward(dX_, dY, mask_);
    return dX_;
}

template <class T>
BatchNormT<T>::BatchNormT(std::size_t features, double momentum, double eps)
    : features_(features), momentum_(static_cast<T>(momentum)), eps_(static_cast<T>(eps)),
      gamma_("gamma", TensorT<T>({features}, T(1))), beta_("beta", TensorT<T>({features}, T(0))),
      running_mean_({features}, T(0)), running_var_({features}, T(1)) {
    DL_CHECK(features > 0, "BatchNorm: the number of features must be positive");
    DL_CHECK(momentum > 0 && momentum <= 1, "BatchNorm: momentum " << momentum << " must be in (0, 1]");
}

template <class T>
Shape BatchNormT<T>::output_shape(const Shape& input) const {
    if (input.size() != 1 || input[0] != features_)
        DL_THROW(ShapeError, "BatchNorm(" << features_ << ") takes examples of shape [" << features_ << "], got "
                                          << to_string(input));
    return input;
}

template <class T>
const TensorT<T>& BatchNormT<T>::forward(const TensorT<T>& X, Mode mode) {
    if (mode == Mode::train)
        batchnorm_forward_train(Y_, x_hat_, inv_std_, running_mean_, running_var_, X, gamma_.value, beta_.value,
                                momentum_, eps_);
    else
        batchnorm_forward_eval(Y_, X, gamma_.value, beta_.value, running_mean_, running_var_, eps_);
    return Y_;
}

template <class T>
const TensorT<T>& BatchNormT<T>::backward(const TensorT<T>& dY) {
    batchnorm_backward(dX_, gamma_.grad, beta_.grad, dY, x_hat_, inv_std_, gamma_.value);
    return dX_;
}

template class DropoutT<float>;
template class DropoutT<double>;
template class BatchNormT<float>;
template class BatchNormT<double>;

}  // namespace dl::nn
