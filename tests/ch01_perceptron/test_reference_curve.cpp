// The reference curve: the first epochs of logistic regression on two Fashion-MNIST classes, with a
// fixed seed, as the reference solution trains them. A learner whose code follows it within the
// tolerance has the same model, step for step.
//
// The curve lives in chapters/ch01_perceptron/reference_curve.csv; to regenerate it (after a
// deliberate change to the reference), run this test once with DLFS_WRITE_REFERENCE_CURVE=1.
#include "dl/data/fashion_mnist.hpp"
#include "dl/nn/logistic.hpp"
#include "dl/nn/loss.hpp"
#include "dl/train/trainer.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace dl;

TEST_CASE("ch01.gradient_descent_step follows the reference curve on Fashion-MNIST", "[ch01][exercise]") {
    const std::string path = std::string(DLFS_SOURCE_DIR) + "/chapters/ch01_perceptron/reference_curve.csv";
    const auto splits = data::load_image_dataset({.max_train = 6000, .max_test = 1000, .seed = 42});
    data::Dataset train = data::select_classes(splits.train, {7, 9});
    data::Dataset val = data::select_classes(splits.validation, {7, 9});
    data::flatten(train), data::flatten(val);

    Rng rng(42);
    nn::Sequential model({train.x.dim(1)});
    model.add<nn::Logistic>(train.x.dim(1), rng);
    nn::BinaryCrossEntropy loss;
    optim::GradientDescent sgd(0.1);
    const auto history = train::fit(model, loss, sgd, train, val, {.epochs = 3, .batch_size = 32, .progress = false}, rng);

    if (std::getenv("DLFS_WRITE_REFERENCE_CURVE")) {
        std::ofstream out(path);
        out << "epoch,train_loss,val_loss,val_acc\n";
        out.precision(9);
        for (const auto& m : history) out << m.epoch << ',' << m.train_loss << ',' << m.val_loss << ',' << m.val_acc << '\n';
        WARN("wrote " << path);
        return;
    }
    std::ifstream in(path);
    REQUIRE(in.good());
    std::string line;
    std::getline(in, line);   // header
    // Tolerance: float sums in a different order (another compiler, -march, or a correct but
    // differently ordered loop) move the losses by far less than 1%; a wrong gradient, a wrong
    // step or a wrong shuffle moves them by more.
    for (const auto& m : history) {
        REQUIRE(std::getline(in, line));
        std::istringstream row(line);
        double epoch = 0, train_loss = 0, val_loss = 0, val_acc = 0;
        char comma = 0;
        row >> epoch >> comma >> train_loss >> comma >> val_loss >> comma >> val_acc;
        CAPTURE(m.epoch, m.train_loss, train_loss, m.val_loss, val_loss, m.val_acc, val_acc);
        REQUIRE(m.epoch == static_cast<int>(epoch));
        REQUIRE_THAT(m.train_loss, Catch::Matchers::WithinRel(train_loss, 0.01));
        REQUIRE_THAT(m.val_loss, Catch::Matchers::WithinRel(val_loss, 0.01));
        REQUIRE(std::abs(m.val_acc - val_acc) <= 0.01);
    }
}
