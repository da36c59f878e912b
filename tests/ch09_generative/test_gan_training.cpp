// The chapter's GAN: its two models' shapes, two steps of both players against PyTorch's, a few
// steps that move both players, and a run resumed from a checkpoint (two models, two optimizers)
// against an unbroken one, bit for bit.
#include "gan.hpp"

#include "dl/data/fashion_mnist.hpp"
#include "dl/nn/state_dict.hpp"
#include "dl/ops/generative.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/fixtures.hpp"
#include "dl/testing/require_close.hpp"
#include "dl/testing/temp_dir.hpp"
#include "dl/testing/threads.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace dl;
using testing::require_close;

namespace {
// 640 training images (10 steps an epoch); the resume test needs steps, not images: 256 (4 steps).
const data::ImageSplits& small_fashion() {
    static const data::ImageSplits splits = data::load_image_dataset({.max_train = 640, .max_test = 100, .seed = 42});
    return splits;
}
const data::ImageSplits& tiny_fashion() {
    static const data::ImageSplits splits = data::load_image_dataset({.max_train = 256, .max_test = 100, .seed = 42});
    return splits;
}

struct Run {
    Rng rng{42};   // before the models, which are built from it
    ch09::Gan gan;
    optim::Optimizer g_adam{{.name = "adam", .beta1 = 0.5}}, d_adam{{.name = "adam", .beta1 = 0.5}};
    Run() : gan(ch09::build_gan({1, 28, 28}, 16, rng)) {}
};

std::vector<train::EpochMetrics> train_run(Run& r, int epochs, const std::string& save, const std::string& resume,
                                           const data::ImageSplits& fashion = small_fashion()) {
    ch09::GanTask task(r.gan, r.g_adam, r.d_adam, 1.0, fashion.train, fashion.validation, 64, "test GAN", r.rng);
    train::RunState run = resume.empty() ? train::RunState{} : task.restore(resume);
    return train::run_loop(task,
                           {.length = epochs,
                            .steps_per_interval = static_cast<long>(task.batches().batches_per_epoch()),
                            .lr = 2e-4,
                            .progress = false,
                            .checkpoints = {.save = save, .resume = resume, .kind = "test GAN"}},
                           std::move(run));
}
}  // namespace

TEST_CASE("ch09.gan_generator_loss the chapter's GAN makes images in [0, 1] that its discriminator scores",
          "[ch09][exercise]") {
    Rng rng(1);
    ch09::Gan gan = ch09::build_gan({1, 28, 28}, 64, rng);
    REQUIRE(gan.generator.output_shape({64}) == Shape{1, 28, 28});
    REQUIRE(gan.discriminator.output_shape({1, 28, 28}) == Shape{1});
    const Tensor images = ch09::generate(gan, Tensor({3, 64}, 0.5f));
    REQUIRE(images.shape() == Shape{3, 1, 28, 28});
    for (const float v : images) REQUIRE((v >= 0 && v <= 1));
    Tensor d;
    const float loss = gan_generator_loss(d, gan.discriminator.forward(images, nn::Mode::eval));
    REQUIRE(std::isfinite(loss));
}

TEST_CASE("ch09.gan_discriminator_loss a GAN's epoch moves both players and its discriminator learns to tell",
          "[ch09][exercise]") {
    const testing::Threads one(1);
    Run r;
    const auto g_before = r.gan.generator.parameters().front()->value;
    const auto d_before = r.gan.discriminator.parameters().front()->value;
    const auto history = train_run(r, 1, "", "");
    REQUIRE(r.g_adam.steps() == 10);
    REQUIRE(r.d_adam.steps() == 10);
    bool g_moved = false, d_moved = false;
    for (std::size_t i = 0; i < g_before.size(); ++i) g_moved |= r.gan.generator.parameters().front()->value[i] != g_before[i];
    for (std::size_t i = 0; i < d_before.size(); ++i) d_moved |= r.gan.discriminator.parameters().front()->value[i] != d_before[i];
    REQUIRE(g_moved);
    REQUIRE(d_moved);
    // Ten steps in, the discriminator already tells most real images from generated ones.
    CAPTURE(history.back().train_acc, history.back().val_acc);
    REQUIRE(history.back().val_acc > 0.6);
    REQUIRE(std::isfinite(history.back().train_loss));
}

