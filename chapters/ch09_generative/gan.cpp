#include "gan.hpp"

#include "dl/nn/activations.hpp"
#include "dl/nn/conv.hpp"
#include "dl/nn/dense.hpp"
#include "dl/nn/generative.hpp"
#include "dl/nn/regularization.hpp"
#include "dl/ops/generative.hpp"
#include "dl/train/resume.hpp"
#include "dl/util/progress.hpp"

#include <iostream>

namespace ch09 {

using namespace dl;

namespace {
constexpr float leaky_slope = 0.2f;   // DCGAN's
constexpr std::uint64_t evaluation_seed = 7;

// How many of the discriminator's logits say "real" for the real images and "generated" for the
// generated ones.
std::size_t count_told_apart(const Tensor& real_logits, const Tensor& fake_logits) {
    std::size_t right = 0;
    for (const float v : real_logits) right += v > 0 ? 1 : 0;
    for (const float v : fake_logits) right += v < 0 ? 1 : 0;
    return right;
}
}  // namespace

Gan build_gan(const Shape& image, std::size_t latent, Rng& rng, std::size_t width) {
    DL_CHECK(image.size() == 3 && image[1] % 4 == 0 && image[2] % 4 == 0,
             "the GAN makes [C, H, W] images with H and W multiples of 4, got " << to_string(image));
    DL_CHECK(latent > 0 && width > 0, "--latent and the width must be positive");
    const std::size_t C = image[0], H4 = image[1] / 4, W4 = image[2] / 4, w = width;
    Gan gan{nn::Sequential({latent}), nn::Sequential(image), latent};
    auto& g = gan.generator;
    g.add<nn::Dense>(latent, 2 * w * H4 * W4, nn::Init::he, rng);
    g.add<nn::BatchNorm>(2 * w * H4 * W4);
    g.add<nn::ReLU>();
    g.add<nn::Unflatten>(Shape{2 * w, H4, W4});
    g.add<nn::ConvTranspose2D>(2 * w, w, 4, 4, ConvTranspose2dParams{2, 1, 0}, rng);
    g.add<nn::BatchNorm>(w);
    g.add<nn::ReLU>();
    g.add<nn::ConvTranspose2D>(w, C, 4, 4, ConvTranspose2dParams{2, 1, 0}, rng);
    g.add<nn::Sigmoid>();
    auto& d = gan.discriminator;
    d.add<nn::Conv2D>(C, w, 4, 4, Conv2dParams{2, 1}, rng);
    d.add<nn::LeakyReLU>(leaky_slope);
    d.add<nn::Conv2D>(w, 2 * w, 4, 4, Conv2dParams{2, 1}, rng);
    d.add<nn::BatchNorm>(2 * w);
    d.add<nn::LeakyReLU>(leaky_slope);
    d.add<nn::Flatten>();
    d.add<nn::Dense>(2 * w * H4 * W4, 1, nn::Init::xavier, rng);
    gan.generator.set_input_grad_needed(false);       // nothing before the generator learns
    gan.discriminator.set_input_grad_needed(true);    // the generator learns through it
    return gan;
}

Tensor generate(Gan& gan, const Tensor& z) { return gan.generator.forward(z, nn::Mode::eval); }

GanTask::GanTask(Gan& gan, optim::Optimizer& generator_optimizer, optim::Optimizer& discriminator_optimizer,
                 double discriminator_lr_ratio, const data::Dataset& train, const data::Dataset& validation,
                 std::size_t batch_size, std::string kind, Rng& rng)
    : gan_(gan), generator_optimizer_(generator_optimizer), discriminator_optimizer_(discriminator_optimizer),
      discriminator_lr_ratio_(discriminator_lr_ratio), train_(train), validation_(validation), kind_(std::move(kind)),
      rng_(rng), batches_(train.size(), batch_size, rng),
      generator_update_{{gan.generator.parameters(), &generator_optimizer, 0.0}},
      discriminator_update_{{gan.discriminator.parameters(), &discriminator_optimizer, 0.0}} {}

train::RunState GanTask::restore(const std::string& path) {
    const util::Checkpoint c = util::read_checkpoint(path);
    train::restore_second_model(c, path, "generator", gan_.generator, generator_optimizer_);
    return train::restore_run_checkpoint(train::without_second_model(c, "generator"), path, kind_, gan_.discriminator,
                                         discriminator_optimizer_, rng_, batches_);
}

// One step of each player on a batch of N real images and N generated from fresh codes z:
//   discriminator:  L_D = mean ℓ(D(x), 1) + mean ℓ(D(G(z)), 0)      (G's images held fixed)
//   generator:      L_G = mean ℓ(D(G(z)), 1)                          (D's weights held fixed)
train::BatchResult GanTask::step(double lr, const train::StepOptions& options) {
    const auto idx = batches_.next_across_epochs();
    data::gather(x_, labels_, train_, idx);
    z_.resize({idx.size(), gan_.latent});
    for (auto& v : z_) v = static_cast<float>(rng_.normal());
    return step_on(x_, z_, lr, options);
}

train::BatchResult GanTask::step_on(const Tensor& x, const Tensor& z, double lr, const train::StepOptions& options) {
    DL_CHECK(z.rank() == 2 && z.dim(0) == x.dim(0) && z.dim(1) == gan_.latent,
             "GanTask::step_on: z must be [" << x.dim(0) << ", " << gan_.latent << "], got " << to_string(z.shape()));
    const std::size_t N = x.dim(0);
    discriminator_update_[0].lr = lr * discriminator_lr_ratio_;
    generator_update_[0].lr = lr;
    std::size_t told_apart = 0;
    discriminator_loss_ = train::train_step(
        discriminator_update_,
        [&] {
            fake_ = gan_.generator.forward(z, nn::Mode::train);
            // The real half goes back through D before the generated half's forward replaces
            // what D saved of it.
            real_logits_ = gan_.discriminator.forward(x, nn::Mode::train);
            bce_with_logits_backward(d_real_, real_logits_, Tensor(real_logits_.shape(), 1.0f), 1.0f / static_cast<float>(N));
            gan_.discriminator.backward(d_real_);
            const Tensor& fake_logits = gan_.discriminator.forward(fake_, nn::Mode::train);
            told_apart = count_told_apart(real_logits_, fake_logits);
            return gan_discriminator_loss(d_real_, d_fake_, real_logits_, fake_logits);
        },
        [&] { gan_.discriminator.backward(d_fake_); }, options);
    discriminator_loss_sum_ += static_cast<double>(discriminator_loss_);
    ++steps_in_interval_;
    const float generator_loss = train::train_step(
        generator_update_,
        [&] {
            // G(z) is the one the discriminator just saw: the generator still holds its forward.
            const Tensor& fake_logits = gan_.discriminator.forward(fake_, nn::Mode::train);
            return gan_generator_loss(d_generator_, fake_logits);
        },
        [&] { gan_.generator.backward(gan_.discriminator.backward(d_generator_)); }, options);
    return {generator_loss, N, told_apart / 2};
}

std::optional<train::Evaluation> GanTask::evaluate() {
    if (validation_.size() == 0) return std::nullopt;
    Rng codes(evaluation_seed);
    data::BatchIterator batches(validation_.size(), 256);
    Tensor x, z;
    std::vector<int> labels;
    double loss = 0;
    std::size_t right = 0;
    for (auto idx = batches.next(); !idx.empty(); idx = batches.next()) {
        data::gather(x, labels, validation_, idx);
        z.resize({idx.size(), gan_.latent});
        for (auto& v : z) v = static_cast<float>(codes.normal());
        const Tensor fake = generate(gan_, z);
        const Tensor real_logits = gan_.discriminator.forward(x, nn::Mode::eval);
        const Tensor& fake_logits = gan_.discriminator.forward(fake, nn::Mode::eval);
        Tensor unused_real, unused_fake;
        loss += static_cast<double>(gan_discriminator_loss(unused_real, unused_fake, real_logits, fake_logits)) *
                static_cast<double>(idx.size());
        right += count_told_apart(real_logits, fake_logits);
    }
    const auto n = static_cast<double>(validation_.size());
    return train::Evaluation{loss / n, static_cast<double>(right) / (2 * n)};
}

std::vector<Tensor*> GanTask::weights() {
    DL_THROW(UsageError, "early stopping needs a validation loss to minimise, and a GAN's has none "
                         "(leave --early-stop out with --model gan)");
}

util::Checkpoint GanTask::checkpoint(const train::RunState& run) {
    util::Checkpoint c = train::make_run_checkpoint(kind_, gan_.discriminator, discriminator_optimizer_, rng_, batches_, run);
    train::put_second_model(c, "generator", gan_.generator, generator_optimizer_);
    return c;
}

void GanTask::report(const train::EpochMetrics& m, long length) {
    const double discriminator_loss = steps_in_interval_ > 0 ? discriminator_loss_sum_ / static_cast<double>(steps_in_interval_) : 0;
    discriminator_loss_sum_ = 0, steps_in_interval_ = 0;
    std::cout << "epoch " << m.epoch << '/' << length << "  G loss " << util::format_fixed(m.train_loss, 3)
              << "  D loss " << util::format_fixed(discriminator_loss, 3) << "  D tells apart "
              << util::format_fixed(m.train_acc, 3) << "  val D loss " << util::format_fixed(m.val_loss, 3)
              << "  val D tells apart " << util::format_fixed(m.val_acc, 3) << "  " << util::format_fixed(m.seconds, 2)
              << " s  " << static_cast<long long>(m.examples_per_s) << " images/s" << std::endl;
}

}  // namespace ch09
