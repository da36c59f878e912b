// Logistic regression's pieces: the sigmoid, binary cross-entropy, their gradients (checked by
// central differences in double precision), the gradient-descent step, and the whole model.
#include "dl/data/synthetic.hpp"
#include "dl/nn/activations.hpp"
#include "dl/nn/logistic.hpp"
#include "dl/nn/loss.hpp"
#include "dl/ops/logistic.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"
#include "dl/train/trainer.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace dl;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {
// Labels in {0, 1} as a double tensor.
TensorD random_labels(Shape shape, std::uint64_t seed) {
    Rng rng(seed);
    TensorD y(std::move(shape));
    for (auto& v : y) v = rng.bernoulli(0.5) ? 1.0 : 0.0;
    return y;
}
}  // namespace

TEST_CASE("ch01.sigmoid_forward gives the known values", "[ch01][exercise]") {
    const TensorD z = TensorD::from({2, 3}, {0.0, std::log(3.0), -std::log(3.0), 2.0, -2.0, 10.0});
    TensorD p;
    sigmoid_forward(p, z);
    // σ(ln 3) = 3 / 4; the flipped exponent gives σ(−z) = 1 − σ(z) instead, a shape the message names.
    TensorD expected(z.shape()), flipped(z.shape());
    for (std::size_t i = 0; i < z.size(); ++i) {
        expected[i] = 1.0 / (1.0 + std::exp(-z[i]));
        flipped[i] = 1.0 / (1.0 + std::exp(z[i]));
    }
    expected[1] = 0.75, expected[2] = 0.25, flipped[1] = 0.25, flipped[2] = 0.75;
    testing::require_close(p, expected, 1e-15, 0, "p = sigmoid(z)",
                           {{"p is sigmoid(-z) = 1 - sigmoid(z): the exponent's sign is flipped, "
                             "sigmoid(z) = 1 / (1 + e^(-z))",
                             flipped}});
    INFO("sigmoid(-2) + sigmoid(2) must be 1: sigmoid(-z) = 1 - sigmoid(z)");
    REQUIRE_THAT(p[4] + p[3], WithinRel(1.0, 1e-15));
}

TEST_CASE("ch01.sigmoid_forward does not overflow for large inputs", "[ch01][exercise]") {
    // e^(−z) is inf for z = −1000 in any precision; the result must still be a probability.
    const Tensor z = Tensor::from({4}, {-1000.f, -100.f, 100.f, 1000.f});
    Tensor p;
    sigmoid_forward(p, z);
    for (std::size_t i = 0; i < 4; ++i) {
        CAPTURE(i, z[i], p[i]);
        INFO((z[i] > 0 ? "e^z / (1 + e^z) is inf / inf = NaN for large z: use 1 / (1 + e^(-z)) for z >= 0"
                       : "p must be a probability: finite, in [0, 1]"));
        REQUIRE(std::isfinite(p[i]));
        REQUIRE(p[i] >= 0.0f);
        REQUIRE(p[i] <= 1.0f);
    }
    CAPTURE(p[0], p[1], p[3]);
    {
        INFO("sigmoid(-1000) must be exactly 0");
        REQUIRE(p[0] == 0.0f);
    }
    {
        INFO("sigmoid(1000) must be exactly 1");
        REQUIRE(p[3] == 1.0f);
    }
    INFO(
        "sigmoid(-100) must be a tiny positive value (e^-100 = 3.7e-44 is a float denormal), not 0: "
        "1 / (1 + e^100) rounds to 0 in float, so compute e^z / (1 + e^z) for negative z");
    REQUIRE(p[1] > 0.0f);
}

TEST_CASE("ch01.sigmoid_backward matches finite differences", "[ch01][exercise]") {
    const TensorD z = testing::random_tensor<double>({3, 5}, 11, 2.0);
    const TensorD dp = testing::random_tensor<double>({3, 5}, 12);   // non-uniform upstream gradient
    TensorD p, dz;
    sigmoid_forward(p, z);
    sigmoid_backward(dz, dp, p);
    // L(z) = Σ σ(z) ⊙ dp, so ∂L/∂z = dz.
    const auto loss = [&](const TensorD& zz) {
        TensorD pp;
        sigmoid_forward(pp, zz);
        double s = 0;
        for (std::size_t i = 0; i < pp.size(); ++i) s += pp[i] * dp[i];
        return s;
    };
    auto report = testing::gradcheck_scalar(loss, z, dz);
    TensorD without_dp(z.shape()), sigmoid_again(z.shape());
    for (std::size_t i = 0; i < z.size(); ++i) {
        without_dp[i] = p[i] * (1 - p[i]);
        const double s = 1 / (1 + std::exp(-p[i]));
        sigmoid_again[i] = dp[i] * s * (1 - s);
    }
    testing::name_slip(
        report, dz,
        {{"dZ is P (1 - P) without dP: multiply by the upstream gradient, dZ = dP * P * (1 - P)", without_dp},
         {"dZ applies the sigmoid to P again: P is already sigmoid(z), so dZ = dP * P * (1 - P)", sigmoid_again}});
    INFO(report.describe());
    REQUIRE(report.max_rel_error < 1e-6);
}

