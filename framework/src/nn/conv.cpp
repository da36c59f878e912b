#include "dl/nn/conv.hpp"

#include "dl/ops/init.hpp"
#include "dl/ops/pooling.hpp"

namespace dl::nn {

std::size_t conv_algorithm_index(const std::string& name) {
    for (std::size_t i = 0; i < std::size(conv2d_variants<float>); ++i)
        if (name == conv2d_variants<float>[i].name) return i;
    DL_THROW(UsageError, "--conv must be naive or im2col, got '" << name << "'");
}

namespace {
// [C, H, W] -> [C', OH, OW] for a K×K window (stride S, padding P) over one example.
Shape windowed_shape(const char* layer, const Shape& input, std::size_t channels, std::size_t kh, std::size_t kw,
                     Conv2dParams p) {
    if (input.size() != 3)
        DL_THROW(ShapeError, layer << " takes examples of shape [C, H, W], got " << to_string(input));
    return {channels, conv_output_size(input[1], kh, p.stride, p.padding),
            conv_output_size(input[2], kw, p.stride, p.padding)};
}
}  // namespace

template <class T>
Conv2DT<T>::Conv2DT(std::size_t in_channels, std::size_t out_channels, std::size_t kernel_h, std::size_t kernel_w,
                    Conv2dParams params, Rng& rng, const std::string& algorithm)
    : W_("W", TensorT<T>({out_channels, in_channels, kernel_h, kernel_w})), b_("b", TensorT<T>({out_channels})),
      params_(params), algorithm_(conv_algorithm_index(algorithm)) {
    DL_CHECK(in_channels > 0 && out_channels > 0 && kernel_h > 0 && kernel_w > 0 && params.stride > 0,
             "Conv2D: channels, kernel sizes and stride must be positive");
    he_normal(W_.value, in_channels * kernel_h * kernel_w, rng);
}

template <class T>
Shape Conv2DT<T>::output_shape(const Shape& input) const {
    if (input.size() == 3 && input[0] != W_.value.dim(1))
        DL_THROW(ShapeError, "Conv2D with " << W_.value.dim(1) << " input channels got examples of shape "
                                            << to_string(input));
    return windowed_shape("Conv2D", input, W_.value.dim(0), W_.value.dim(2), W_.value.dim(3), params_);
}

template <class T>
const TensorT<T>& Conv2DT<T>::forward(const TensorT<T>& X, Mode) {
    X_ = X;
    conv2d_variants<T>[algorithm_].forward(Y_, X, W_.value, b_.value, params_);
    return Y_;
}

template <class T>
const TensorT<T>& Conv2DT<T>::backward(const TensorT<T>& dY) {
    conv2d_variants<T>[algorithm_].backward(dX_, W_.grad, b_.grad, dY, X_, W_.value, params_);
    return dX_;
}

template <class T>
Pool2DT<T>::Pool2DT(const char* name, std::size_t size, std::size_t stride)
    : name_(name), size_(size), stride_(stride == 0 ? size : stride) {
    DL_CHECK(size > 0, name << ": the window size must be positive");
}

template <class T>
Shape Pool2DT<T>::output_shape(const Shape& input) const {
    return windowed_shape(name_, input, input.empty() ? 0 : input[0], size_, size_, {stride_, 0});
}

template <class T>
const TensorT<T>& MaxPool2DT<T>::forward(const TensorT<T>& X, Mode) {
    this->x_shape_ = X.shape();
    maxpool2d_forward(this->Y_, argmax_, X, this->size_, this->stride_);
    return this->Y_;
}

template <class T>
const TensorT<T>& MaxPool2DT<T>::backward(const TensorT<T>& dY) {
    maxpool2d_backward(this->dX_, dY, argmax_, this->x_shape_);
    return this->dX_;
}

template <class T>
const TensorT<T>& AvgPool2DT<T>::forward(const TensorT<T>& X, Mode) {
    this->x_shape_ = X.shape();
    avgpool2d_forward(this->Y_, X, this->size_, this->stride_);
    return this->Y_;
}

template <class T>
const TensorT<T>& AvgPool2DT<T>::backward(const TensorT<T>& dY) {
    avgpool2d_backward(this->dX_, dY, this->x_shape_, this->size_, this->stride_);
    return this->dX_;
}

template class Conv2DT<float>;
template class Conv2DT<double>;
template class Pool2DT<float>;
template class Pool2DT<double>;
template class MaxPool2DT<float>;
template class MaxPool2DT<double>;
template class AvgPool2DT<float>;
template class AvgPool2DT<double>;

}  // namespace dl::nn
