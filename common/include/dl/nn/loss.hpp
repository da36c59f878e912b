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

using Loss = LossT<float>;
using BinaryCrossEntropy = BinaryCrossEntropyT<float>;

}  // namespace dl::nn
