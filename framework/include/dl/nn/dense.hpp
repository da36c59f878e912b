#pragma once
// Dense (fully connected) layer: Y = X · Wᵀ + b (chapter 2's dense_forward / dense_backward).
//   X: [N, in]   W: [out, in]   b: [out]   Y: [N, out]

#include "dl/nn/layer.hpp"
#include "dl/rng.hpp"

namespace dl::nn {

// How the weights start (the biases start at 0): Xavier for tanh/sigmoid, He for ReLU.
enum class Init { xavier, he };

template <class T>
class DenseT final : public LayerT<T> {
public:
    DenseT(std::size_t inputs, std::size_t outputs, Init init, Rng& rng);

    std::string kind() const override { return "Dense"; }
    Shape output_shape(const Shape& input) const override;
    const TensorT<T>& forward(const TensorT<T>& X, Mode mode) override;
    const TensorT<T>& backward(const TensorT<T>& dY) override;
    std::vector<ParameterT<T>*> parameters() override { return {&W_, &b_}; }

    ParameterT<T>& W() { return W_; }
    ParameterT<T>& b() { return b_; }

private:
    ParameterT<T> W_, b_;
    TensorT<T> X_, Y_, dX_;
};

using Dense = DenseT<float>;

}  // namespace dl::nn
