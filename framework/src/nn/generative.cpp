#include "dl/nn/generative.hpp"

#include "dl/ops/generative.hpp"
#include "dl/ops/init.hpp"

#include <iterator>

namespace dl::nn {

namespace {
std::size_t conv_transpose_algorithm_index(const std::string& name) {
    for (std::size_t i = 0; i < std::size(conv_transpose2d_variants<float>); ++i)
        if (name == conv_transpose2d_variants<float>[i].name) return i;
    DL_THROW(UsageError, "the transposed convolution's algorithm must be naive or gemm, got '" << name << "'");
}
std::size_t ceil_div(std::size_t a, std::size_t b) { return (a + b - 1) / b; }
}  // namespace

template <class T>
ConvTranspose2DT<T>::ConvTranspose2DT(std::size_t in_channels, std::size_t out_channels, std::size_t kernel_h,
                                      std::size_t kernel_w, ConvTranspose2dParams params, Rng& rng,
                                      const std::string& algorithm)
    : W_("W", TensorT<T>({in_channels, out_channels, kernel_h, kernel_w})), b_("b", TensorT<T>({out_channels})),
      params_(params), algorithm_(conv_transpose_algorithm_index(algorithm)) {
    DL_CHECK(in_channels > 0 && out_channels > 0 && kernel_h > 0 && kernel_w > 0 && params.stride > 0 &&
                 params.output_padding < params.stride,
             "ConvTranspose2D: channels, kernel sizes and stride must be positive, and the output padding "
             "below the stride");
    // Each output sums at most ⌈KH/S⌉·⌈KW/S⌉ stamps from each input channel.
    he_normal(W_.value, in_channels * ceil_div(kernel_h, params.stride) * ceil_div(kernel_w, params.stride), rng);
}

template <class T>
Shape ConvTranspose2DT<T>::output_shape(const Shape& input) const {
    if (input.size() != 3 || input[0] != W_.value.dim(0))
        DL_THROW(ShapeError, "ConvTranspose2D with " << W_.value.dim(0) << " input channels takes examples of shape ["
                                                     << W_.value.dim(0) << ", H, W], got " << to_string(input));
    return {W_.value.dim(1), conv_transpose_output_size(input[1], W_.value.dim(2), params_),
            conv_transpose_output_size(input[2], W_.value.dim(3), params_)};
}

template <class T>
const TensorT<T>& ConvTranspose2DT<T>::forward(const TensorT<T>& X, Mode) {
    X_ = X;
    conv_transpose2d_variants<T>[algorithm_].forward(Y_, X, W_.value, b_.value, params_);
    return Y_;
}

template <class T>
const TensorT<T>& ConvTranspose2DT<T>::backward(const TensorT<T>& dY) {
    conv_transpose2d_variants<T>[algorithm_].backward(dX_, W_.grad, b_.grad, dY, X_, W_.value, params_);
    return dX_;
}

template <class T>
const TensorT<T>& LeakyReLUT<T>::forward(const TensorT<T>& X, Mode) {
    leaky_relu_forward(Y_, X, slope_);
    return Y_;
}

// With a positive slope, Y > 0 exactly where X > 0: the output stands in for the input (as in the
// ReLU layer), so no copy of X is kept.
template <class T>
const TensorT<T>& LeakyReLUT<T>::backward(const TensorT<T>& dY) {
    leaky_relu_backward(dX_, dY, Y_, slope_);
    return dX_;
}

template <class T>
Shape UnflattenT<T>::output_shape(const Shape& input) const {
    if (input.size() != 1 || input[0] != shape_size(shape_))
        DL_THROW(ShapeError, "Unflatten to " << to_string(shape_) << " takes vectors of " << shape_size(shape_)
                                             << " values, got examples of shape " << to_string(input));
    return shape_;
}

template <class T>
const TensorT<T>& UnflattenT<T>::forward(const TensorT<T>& X, Mode) {
    if (X.rank() != 2) DL_THROW(ShapeError, "Unflatten takes [N, d], got " << to_string(X.shape()));
    output_shape({X.dim(1)});   // throws when d is not the shape's size
    Shape shape{X.dim(0)};
    shape.insert(shape.end(), shape_.begin(), shape_.end());
    Y_ = X;
    Y_.reshape(shape);
    return Y_;
}

template <class T>
const TensorT<T>& UnflattenT<T>::backward(const TensorT<T>& dY) {
    dX_ = dY;
    dX_.reshape({dY.dim(0), shape_size(shape_)});
    return dX_;
}

template <class T>
Shape ReparameterizeT<T>::output_shape(const Shape& input) const {
    if (input.size() != 1 || input[0] != 2 * latent_)
        DL_THROW(ShapeError, "Reparameterize with " << latent_ << " latent dimensions takes [" << 2 * latent_
                                                     << "] (the means, then the log-variances), got " << to_string(input));
    return {latent_};
}

template <class T>
const TensorT<T>& ReparameterizeT<T>::forward(const TensorT<T>& X, Mode mode) {
    if (X.rank() != 2) DL_THROW(ShapeError, "Reparameterize takes [N, 2L], got " << to_string(X.shape()));
    output_shape({X.dim(1)});
    const std::size_t N = X.dim(0), L = latent_;
    mu_.resize({N, L});
    logvar_.resize({N, L});
    eps_.resize({N, L});
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t j = 0; j < L; ++j) {
            mu_[n * L + j] = X[n * 2 * L + j];
            logvar_[n * L + j] = X[n * 2 * L + L + j];
        }
    Rng& rng = mode == Mode::train ? rng_ : eval_rng_;
    for (auto& e : eps_) e = static_cast<T>(rng.normal(0.0, 1.0));
    reparameterize_forward(Z_, mu_, logvar_, eps_);
    kl_ = gaussian_kl_forward(mu_, logvar_);
    return Z_;
}

template <class T>
const TensorT<T>& ReparameterizeT<T>::backward(const TensorT<T>& dY) {
    reparameterize_backward(dmu_, dlogvar_, dY, logvar_, eps_);
    gaussian_kl_backward(dmu_, dlogvar_, mu_, logvar_);   // the KL term's share of the loss
    const std::size_t N = dY.dim(0), L = latent_;
    dX_.resize({N, 2 * L});
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t j = 0; j < L; ++j) {
            dX_[n * 2 * L + j] = dmu_[n * L + j];
            dX_[n * 2 * L + L + j] = dlogvar_[n * L + j];
        }
    return dX_;
}

template class ConvTranspose2DT<float>;
template class ConvTranspose2DT<double>;
template class LeakyReLUT<float>;
template class LeakyReLUT<double>;
template class UnflattenT<float>;
template class UnflattenT<double>;
template class ReparameterizeT<float>;
template class ReparameterizeT<double>;

}  // namespace dl::nn
