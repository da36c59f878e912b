// The reference curve: the first epochs of logistic regression on two Fashion-MNIST classes, with a
// fixed seed, as the reference solution trains them (see dl/testing/reference_curve.hpp).
#include "dl/data/fashion_mnist.hpp"
#include "dl/nn/logistic.hpp"
#include "dl/nn/loss.hpp"
#include "dl/testing/reference_curve.hpp"

#include <catch2/catch.hpp>

using namespace dl;

TEST_CASE("ch01.gradient_descent_step follows the reference curve on Fashion-MNIST", "[ch01][exercise]") {
    const auto splits = data::load_image_dataset({.max_train = 6000, .max_test = 1000, .seed = 42});
    data::Dataset train = data::select_classes(splits.train, {7, 9});
    data::Dataset val = data::select_classes(splits.validation, {7, 9});
    data::flatten(train), data::flatten(val);

    Rng rng(42);
    nn::Sequential model({train.x.dim(1)});
    model.add<nn::Logistic>(train.x.dim(1), rng);
    nn::BinaryCrossEntropy loss;
    optim::Optimizer sgd({.name = "sgd"});
    const auto history = train::fit(model, loss, sgd, train, val, {.epochs = 3, .batch_size = 32, .lr = 0.1, .progress = false}, rng);
    const auto comparison = testing::compare_reference_curve("ch01_perceptron", history);
    INFO(comparison.detail);
    REQUIRE(comparison.matches);
}
