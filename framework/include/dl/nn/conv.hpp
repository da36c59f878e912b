#pragma once
// Chapter 5's layers: 2-D convolution and pooling, on images [N, C, H, W] (one example: [C, H, W]).

#include "dl/nn/layer.hpp"
#include "dl/ops/conv.hpp"
#include "dl/rng.hpp"

#include <string>
#include <vector>

namespace dl::nn {

// Which row of conv2d_variants a Conv2D layer runs: "naive" or "im2col" (--conv). Throws
// UsageError naming the choices for any other name.
std::size_t conv_algorithm_index(const std::string& name);

// Convolution with OC filters of C×KH×KW, stride and zero padding (ops/conv.hpp):
//   X: [N, C, H, W]   W: [OC, C, KH, KW] (He-initialised, fan-in C·KH·KW)   b: [OC] (0)   Y: [N, OC, OH, OW]
template <class T>
class Conv2DT final : public LayerT<T> {
public:
    Conv2DT(std::size_t in_channels, std::size_t out_channels, std::size_t kernel_h, std::size_t kernel_w,
            Conv2dParams params, Rng& rng, const std::string& algorithm = "im2col");

    std::string kind() const override { return "Conv2D"; }
    Shape output_shape(const Shape& input) const override;
    const TensorT<T>& forward(const TensorT<T>& X, Mode mode) override;
    const TensorT<T>& backward(const TensorT<T>& dY) override;
    std::vector<ParameterT<T>*> parameters() override { return {&W_, &b_}; }

    ParameterT<T>& W() { return W_; }
    ParameterT<T>& b() { return b_; }
    const char* algorithm() const { return conv2d_variants<T>[algorithm_].name; }
    const Conv2dParams& params() const { return params_; }

private:
    ParameterT<T> W_, b_;
    Conv2dParams params_;
    std::size_t algorithm_;
    TensorT<T> X_, Y_, dX_;
};

// What both poolings share: a K×K window moved with stride S (default S = K: windows side by
// side) over each channel of [C, H, W] examples, and the input's shape kept for backward.
template <class T>
class Pool2DT : public LayerT<T> {
public:
    // `name` is the layer's name in error messages ("MaxPool2D").
    Pool2DT(const char* name, std::size_t size, std::size_t stride);
    Shape output_shape(const Shape& input) const override;
    std::size_t size() const { return size_; }
    std::size_t stride() const { return stride_; }

protected:
    const char* name_;
    std::size_t size_, stride_;
    Shape x_shape_;
    TensorT<T> Y_, dX_;
};

// Max pooling: each window's largest value; backward sends the gradient to it alone.
template <class T>
class MaxPool2DT final : public Pool2DT<T> {
public:
    explicit MaxPool2DT(std::size_t size, std::size_t stride = 0) : Pool2DT<T>("MaxPool2D", size, stride) {}
    std::string kind() const override { return "MaxPooling2D"; }
    const TensorT<T>& forward(const TensorT<T>& X, Mode mode) override;
    const TensorT<T>& backward(const TensorT<T>& dY) override;

private:
    std::vector<std::size_t> argmax_;
};

// Average pooling: each window's mean; backward shares the gradient equally over the window.
template <class T>
class AvgPool2DT final : public Pool2DT<T> {
public:
    explicit AvgPool2DT(std::size_t size, std::size_t stride = 0) : Pool2DT<T>("AvgPool2D", size, stride) {}
    std::string kind() const override { return "AveragePooling2D"; }
    const TensorT<T>& forward(const TensorT<T>& X, Mode mode) override;
    const TensorT<T>& backward(const TensorT<T>& dY) override;
};

using Conv2D = Conv2DT<float>;
using MaxPool2D = MaxPool2DT<float>;
using AvgPool2D = AvgPool2DT<float>;

}  // namespace dl::nn
