// Training through the tape: chapter 2's MLP, its weights owned by chapter 2's layers and every
// gradient from the tape, must follow chapter 2's own reference curve (the same model, step for step).
#include "dl/data/fashion_mnist.hpp"
#include "dl/nn/loss.hpp"
#include "dl/nn/tape_model.hpp"
#include "dl/testing/reference_curve.hpp"
#include "dl/train/trainer.hpp"

#include <catch2/catch.hpp>

using namespace dl;

TEST_CASE("ch08.reverse_sweep trains chapter 2's MLP along chapter 2's reference curve", "[ch08][exercise]") {
    // The run of chapter 2's curve test (6000 raw images, lr 0.1, 3 epochs, seed 42), with the tape.
    const auto fashion = data::load_image_dataset({.max_train = 6000, .max_test = 2000, .seed = 42});
    Rng rng(42);
    nn::Sequential model({1, 28, 28});
    model.add<nn::TapeModel>(std::make_unique<nn::Sequential>(nn::mlp({1, 28, 28}, {128}, 10, nn::Activation::relu, rng)),
                             Shape{1, 28, 28}, [](const Var<float>& X, std::span<const Var<float>> params) {
                                 return nn::mlp_through_tape(X, params, nn::Activation::relu);
                             });
    nn::SoftmaxCrossEntropy loss;
    optim::Optimizer sgd({.name = "sgd"});
    const auto history = train::fit(model, loss, sgd, fashion.train, fashion.validation,
                                    {.epochs = 3, .batch_size = 32, .lr = 0.1, .progress = false}, rng);
    const auto comparison = testing::compare_reference_curve("ch02_backprop", history);
    INFO(comparison.detail);
    REQUIRE(comparison.matches);
}
