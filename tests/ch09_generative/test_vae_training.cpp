// The chapter's VAE: its shape, a short training run against the reference curve, and a run
// resumed from a checkpoint against an unbroken one, bit for bit.
#include "vae.hpp"

#include "dl/data/fashion_mnist.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/reference_curve.hpp"
#include "dl/testing/temp_dir.hpp"
#include "dl/testing/threads.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace dl;

namespace {
// 2,000 training images, 500 test images, seed 42: small enough for a test on one thread. The
// resume test needs steps, not images: 512 (8 steps an epoch) keep it quick under the sanitizers.
const data::ImageSplits& small_fashion() {
    static const data::ImageSplits splits = data::load_image_dataset({.max_train = 2000, .max_test = 500, .seed = 42});
    return splits;
}
const data::ImageSplits& tiny_fashion() {
    static const data::ImageSplits splits = data::load_image_dataset({.max_train = 512, .max_test = 100, .seed = 42});
    return splits;
}

struct Run {
    Rng rng{42};   // before the model, which is built from it
    ch09::Vae vae;
    optim::Optimizer adam{{.name = "adam"}};
    Run() : vae(ch09::build_vae({1, 28, 28}, 8, rng)) { vae.model.set_input_grad_needed(false); }
};

std::vector<train::EpochMetrics> train_run(Run& r, int epochs, const std::string& save, const std::string& resume,
                                           const data::ImageSplits& fashion = small_fashion()) {
    ch09::VaeTask task(r.vae, r.adam, fashion.train, fashion.validation, 64, "test VAE", r.rng);
    train::RunState run = resume.empty() ? train::RunState{} : task.restore(resume);
    return train::run_loop(task,
                           {.length = epochs,
                            .steps_per_interval = static_cast<long>(task.batches().batches_per_epoch()),
                            .lr = 1e-3,
                            .progress = false,
                            .checkpoints = {.save = save, .resume = resume, .kind = "test VAE"}},
                           std::move(run));
}
}  // namespace

TEST_CASE("ch09.conv_transpose2d_forward_gemm gives the chapter's VAE (220,385 parameters) logits of the image's "
          "shape",
          "[ch09][exercise]") {
    Rng rng(1);
    ch09::Vae vae = ch09::build_vae({1, 28, 28}, 16, rng);
    REQUIRE(count_parameters(vae.model) == 220'385);
    REQUIRE(vae.model.output_shape({1, 28, 28}) == Shape{1, 28, 28});
    REQUIRE(vae.model.layer(vae.decoder_begin).output_shape({16}) == Shape{64 * 7 * 7});
    const Tensor& logits = vae.model.forward(Tensor({3, 1, 28, 28}, 0.5f), nn::Mode::train);
    REQUIRE(logits.shape() == Shape{3, 1, 28, 28});
    for (const float v : logits) REQUIRE(std::isfinite(v));
    const Tensor images = ch09::decode(vae, Tensor({2, 16}, 1.0f));   // probabilities, from codes alone
    REQUIRE(images.shape() == Shape{2, 1, 28, 28});
    for (const float v : images) REQUIRE((v > 0 && v < 1));
}

TEST_CASE("ch09.gaussian_kl_backward trains the VAE on 2000 images along the reference curve", "[ch09][exercise]") {
    // Two epochs of Adam 1e-3, batch 64, 8 latent dimensions, one thread. An untrained decoder
    // costs about 784 ln 2 = 543 nats per image (every pixel a coin toss); the reference's
    // validation loss is 472 after the first epoch and 393 after the second. The training loss
    // must follow the reference curve within 1%: a wrong gradient anywhere (the transposed
    // convolution, the reparameterisation, the KL term or the BCE) moves it by more.
    const testing::Threads one(1);
    Run r;
    const auto history = train_run(r, 2, "", "");
    CAPTURE(history.back().val_loss);
    REQUIRE(history.back().val_loss < 420);
    const auto comparison = testing::compare_reference_curve("ch09_generative", history,
                                                             {.train_loss = 0.01, .val_loss = 0.02, .val_acc = 0});
    INFO(comparison.detail);
    REQUIRE(comparison.matches);
}

TEST_CASE("ch09.gaussian_kl_backward a VAE resumed from its checkpoint trains on bit for bit", "[ch09][exercise]") {
    const testing::Threads one(1);
    testing::TempDir dir;
    Run unbroken, first, resumed;
    const auto whole = train_run(unbroken, 2, "", "", tiny_fashion());
    train_run(first, 1, (dir / "vae.ckpt").string(), "", tiny_fashion());
    const auto rest = train_run(resumed, 2, "", (dir / "vae.ckpt").string(), tiny_fashion());
    REQUIRE(testing::same_bits(resumed.vae.model.parameters(), unbroken.vae.model.parameters()));
    REQUIRE(rest.size() == whole.size());
    REQUIRE(rest.back().train_loss == whole.back().train_loss);
    REQUIRE(rest.back().val_loss == whole.back().val_loss);
}
