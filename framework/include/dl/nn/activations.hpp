#pragma once
// Activation layers: elementwise, no parameters, any shape. Each calls its chapter's ops
// (sigmoid: chapter 1; ReLU and tanh: chapter 2).

#include "dl/nn/layer.hpp"

namespace dl::nn {

template <class T>
class ReLUT final : public LayerT<T> {
public:
    std::string kind() const override { return "ReLU"; }
    Shape output_shape(const Shape& input) const override { return input; }
    const TensorT<T>& forward(const TensorT<T>& X, Mode mode) override;
    const TensorT<T>& backward(const TensorT<T>& dY) override;

private:
    TensorT<T> Y_, dX_;
};

template <class T>
class TanhT final : public LayerT<T> {
public:
    std::string kind() const override { return "Tanh"; }
    Shape output_shape(const Shape& input) const override { return input; }
    const TensorT<T>& forward(const TensorT<T>& X, Mode mode) override;
    const TensorT<T>& backward(const TensorT<T>& dY) override;

private:
    TensorT<T> Y_, dX_;
};

template <class T>
class SigmoidT final : public LayerT<T> {
public:
    std::string kind() const override { return "Sigmoid"; }
    Shape output_shape(const Shape& input) const override { return input; }
    const TensorT<T>& forward(const TensorT<T>& X, Mode mode) override;
    const TensorT<T>& backward(const TensorT<T>& dY) override;

private:
    TensorT<T> Y_, dX_;
};

// [N, d1, d2, ...] -> [N, d1·d2·...]: a reshape, so backward reshapes the gradient back.
template <class T>
class FlattenT final : public LayerT<T> {
public:
    std::string kind() const override { return "Flatten"; }
    Shape output_shape(const Shape& input) const override { return {shape_size(input)}; }
    const TensorT<T>& forward(const TensorT<T>& X, Mode mode) override;
    const TensorT<T>& backward(const TensorT<T>& dY) override;

private:
    Shape input_shape_;
    TensorT<T> Y_, dX_;
};

using ReLU = ReLUT<float>;
using Tanh = TanhT<float>;
using Sigmoid = SigmoidT<float>;
using Flatten = FlattenT<float>;

}  // namespace dl::nn