TEST_CASE("ch01.sigmoid_backward rejects mismatched shapes", "[ch01][exercise]") {
    const Tensor dp({3, 2}), p({2, 3});
    Tensor dz;
    REQUIRE(testing::throws_error([&] { sigmoid_backward(dz, dp, p); }));
}

TEST_CASE("ch01.bce_forward gives the known values", "[ch01][exercise]") {
    const std::string no_minus =
        "the loss is negative: it is minus the mean log-likelihood, "
        "-(1/N) sum over n of [y log p + (1 - y) log(1 - p)]";
    // One example: p = 3/4 for y = 1 costs −ln(3/4); for y = 0, −ln(1/4).
    testing::require_close(bce_forward(TensorD::from({1}, {0.75}), TensorD::from({1}, {1.0})), std::log(4.0 / 3.0),
                           1e-14, 0, "the loss of p = 0.75 for y = 1", {{no_minus, -std::log(4.0 / 3.0)}});
    testing::require_close(bce_forward(TensorD::from({1}, {0.75}), TensorD::from({1}, {0.0})), std::log(4.0), 1e-14, 0,
                           "the loss of p = 0.75 for y = 0",
                           {{no_minus, -std::log(4.0)},
                            {"the (1 - y) log(1 - p) term, the whole loss when y = 0, is missing", 0.0},
                            {"the loss of y = 0 is -log(p); it must be -log(1 - p)", std::log(4.0 / 3.0)}});
    // The mean over a batch, not the sum.
    const TensorD p = TensorD::from({4, 1}, {0.9, 0.2, 0.6, 0.5}), y = TensorD::from({4, 1}, {1, 0, 0, 1});
    const double expected = -(std::log(0.9) + std::log(0.8) + std::log(0.4) + std::log(0.5)) / 4.0;
    testing::require_close(bce_forward(p, y), expected, 1e-14, 0, "the loss of a batch of 4",
                           {{"the sum over the batch, not the mean: divide by N = 4", 4 * expected},
                            {no_minus, -expected},
                            {"the (1 - y) log(1 - p) term is missing", -(std::log(0.9) + std::log(0.5)) / 4.0}});
}

TEST_CASE("ch01.bce_forward stays finite for a confident mistake", "[ch01][exercise]") {
    const Tensor p = Tensor::from({2}, {0.0f, 1.0f}), y = Tensor::from({2}, {1.0f, 0.0f});
    const float loss = bce_forward(p, y);
    {
        INFO(
            "p = 0 for y = 1 (and p = 1 for y = 0) would take log(0) = -inf: clamp p to "
            "[bce_epsilon, 1 - bce_epsilon] before the logarithms");
        REQUIRE(std::isfinite(loss));
    }
    INFO("the loss must be large and positive: -log(bce_epsilon) is about 16");
    REQUIRE(loss > 10.0f);   // −ln(1e-7) ≈ 16.1
}

TEST_CASE("ch01.bce_backward matches finite differences", "[ch01][exercise]") {
    const TensorD p = testing::random_uniform<double>({6, 1}, 21, 0.05, 0.95);
    const TensorD y = random_labels({6, 1}, 22);
    TensorD dp;
    bce_backward(dp, p, y);
    auto report = testing::gradcheck_scalar([&](const TensorD& pp) { return bce_forward(pp, y); }, p, dp);
    TensorD through_sigmoid(p.shape());
    for (std::size_t n = 0; n < p.size(); ++n) through_sigmoid[n] = (p[n] - y[n]) / static_cast<double>(p.size());
    testing::name_slip(report, dp,
                       {{"dP is (p - y) / N, the gradient with respect to z through the sigmoid; bce_backward gives "
                         "dL/dp = (p - y) / (N p (1 - p))",
                         through_sigmoid}});
    INFO(report.describe());
    REQUIRE(report.max_rel_error < 1e-6);
}

