// The chapter's network trained with Adam and a cosine schedule: a --quick-sized run.
#include "dl/data/fashion_mnist.hpp"
#include "dl/nn/loss.hpp"
#include "dl/nn/models.hpp"
#include "dl/optim/optimizer.hpp"
#include "dl/testing/reference_curve.hpp"
#include "dl/train/trainer.hpp"

#include <catch2/catch.hpp>

using namespace dl;

TEST_CASE("ch03.adam_step trains the MLP past 81% on 6000 Fashion-MNIST images in 3 epochs, along the reference curve",
          "[ch03][exercise]") {
    // Standardised pixels, Adam at a constant lr 1e-3 (no schedule: this test runs only your Adam,
    // and chapters 1 and 2). The reference reaches 0.83; 0.81 leaves room for a correct solution
    // that rounds differently. The reference curve (chapters/ch03_optimizers/reference_curve.csv)
    // must match too.
    auto fashion = data::load_image_dataset({.max_train = 6000, .max_test = 2000, .seed = 42});
    data::standardize(fashion);
    Rng rng(42);
    nn::Sequential model = nn::mlp({1, 28, 28}, {128}, 10, nn::Activation::relu, rng);
    nn::SoftmaxCrossEntropy loss;
    optim::Optimizer adam({.name = "adam"});
    const auto history = train::fit(model, loss, adam, fashion.train, fashion.validation,
                                    {.epochs = 3, .batch_size = 32, .lr = 1e-3, .progress = false}, rng);
    const double accuracy = train::evaluate(model, loss, fashion.test).accuracy;
    CAPTURE(accuracy);
    REQUIRE(accuracy > 0.81);
    const auto comparison = testing::compare_reference_curve("ch03_optimizers", history);
    INFO(comparison.detail);
    REQUIRE(comparison.matches);
}
