// Binary cross-entropy on logits (stable at ±100), the GAN's two losses and leaky ReLU, against
// PyTorch, cases worked by hand and finite differences.
#include "dl/nn/generative.hpp"
#include "dl/ops/generative.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/fixtures.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using namespace dl;
using testing::require_close;

TEST_CASE("ch09.bce_with_logits_forward agrees with PyTorch and stays finite at logits of +-100", "[ch09][exercise]") {
    const testing::Fixture f("ch09_bce_gan.txt");
    const TensorD& X = f["X"];
    const double scale = 1.0 / static_cast<double>(X.size());
    require_close(bce_with_logits_forward(X, f["Y"], scale), f["bce"][0], 1e-12, 0, "the mean BCE against PyTorch");
    // At x = −100 with target 1 the loss is 100 (σ(−100) ≈ 3.7e−44, −log of it); log σ(x) taken
    // directly gives log(0) = −inf in float. At x = 100 with target 1 it is e^−100, not 0 − 0.
    const float far = bce_with_logits_forward(Tensor::from({2}, {-100.f, 100.f}), Tensor::from({2}, {1.f, 1.f}), 1.f);
    INFO("the float loss at logits (-100, 100), targets (1, 1)");
    REQUIRE(std::isfinite(far));
    require_close(far, 100.0, 1e-6, 0, "the float loss at x = -100, y = 1 (and x = 100, y = 1)");
    require_close(bce_with_logits_forward(TensorD::from({1}, {0.0}), TensorD::from({1}, {0.3}), 2.0), 2 * std::log(2.0),
                  1e-15, 0, "2 * loss at x = 0 (ln 2 for any target)");
}

TEST_CASE("ch09.bce_with_logits_backward is scale * (sigmoid(x) - y), as PyTorch's, and finite at +-100",
          "[ch09][exercise]") {
    const testing::Fixture f("ch09_bce_gan.txt");
    const TensorD& X = f["X"];
    TensorD dX({1}, 1e6);
    bce_with_logits_backward(dX, X, f["Y"], 1.0 / static_cast<double>(X.size()));
    TensorD negated = f["bce_dX"];
    for (auto& v : negated) v = -v;
    require_close(dX, f["bce_dX"], 1e-12, 1e-15, "dX", {{"the sign flipped: the gradient is σ(x) − y", negated}});
    Tensor dXf;
    bce_with_logits_backward(dXf, Tensor::from({4}, {-100.f, -30.f, 30.f, 100.f}), Tensor({4}, 1.f), 1.f);
    for (const float v : dXf) REQUIRE(std::isfinite(v));
    require_close(dXf, TensorD::from({4}, {-1, -1, 0, 0}), 0, 1e-12, "float dX at extreme logits, target 1");
}

TEST_CASE("ch09.bce_with_logits_backward matches finite differences", "[ch09][exercise]") {
    TensorD X = testing::random_tensor<double>({3, 5}, 1, 3.0);
    const TensorD Y = testing::random_uniform<double>({3, 5}, 2, 0, 1);
    TensorD dX;
    bce_with_logits_backward(dX, X, Y, 0.25);
    const auto report = testing::gradcheck_scalar([&](const TensorD& x) { return bce_with_logits_forward(x, Y, 0.25); },
                                                  X, dX);
    INFO(report.describe());
    REQUIRE(report.max_rel_error < 1e-6);
}

TEST_CASE("ch09.gan_discriminator_loss agrees with PyTorch: real labelled 1, fake labelled 0", "[ch09][exercise]") {
    const testing::Fixture f("ch09_bce_gan.txt");
    TensorD d_real, d_fake;
    const double loss = gan_discriminator_loss(d_real, d_fake, f["real"], f["fake"]);
    require_close(loss, f["loss_d"][0], 1e-12, 0, "L_D");
    require_close(d_real, f["d_real"], 1e-12, 1e-15, "d_real");
    require_close(d_fake, f["d_fake"], 1e-12, 1e-15, "d_fake");
}

TEST_CASE("ch09.gan_generator_loss is the non-saturating -mean log sigmoid(fake), as PyTorch's", "[ch09][exercise]") {
    const testing::Fixture f("ch09_bce_gan.txt");
    TensorD d_fake;
    const double loss = gan_generator_loss(d_fake, f["fake"]);
    // The slip: minimising the minimax game's mean log(1 − σ(fake)) = −mean ℓ(fake, 0).
    double minimax = 0;
    for (const double x : f["fake"]) minimax += -(std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))));
    minimax /= static_cast<double>(f["fake"].size());
    require_close(loss, f["loss_g"][0], 1e-12, 0, "L_G",
                  {{"the saturating minimax loss mean log(1 − σ(fake)); use −mean log σ(fake)", minimax}});
    require_close(d_fake, f["g_fake"], 1e-12, 1e-15, "d_fake");
    // Why non-saturating: when D rejects a fake confidently (logit −10) the gradient is still −1/N.
    TensorD g;
    gan_generator_loss(g, TensorD::from({2, 1}, {-10.0, -10.0}));
    REQUIRE(g[0] < -0.49);
}

TEST_CASE("ch09.leaky_relu_forward agrees with PyTorch (slope 0.2)", "[ch09][exercise]") {
    const testing::Fixture f("ch09_leaky_relu.txt");
    TensorD Y;
    leaky_relu_forward(Y, f["X"], 0.2);
    TensorD relu = f["X"];
    for (auto& v : relu) v = std::max(v, 0.0);
    require_close(Y, f["Y"], 1e-15, 0, "Y", {{"negative inputs set to 0 (ReLU): they are a·x", relu}});
}

TEST_CASE("ch09.leaky_relu_backward agrees with PyTorch (slope 0.2), with slope a at 0", "[ch09][exercise]") {
    const testing::Fixture f("ch09_leaky_relu.txt");
    TensorD dX;
    leaky_relu_backward(dX, f["dY"], f["X"], 0.2);
    require_close(dX, f["dX"], 1e-15, 0, "dX");
    // At 0 the slope is taken as a, as PyTorch does.
    leaky_relu_backward(dX, TensorD::from({1}, {1.0}), TensorD::from({1}, {0.0}), 0.2);
    require_close(dX, TensorD::from({1}, {0.2}), 0, 1e-15, "dX at x = 0");
}

TEST_CASE("ch09.leaky_relu_backward gives a layer whose gradient matches finite differences", "[ch09][exercise]") {
    nn::LeakyReLUT<double> layer(0.2);
    const TensorD X = testing::random_tensor<double>({4, 6}, 3), dY = testing::random_tensor<double>({4, 6}, 4);
    const auto report = testing::gradcheck(layer, X, dY);
    INFO(report.describe());
    REQUIRE(report.max_rel_error < 1e-6);
}

TEST_CASE("Unflatten turns [N, d] into [N, C, H, W] and the gradient back", "[ch09][infra]") {
    nn::UnflattenT<double> layer({2, 3, 4});
    REQUIRE(layer.output_shape({24}) == Shape{2, 3, 4});
    REQUIRE_THROWS_AS(layer.output_shape({25}), ShapeError);
    const TensorD X = testing::random_tensor<double>({5, 24}, 1);
    const TensorD& Y = layer.forward(X, nn::Mode::train);
    REQUIRE(Y.shape() == Shape{5, 2, 3, 4});
    for (std::size_t i = 0; i < X.size(); ++i) REQUIRE(Y[i] == X[i]);
    const TensorD& dX = layer.backward(Y);
    REQUIRE(dX.shape() == X.shape());
    REQUIRE_THROWS_AS(layer.forward(TensorD({5, 23}), nn::Mode::train), ShapeError);
}
