#pragma once
// Logistic regression as a layer: one linear unit followed by the sigmoid.
//   X: [N, in]   w: [in]   b: [1]   P: [N, 1]
//   forward    z_n = w · x_n + b,   p_n = σ(z_n)
//   backward   dz = dP ⊙ p ⊙ (1 − p),   dw += Σ_n dz_n x_n,   db += Σ_n dz_n,   dX_n = dz_n w
// It is built from chapter 1's exercises (dot_naive, sigmoid_forward, sigmoid_backward).

#include "dl/nn/layer.hpp"
#include "dl/rng.hpp"

namespace dl::nn {

template <class T>
class LogisticT final : public LayerT<T> {
public:
    // Weights start at small random values N(0, 0.01²), the bias at 0.
    LogisticT(std::size_t inputs, Rng& rng);

    std::string kind() const override { return "Logistic"; }
    Shape output_shape(const Shape& input) const override;
    const TensorT<T>& forward(const TensorT<T>& X, Mode mode) override;
    const TensorT<T>& backward(const TensorT<T>& dY) override;
    std::vector<ParameterT<T>*> parameters() override { return {&w_, &b_}; }

    ParameterT<T>& w() { return w_; }
    ParameterT<T>& b() { return b_; }

private:
    ParameterT<T> w_, b_;
    TensorT<T> X_, Z_, P_, dZ_, dX_;
};

using Logistic = LogisticT<float>;

}  // namespace dl::nn