TEST_CASE("ch01.bce_backward through the sigmoid gives (p - y) / N", "[ch01][exercise]") {
    // The reason logistic regression pairs the sigmoid with cross-entropy: the two derivatives'
    // denominators cancel and dL/dz = (p − y) / N, which stays large on a confident mistake where
    // σ'(z) alone is tiny. (In float, once σ(z) rounds to exactly 1 the two separate backward
    // passes lose it anyway: chapter 2 fuses them for that reason. Double keeps it here.)
    const TensorD z = testing::random_tensor<double>({8, 1}, 31, 3.0);
    const TensorD y = random_labels({8, 1}, 32);
    TensorD p, dp, dz;
    sigmoid_forward(p, z);
    bce_backward(dp, p, y);
    sigmoid_backward(dz, dp, p);
    bool dp_right = true;
    for (std::size_t n = 0; n < 8; ++n)
        dp_right = dp_right && std::abs(dp[n] - (p[n] - y[n]) / (8.0 * p[n] * (1 - p[n]))) <= 1e-9 * std::abs(dp[n]);
    INFO((dp_right
              ? "bce_backward's dP is right, so sigmoid_backward is wrong: dZ = dP * P * (1 - P)"
              : "bce_backward's dP is wrong: it must be (p - y) / (N p (1 - p)) (its own gradient check says more)"));
    for (std::size_t n = 0; n < 8; ++n) {
        CAPTURE(n, p[n], y[n]);
        REQUIRE_THAT(dz[n], WithinRel((p[n] - y[n]) / 8.0, 1e-9) || WithinAbs((p[n] - y[n]) / 8.0, 1e-15));
    }
}

TEST_CASE("ch01.gradient_descent_step moves against the gradient", "[ch01][exercise]") {
    TensorD theta = TensorD::from({2, 2}, {1.0, -2.0, 0.5, 0.0});
    const TensorD grad = TensorD::from({2, 2}, {0.5, -1.0, 0.0, 4.0});
    gradient_descent_step(theta, grad, 0.1);
    testing::require_close(
        theta, TensorD::from({2, 2}, {0.95, -1.9, 0.5, -0.4}), 1e-15, 0, "theta",
        {{"theta moved along the gradient, not against it: theta -= lr * grad",
          TensorD::from({2, 2}, {1.05, -2.1, 0.5, 0.4})},
         {"the learning rate is left out: theta -= lr * grad", TensorD::from({2, 2}, {0.5, -1.0, 0.5, -4.0})}});
    REQUIRE(theta[2] == 0.5);
    const TensorD wrong({4});
    REQUIRE(testing::throws_error([&] { gradient_descent_step(theta, wrong, 0.1); }));
}

TEST_CASE("ch01.sigmoid_backward makes the Logistic layer pass a gradient check", "[ch01][exercise]") {
    // The whole layer, z = X w + b then σ, in isolation: dX, dw and db against finite differences.
    Rng rng(41);
    nn::LogisticT<double> layer(7, rng);
    for (auto& v : layer.w().value) v = rng.normal();   // larger weights than the init: a real test
    layer.b().value[0] = 0.3;
    const TensorD x = testing::random_tensor<double>({5, 7}, 42);
    const TensorD dy = testing::random_tensor<double>({5, 1}, 43);
    const auto report = testing::gradcheck(layer, x, dy);
    INFO(report.describe());
    REQUIRE(report.max_rel_error < 1e-6);
}

TEST_CASE("ch01.gradient_descent_step trains logistic regression past 97% on blobs", "[ch01][exercise]") {
    Rng rng(5);
    const data::Dataset train = data::make_blobs(600, rng), val = data::make_blobs(200, rng);
    nn::Sequential model({2});
    model.add<nn::Logistic>(2, rng);
    nn::BinaryCrossEntropy loss;
    optim::Optimizer sgd({.name = "sgd"});
    const auto history = train::fit(model, loss, sgd, train, val, {.epochs = 5, .batch_size = 32, .lr = 0.5, .progress = false}, rng);
    REQUIRE(history.size() == 5);
    REQUIRE(history.back().train_loss < history.front().train_loss);
    REQUIRE(history.back().val_acc > 0.97);
}

TEST_CASE("ch01.sigmoid_backward passes a gradient check as a layer on a batch", "[ch01][exercise]") {
    nn::SigmoidT<double> layer;
    const auto report = testing::gradcheck(layer, testing::random_tensor<double>({3, 5}, 5, 2.0),
                                           testing::random_tensor<double>({3, 5}, 6));
    INFO(report.describe());
    REQUIRE(report.max_rel_error < 1e-6);
}
