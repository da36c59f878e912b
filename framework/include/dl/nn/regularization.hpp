#pragma once
// Chapter 4's layers: dropout and batch normalisation. Both behave differently in training and in
// evaluation (Mode), which is why forward() takes the mode.

#include "dl/nn/layer.hpp"
#include "dl/rng.hpp"

#include <cstdint>

namespace dl::nn {

// Inverted dropout with drop probability p: in training, each activation is zeroed with probability
// p and the others are scaled by 1/(1 − p); in evaluation it is the identity. Any shape.
template <class T>
class DropoutT final : public LayerT<T> {
public:
    // The layer draws its masks from its own generator (so a model is reproducible); reseed() it
    // from the model's generator once the model is built (mlp does), so that adding dropout does not
    // change the other layers' initial weights.
    explicit DropoutT(double p, std::uint64_t seed = 1);
    void reseed(std::uint64_t seed) { rng_ = Rng(seed); }
    std::string kind() const override { return "Dropout"; }
    Shape output_shape(const Shape& input) const override { return input; }
    const TensorT<T>& forward(const TensorT<T>& X, Mode mode) override;
    const TensorT<T>& backward(const TensorT<T>& dY) override;
    std::vector<Rng*> generators() override { return {&rng_}; }
    double p() const { return p_; }

private:
    double p_;
    Rng rng_;
    bool masked_ = false;   // whether the last forward was a training one
    TensorT<T> mask_, Y_, dX_;
};

// Batch normalisation of [N, D] inputs, per feature: training normalises with the batch's mean and
// variance and updates the running ones; evaluation uses the running ones. Parameters γ (ones) and
// β (zeros), [D]; running mean 0 and variance 1 at the start; momentum 0.1 and ε 1e-5 (PyTorch's).
// Images [N, C, H, W] are normalised per channel (PyTorch's BatchNorm2d): each of the N·H·W
// pixels of a channel is one row of the same [N·H·W, C] computation.
template <class T>
class BatchNormT final : public LayerT<T> {
public:
    explicit BatchNormT(std::size_t features, double momentum = 0.1, double eps = 1e-5);
    std::string kind() const override { return "BatchNorm"; }
    Shape output_shape(const Shape& input) const override;
    const TensorT<T>& forward(const TensorT<T>& X, Mode mode) override;
    const TensorT<T>& backward(const TensorT<T>& dY) override;
    std::vector<ParameterT<T>*> parameters() override { return {&gamma_, &beta_}; }
    std::vector<TensorT<T>*> buffers() override { return {&running_mean_, &running_var_}; }
    const TensorT<T>& running_mean() const { return running_mean_; }
    const TensorT<T>& running_var() const { return running_var_; }

private:
    std::size_t features_;
    T momentum_, eps_;
    ParameterT<T> gamma_, beta_;
    TensorT<T> running_mean_, running_var_;
    TensorT<T> x_hat_, inv_std_, Y_, dX_;
    Shape image_shape_;         // [N, C, H, W] of the last forward's images (empty for [N, D])
    TensorT<T> rows_, drows_;   // images as rows [N·H·W, C], and their gradient
};

using Dropout = DropoutT<float>;
using BatchNorm = BatchNormT<float>;

}  // namespace dl::nn
