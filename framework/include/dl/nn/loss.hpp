#pragma once
// A loss turns the model's output and the labels into one number, and gives the gradient of that
// number with respect to the output (the dY that starts the backward pass).

#include "dl/tensor.hpp"

#include <span>
#include <string>
#include <vector>

namespace dl::nn {

template <class T>
class LossT {
public:
    virtual ~LossT() = default;
    virtual std::string kind() const = 0;
    // The mean loss over the batch; keeps what backward needs.
    virtual T forward(const TensorT<T>& output, std::span<const int> labels) = 0;
    // dL/d(output), same shape as the output of the last forward.
    virtual const TensorT<T>& backward() = 0;
    // The predicted class of each example of an output batch.
    virtual std::vector<int> predict(const TensorT<T>& output) const = 0;
};

// Binary cross-entropy on probabilities P: [N, 1] against labels in {0, 1}; predicts 1 when p > 0.5.
template <class T>
class BinaryCrossEntropyT final : public LossT<T> {
public:
    std::string kind() const override { return "BinaryCrossEntropy"; }
    T forward(const TensorT<T>& output, std::span<const int> labels) override;
    const TensorT<T>& backward() override;
    std::vector<int> predict(const TensorT<T>& output) const override;

private:
    TensorT<T> P_, Y_, dP_;
};

// Softmax cross-entropy on logits Z: [N, K] against labels in 0..K−1; predicts the argmax.
// (The softmax lives in the loss, so the model's last layer outputs logits.) With label_smoothing
// ε > 0, against chapter 4's smoothed targets (dl/ops/label_smoothing.hpp).
template <class T>
class SoftmaxCrossEntropyT final : public LossT<T> {
public:
    explicit SoftmaxCrossEntropyT(double label_smoothing = 0);
    std::string kind() const override { return "SoftmaxCrossEntropy"; }
    double label_smoothing() const { return label_smoothing_; }
    T forward(const TensorT<T>& output, std::span<const int> labels) override;
    const TensorT<T>& backward() override;
    std::vector<int> predict(const TensorT<T>& output) const override;

private:
    double label_smoothing_;
    TensorT<T> P_, dZ_;
    std::vector<int> labels_;
};

// Mean squared error between the output [N, K] and the one-hot labels; predicts the argmax.
template <class T>
class MeanSquaredErrorT final : public LossT<T> {
public:
    std::string kind() const override { return "MeanSquaredError"; }
    T forward(const TensorT<T>& output, std::span<const int> labels) override;
    const TensorT<T>& backward() override;
    std::vector<int> predict(const TensorT<T>& output) const override;

private:
    TensorT<T> Y_, target_, dY_;
};

using Loss = LossT<float>;
using BinaryCrossEntropy = BinaryCrossEntropyT<float>;
using SoftmaxCrossEntropy = SoftmaxCrossEntropyT<float>;
using MeanSquaredError = MeanSquaredErrorT<float>;

}  // namespace dl::nn
