#include "vae.hpp"

#include "dl/nn/activations.hpp"
#include "dl/nn/conv.hpp"
#include "dl/nn/dense.hpp"
#include "dl/ops/generative.hpp"
#include "dl/ops/logistic.hpp"
#include "dl/train/resume.hpp"
#include "dl/util/progress.hpp"

#include <iostream>

namespace ch09 {

using namespace dl;

Vae build_vae(const Shape& image, std::size_t latent, Rng& rng) {
    DL_CHECK(image.size() == 3 && image[1] % 4 == 0 && image[2] % 4 == 0,
             "the VAE takes [C, H, W] images with H and W multiples of 4, got " << to_string(image));
    DL_CHECK(latent > 0, "--latent must be positive");
    const std::size_t C = image[0], H4 = image[1] / 4, W4 = image[2] / 4;
    Vae vae{nn::Sequential(image)};
    auto& m = vae.model;
    m.add<nn::Conv2D>(C, 32, 4, 4, Conv2dParams{2, 1}, rng);
    m.add<nn::ReLU>();
    m.add<nn::Conv2D>(32, 64, 4, 4, Conv2dParams{2, 1}, rng);
    m.add<nn::ReLU>();
    m.add<nn::Flatten>();
    m.add<nn::Dense>(64 * H4 * W4, 2 * latent, nn::Init::xavier, rng);
    vae.sampler = &m.add<nn::Reparameterize>(latent, rng.next_u64());
    vae.decoder_begin = m.size();
    m.add<nn::Dense>(latent, 64 * H4 * W4, nn::Init::he, rng);
    m.add<nn::ReLU>();
    m.add<nn::Unflatten>(Shape{64, H4, W4});
    m.add<nn::ConvTranspose2D>(64, 32, 4, 4, ConvTranspose2dParams{2, 1, 0}, rng);
    m.add<nn::ReLU>();
    m.add<nn::ConvTranspose2D>(32, C, 4, 4, ConvTranspose2dParams{2, 1, 0}, rng);
    return vae;
}

Tensor decode(Vae& vae, const Tensor& z) {
    const Tensor* x = &z;
    for (std::size_t i = vae.decoder_begin; i < vae.model.size(); ++i) x = &vae.model.layer(i).forward(*x, nn::Mode::eval);
    Tensor images;
    sigmoid_forward(images, *x);
    return images;
}

ElboParts evaluate_elbo(Vae& vae, const data::Dataset& data, std::uint64_t noise_seed) {
    DL_CHECK(data.size() > 0, "evaluate_elbo: the dataset '" << data.name << "' is empty");
    vae.sampler->reset_evaluation_noise(noise_seed);
    data::BatchIterator batches(data.size(), 256);
    Tensor x;
    std::vector<int> labels;
    ElboParts sum;
    for (auto idx = batches.next(); !idx.empty(); idx = batches.next()) {
        data::gather(x, labels, data, idx);
        const Tensor& logits = vae.model.forward(x, nn::Mode::eval);
        const auto n = static_cast<double>(idx.size());
        const double reconstruction = bce_with_logits_forward(logits, x, 1.0f);   // summed over the batch
        sum.reconstruction += reconstruction;
        sum.kl += static_cast<double>(vae.sampler->kl()) * n;
    }
    const auto n = static_cast<double>(data.size());
    sum.reconstruction /= n;
    sum.kl /= n;
    sum.negative_elbo = sum.reconstruction + sum.kl;
    return sum;
}

VaeTask::VaeTask(Vae& vae, optim::Optimizer& optimizer, const data::Dataset& train, const data::Dataset& validation,
                 std::size_t batch_size, std::string kind, Rng& rng)
    : vae_(vae), optimizer_(optimizer), train_(train), validation_(validation), kind_(std::move(kind)), rng_(rng),
      batches_(train.size(), batch_size, rng), update_{{vae.model.parameters(), &optimizer, 0.0}} {}

// loss = (1/N) Σ_n [ Σ_pixels ℓ(logit, x) + KL_n ]: the negative ELBO per image of the batch.
train::BatchResult VaeTask::step(double lr, const train::StepOptions& options) {
    const auto idx = batches_.next_across_epochs();
    data::gather(x_, labels_, train_, idx);
    update_[0].lr = lr;
    const float scale = 1.0f / static_cast<float>(idx.size());
    const Tensor* logits = nullptr;
    const float loss = train::train_step(
        update_,
        [&] {
            logits = &vae_.model.forward(x_, nn::Mode::train);
            return bce_with_logits_forward(*logits, x_, scale) + vae_.sampler->kl();
        },
        [&] {
            bce_with_logits_backward(dlogits_, *logits, x_, scale);
            vae_.model.backward(dlogits_);   // the sampler adds the KL term's gradient on the way
        },
        options);
    return {loss, idx.size(), 0};
}

std::optional<train::Evaluation> VaeTask::evaluate() {
    if (validation_.size() == 0) return std::nullopt;
    last_validation_ = evaluate_elbo(vae_, validation_, 1);
    return train::Evaluation{last_validation_.negative_elbo, 0};
}

std::vector<Tensor*> VaeTask::weights() {
    std::vector<Tensor*> saved;
    for (auto* p : update_[0].params) saved.push_back(&p->value);
    for (auto* b : vae_.model.buffers()) saved.push_back(b);
    return saved;
}

train::RunState VaeTask::restore(const std::string& path) {
    return train::restore_run_checkpoint(util::read_checkpoint(path), path, kind_, vae_.model, optimizer_, rng_, batches_);
}

util::Checkpoint VaeTask::checkpoint(const train::RunState& run) {
    return train::make_run_checkpoint(kind_, vae_.model, optimizer_, rng_, batches_, run);
}

void VaeTask::report(const train::EpochMetrics& m, long length) {
    std::cout << "epoch " << m.epoch << '/' << length << "  -ELBO " << util::format_fixed(m.train_loss, 2)
              << "  val -ELBO " << util::format_fixed(m.val_loss, 2) << " (reconstruction "
              << util::format_fixed(last_validation_.reconstruction, 2) << " + KL "
              << util::format_fixed(last_validation_.kl, 2) << ")  " << util::format_fixed(m.seconds, 2) << " s  "
              << static_cast<long long>(m.examples_per_s) << " images/s" << std::endl;
}

}  // namespace ch09
