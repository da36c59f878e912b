#pragma once
// Chapter 9's GAN for 28×28 images, a DCGAN in miniature: transposed convolutions with batch norm
// in the generator, strided convolutions with leaky ReLU in the discriminator.
//
//   generator      z [L]  Dense(64·7·7) BatchNorm ReLU  Unflatten [64, 7, 7]
//                  ConvTranspose2D(32, 4×4, stride 2, pad 1) BatchNorm ReLU   [32, 14, 14]
//                  ConvTranspose2D(1, 4×4, stride 2, pad 1) Sigmoid           [1, 28, 28]: an image
//   discriminator  Conv2D(32, 4×4, stride 2, pad 1) LeakyReLU(0.2)            [32, 14, 14]
//                  Conv2D(64, 4×4, stride 2, pad 1) BatchNorm LeakyReLU(0.2)  [64, 7, 7]
//                  Flatten  Dense(1): the logit that the image is real
// (32 and 64 channels: `width` and twice it; the tests build narrower ones.)
//
// Each step of training is two of the shared train_step: the discriminator's (real images labelled
// 1, the generator's labelled 0), then the generator's (its images labelled 1: the non-saturating
// loss), each model with its own optimizer and rate.

#include "dl/data/batches.hpp"
#include "dl/data/dataset.hpp"
#include "dl/nn/sequential.hpp"
#include "dl/optim/optimizer.hpp"
#include "dl/train/loop.hpp"

#include <string>

namespace ch09 {

struct Gan {
    dl::nn::Sequential generator, discriminator;
    std::size_t latent = 0;
};

Gan build_gan(const dl::Shape& image, std::size_t latent, dl::Rng& rng, std::size_t width = 32);

// The generator's images [N, C, H, W] (in [0, 1]) for latent codes z [N, L], in evaluation mode
// (batch norm with its running statistics).
dl::Tensor generate(Gan& gan, const dl::Tensor& z);

// The GAN's side of the loop. An interval is an epoch of the real images. The training loss is the
// generator's; the "accuracy" is the discriminator's, telling real from generated (1/2: fooled).
// The evaluation is the discriminator's loss and accuracy on the validation images against as many
// generated from fixed codes.
class GanTask final : public dl::train::Task {
public:
    GanTask(Gan& gan, dl::optim::Optimizer& generator_optimizer, dl::optim::Optimizer& discriminator_optimizer,
            double discriminator_lr_ratio, const dl::data::Dataset& train, const dl::data::Dataset& validation,
            std::size_t batch_size, std::string kind, dl::Rng& rng);
    dl::data::BatchIterator& batches() { return batches_; }
    dl::train::RunState restore(const std::string& path);

    // A step on the next batch of real images and fresh codes from the generator it was given.
    dl::train::BatchResult step(double lr, const dl::train::StepOptions& options) override;
    // A step on these real images x [N, C, H, W] and codes z [N, L].
    dl::train::BatchResult step_on(const dl::Tensor& x, const dl::Tensor& z, double lr,
                                   const dl::train::StepOptions& options);
    // The discriminator's loss in the last step (the step's result holds the generator's).
    float discriminator_loss() const { return discriminator_loss_; }
    std::optional<dl::train::Evaluation> evaluate() override;
    std::vector<dl::Tensor*> weights() override;
    dl::util::Checkpoint checkpoint(const dl::train::RunState& run) override;
    void report(const dl::train::EpochMetrics& m, long length) override;

private:
    Gan& gan_;
    dl::optim::Optimizer &generator_optimizer_, &discriminator_optimizer_;
    double discriminator_lr_ratio_;
    const dl::data::Dataset &train_, &validation_;
    std::string kind_;
    dl::Rng& rng_;
    dl::data::BatchIterator batches_;
    std::vector<dl::train::Update> generator_update_, discriminator_update_;
    dl::Tensor x_, z_, fake_, real_logits_, d_real_, d_fake_, d_generator_;
    std::vector<int> labels_;
    float discriminator_loss_ = 0;
    double discriminator_loss_sum_ = 0;
    long steps_in_interval_ = 0;
};

}  // namespace ch09
