#pragma once
// Chapter 9's layers: the transposed convolution a generator grows images with, the leaky ReLU of
// a discriminator, and Unflatten (a vector back into an image, Flatten's inverse).

#include "dl/nn/layer.hpp"
#include "dl/ops/conv_transpose.hpp"
#include "dl/rng.hpp"

#include <string>
#include <vector>

namespace dl::nn {

// Transposed convolution from C to OC channels (ops/conv_transpose.hpp):
//   X: [N, C, H, W]   W: [C, OC, KH, KW]   b: [OC] (0)   Y: [N, OC, OH, OW],  OH = (H − 1)·S − 2P + KH + OP
// W is He-initialised for the number of terms each output sums, C·⌈KH/S⌉·⌈KW/S⌉.
// `algorithm` picks the row of conv_transpose2d_variants: "gemm" (default) or "naive".
template <class T>
class ConvTranspose2DT final : public LayerT<T> {
public:
    ConvTranspose2DT(std::size_t in_channels, std::size_t out_channels, std::size_t kernel_h, std::size_t kernel_w,
                     ConvTranspose2dParams params, Rng& rng, const std::string& algorithm = "gemm");

    std::string kind() const override { return "ConvTranspose2D"; }
    Shape output_shape(const Shape& input) const override;
    const TensorT<T>& forward(const TensorT<T>& X, Mode mode) override;
    const TensorT<T>& backward(const TensorT<T>& dY) override;
    std::vector<ParameterT<T>*> parameters() override { return {&W_, &b_}; }

    ParameterT<T>& W() { return W_; }
    ParameterT<T>& b() { return b_; }
    const ConvTranspose2dParams& params() const { return params_; }

private:
    ParameterT<T> W_, b_;
    ConvTranspose2dParams params_;
    std::size_t algorithm_;
    TensorT<T> X_, Y_, dX_;
};

// Y = X where X > 0, slope·X elsewhere (PyTorch's default slope 0.01; DCGAN's discriminator 0.2).
// The slope must be positive (0 would be ReLU, and backward tells the sides apart by Y's sign).
template <class T>
class LeakyReLUT final : public LayerT<T> {
public:
    explicit LeakyReLUT(T slope = T(0.01)) : slope_(slope) {
        DL_CHECK(slope > 0, "LeakyReLU: the slope must be positive, got " << slope);
    }
    std::string kind() const override { return "LeakyReLU"; }
    Shape output_shape(const Shape& input) const override { return input; }
    const TensorT<T>& forward(const TensorT<T>& X, Mode mode) override;
    const TensorT<T>& backward(const TensorT<T>& dY) override;
    T slope() const { return slope_; }

private:
    T slope_;
    TensorT<T> Y_, dX_;
};

// [N, d] -> [N, shape...] with d = the product of `shape`: a reshape (a Dense layer's output as
// feature maps [C, H, W]), so backward reshapes the gradient back.
template <class T>
class UnflattenT final : public LayerT<T> {
public:
    explicit UnflattenT(Shape shape) : shape_(std::move(shape)) {}
    std::string kind() const override { return "Unflatten"; }
    Shape output_shape(const Shape& input) const override;
    const TensorT<T>& forward(const TensorT<T>& X, Mode mode) override;
    const TensorT<T>& backward(const TensorT<T>& dY) override;

private:
    Shape shape_;
    TensorT<T> Y_, dX_;
};

// The VAE's sampling step between encoder and decoder (ops/generative.hpp). Its input is the
// encoder's [N, 2L]: μ in the first L columns, logvar in the last L. Its output is a sample
//   z = μ + e^(logvar / 2) ⊙ ε,   ε ~ N(0, I)  [N, L]
// and it owns the ELBO's KL term: forward computes KL(q(z|x) ‖ N(0, I)) (mean over the batch; kl()
// returns it), and backward adds the term's gradient to the one coming back from the decoder. In
// training ε comes from the layer's generator (saved in checkpoints); in evaluation from a second
// one, reset by reset_evaluation_noise(), so two evaluations of one model give the same estimate.
template <class T>
class ReparameterizeT final : public LayerT<T> {
public:
    ReparameterizeT(std::size_t latent, std::uint64_t seed) : latent_(latent), rng_(seed), eval_rng_(seed) {}
    std::string kind() const override { return "Reparameterize"; }
    Shape output_shape(const Shape& input) const override;
    const TensorT<T>& forward(const TensorT<T>& X, Mode mode) override;
    const TensorT<T>& backward(const TensorT<T>& dY) override;
    std::vector<Rng*> generators() override { return {&rng_}; }

    std::size_t latent() const { return latent_; }
    T kl() const { return kl_; }                        // the last forward's KL term, nats per example
    const TensorT<T>& mu() const { return mu_; }        // the last forward's means [N, L]
    void reset_evaluation_noise(std::uint64_t seed) { eval_rng_ = Rng(seed); }

private:
    std::size_t latent_;
    Rng rng_, eval_rng_;
    TensorT<T> mu_, logvar_, eps_, Z_, dmu_, dlogvar_, dX_;
    T kl_ = 0;
};

using ConvTranspose2D = ConvTranspose2DT<float>;
using Reparameterize = ReparameterizeT<float>;
using LeakyReLU = LeakyReLUT<float>;
using Unflatten = UnflattenT<float>;

}  // namespace dl::nn
