#pragma once
// Chapter 9's variational autoencoder for 28×28 images, as one Sequential whose middle layer
// samples the latent code (nn::Reparameterize), and its side of the shared training loop.
//
//   encoder  Conv2D(32, 4×4, stride 2, pad 1) ReLU  [32, 14, 14]
//            Conv2D(64, 4×4, stride 2, pad 1) ReLU  [64, 7, 7]   Flatten  Dense(2L): μ and logvar
//   sample   z = μ + e^(logvar / 2) ⊙ ε   [L]            (and the KL term of the ELBO)
//   decoder  Dense(3136) ReLU  Unflatten [64, 7, 7]
//            ConvTranspose2D(32, 4×4, stride 2, pad 1) ReLU  [32, 14, 14]
//            ConvTranspose2D(1, 4×4, stride 2, pad 1)        [1, 28, 28]: a logit per pixel
//
// The loss is the negative ELBO in nats per image: the reconstruction's binary cross-entropy
// (summed over the 784 pixels, the pixel's brightness in [0, 1] as its target) plus the KL term.

#include "dl/data/batches.hpp"
#include "dl/data/dataset.hpp"
#include "dl/nn/generative.hpp"
#include "dl/nn/sequential.hpp"
#include "dl/optim/optimizer.hpp"
#include "dl/train/loop.hpp"

#include <string>

namespace ch09 {

struct Vae {
    dl::nn::Sequential model;
    std::size_t decoder_begin = 0;   // the decoder's first layer in `model`
    dl::nn::Reparameterize* sampler = nullptr;
};

Vae build_vae(const dl::Shape& image, std::size_t latent, dl::Rng& rng);

// The decoder alone: images [N, 1, H, W] of probabilities (the sigmoid of the logits) for latent
// codes z [N, L], in evaluation mode.
dl::Tensor decode(Vae& vae, const dl::Tensor& z);

// The negative ELBO of a dataset (nats per image) and its two parts, in evaluation mode, with the
// sampler's evaluation noise reset first (so the estimate is the same each time).
struct ElboParts {
    double negative_elbo = 0, reconstruction = 0, kl = 0;
};
ElboParts evaluate_elbo(Vae& vae, const dl::data::Dataset& data, std::uint64_t noise_seed);

// The VAE's side of the loop: shuffled mini-batches; each step one train_step of the negative ELBO.
class VaeTask final : public dl::train::Task {
public:
    VaeTask(Vae& vae, dl::optim::Optimizer& optimizer, const dl::data::Dataset& train,
            const dl::data::Dataset& validation, std::size_t batch_size, std::string kind, dl::Rng& rng);
    dl::data::BatchIterator& batches() { return batches_; }
    // The run a checkpoint file holds (model, optimizer, generators, the shuffle and the metrics so
    // far). Throws naming the file when it holds another model's run.
    dl::train::RunState restore(const std::string& path);

    dl::train::BatchResult step(double lr, const dl::train::StepOptions& options) override;
    std::optional<dl::train::Evaluation> evaluate() override;
    std::vector<dl::Tensor*> weights() override;
    dl::util::Checkpoint checkpoint(const dl::train::RunState& run) override;
    void report(const dl::train::EpochMetrics& m, long length) override;

private:
    Vae& vae_;
    dl::optim::Optimizer& optimizer_;
    const dl::data::Dataset &train_, &validation_;
    std::string kind_;
    dl::Rng& rng_;
    dl::data::BatchIterator batches_;
    std::vector<dl::train::Update> update_;
    dl::Tensor x_, dlogits_;
    std::vector<int> labels_;
    ElboParts last_validation_;
};

}  // namespace ch09
