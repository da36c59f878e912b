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
    if ((input.size() != 1 && input.size() != 3) || input[0] != features_)
        DL_THROW(ShapeError, "BatchNorm(" << features_ << ") takes examples of shape [" << features_ << "] or images ["
                                          << features_ << ", H, W], got " << to_string(input));
    return input;
}

namespace {
// [N, C, H, W] -> [N·H·W, C]: row (n·H + h)·W + w holds pixel (h, w) of image n, one column per channel.
template <class T>
void images_to_rows(TensorT<T>& rows, const TensorT<T>& X) {
    const std::size_t N = X.dim(0), C = X.dim(1), P = X.dim(2) * X.dim(3);
    rows.resize({N * P, C});
#pragma omp parallel for schedule(static) if (X.size() >= (std::size_t{1} << 17))
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t p = 0; p < P; ++p) rows[(n * P + p) * C + c] = X[(n * C + c) * P + p];
}
// The inverse: rows [N·H·W, C] back into images of `shape` [N, C, H, W].
template <class T>
void rows_to_images(TensorT<T>& X, const TensorT<T>& rows, const Shape& shape) {
    const std::size_t N = shape[0], C = shape[1], P = shape[2] * shape[3];
    X.resize(shape);
#pragma omp parallel for schedule(static) if (X.size() >= (std::size_t{1} << 17))
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t p = 0; p < P; ++p) X[(n * C + c) * P + p] = rows[(n * P + p) * C + c];
}
}  // namespace

template <class T>
const TensorT<T>& BatchNormT<T>::forward(const TensorT<T>& X, Mode mode) {
    const bool images = X.rank() == 4;
    image_shape_ = images ? X.shape() : Shape{};
    if (images) images_to_rows(rows_, X);
    const TensorT<T>& in = images ? rows_ : X;
    TensorT<T>& out = images ? drows_ : Y_;   // drows_ is free until backward
    if (mode == Mode::train)
        batchnorm_forward_train(out, x_hat_, inv_std_, running_mean_, running_var_, in, gamma_.value, beta_.value,
                                momentum_, eps_);
    else
        batchnorm_forward_eval(out, in, gamma_.value, beta_.value, running_mean_, running_var_, eps_);
    if (images) rows_to_images(Y_, drows_, image_shape_);
    return Y_;
}

template <class T>
const TensorT<T>& BatchNormT<T>::backward(const TensorT<T>& dY) {
    if (image_shape_.empty()) {
        batchnorm_backward(dX_, gamma_.grad, beta_.grad, dY, x_hat_, inv_std_, gamma_.value);
        return dX_;
    }
    images_to_rows(rows_, dY);
    batchnorm_backward(drows_, gamma_.grad, beta_.grad, rows_, x_hat_, inv_std_, gamma_.value);
    rows_to_images(dX_, drows_, image_shape_);
    return dX_;
}

template class DropoutT<float>;
template class DropoutT<double>;
template class BatchNormT<float>;
template class BatchNormT<double>;

}  // namespace dl::nn