TEST_CASE("ch09.gan_discriminator_loss a GAN resumed from its checkpoint trains on bit for bit", "[ch09][exercise]") {
    const testing::Threads one(1);
    testing::TempDir dir;
    Run unbroken, first, resumed;
    const auto whole = train_run(unbroken, 2, "", "", tiny_fashion());
    train_run(first, 1, (dir / "gan.ckpt").string(), "", tiny_fashion());
    const auto rest = train_run(resumed, 2, "", (dir / "gan.ckpt").string(), tiny_fashion());
    REQUIRE(testing::same_bits(resumed.gan.generator.parameters(), unbroken.gan.generator.parameters()));
    REQUIRE(testing::same_bits(resumed.gan.discriminator.parameters(), unbroken.gan.discriminator.parameters()));
    REQUIRE(rest.back().train_loss == whole.back().train_loss);
    REQUIRE(rest.back().val_loss == whole.back().val_loss);
    // A VAE's checkpoint is not a GAN's: refused, naming the file.
    ch09::GanTask task(resumed.gan, resumed.g_adam, resumed.d_adam, 1.0, tiny_fashion().train,
                       tiny_fashion().validation, 64, "another kind", resumed.rng);
    REQUIRE_THROWS_WITH(task.restore((dir / "gan.ckpt").string()), Catch::Contains("gan.ckpt"));
}

TEST_CASE("ch09.gan_discriminator_loss two steps of both players match PyTorch's, weights and batch norms' statistics",
          "[ch09][exercise]") {
    // The fixture's GAN is the chapter's at width 2 on 8x8 images (scripts/make-fixtures ch09), its
    // optimizers SGD with momentum 0.9 at two rates: what each player's step moves is its
    // gradient, so a wrong loss, a missing path through D into G, or swapped optimizers all show.
    const testing::Fixture f("ch09_gan_step.txt");
    Rng rng(1);
    ch09::Gan gan = ch09::build_gan({1, 8, 8}, 3, rng, 2);
    // The modules the fixture's script builds, as the exported files' metadata names them.
    REQUIRE(nn::pytorch_modules(gan.generator) ==
            "Linear(3, 16); BatchNorm1d(16); ReLU(); Unflatten(1, (4, 2, 2)); ConvTranspose2d(4, 2, (4, 4), 2, 1, 0); "
            "BatchNorm2d(2); ReLU(); ConvTranspose2d(2, 1, (4, 4), 2, 1, 0); Sigmoid()");
    REQUIRE(nn::pytorch_modules(gan.discriminator) ==
            "Conv2d(1, 2, (4, 4), 2, 1); LeakyReLU(0.2); Conv2d(2, 4, (4, 4), 2, 1); BatchNorm2d(4); LeakyReLU(0.2); "
            "Flatten(); Linear(16, 1)");
    const auto generator = nn::state_dict(gan.generator), discriminator = nn::state_dict(gan.discriminator);
    for (const auto& e : generator) e.set(f.as_float("G." + e.name + ".initial"));
    for (const auto& e : discriminator) e.set(f.as_float("D." + e.name + ".initial"));
    optim::Optimizer g_sgd({.name = "momentum", .momentum = 0.9}), d_sgd({.name = "momentum", .momentum = 0.9});
    const data::Dataset real{.name = "x1", .x = f.as_float("x1"), .labels = std::vector<int>(4, 0), .num_classes = 1};
    ch09::GanTask task(gan, g_sgd, d_sgd, 0.5, real, real, 4, "test GAN", rng);
    for (const std::string step : {"1", "2"}) {
        INFO("step " << step);
        const train::BatchResult result = task.step_on(f.as_float("x" + step), f.as_float("z" + step), 0.1, {});
        require_close(task.discriminator_loss(), f["loss_d" + step][0], 1e-4, 1e-6, "the discriminator's loss",
                      {{"the generator's loss", f["loss_g" + step][0]}});
        require_close(result.loss, f["loss_g" + step][0], 1e-4, 1e-6, "the generator's loss",
                      {{"the discriminator's loss", f["loss_d" + step][0]}});
    }
    for (const auto& [prefix, entries] : {std::pair{"G.", &generator}, std::pair{"D.", &discriminator}})
        for (const auto& e : *entries) {
            INFO(prefix << e.name << " after two steps (initially " << prefix << e.name << ".initial)");
            require_close(e.get(), f[prefix + e.name + ".after"], 1e-4, 1e-5, (prefix + e.name).c_str());
        }
}
