// Softmax cross-entropy and mean squared error: values, stability, and gradients.
#include "dl/ops/mse.hpp"
#include "dl/ops/softmax_cross_entropy.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace dl;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("ch02.softmax_cross_entropy_forward gives the known values", "[ch02][exercise]") {
    // Uniform logits: every class has p = 1/K and the loss is ln K.
    const TensorD z({2, 4}, 3.0);
    TensorD p;
    const std::vector<int> y{0, 3};
    REQUIRE_THAT(softmax_cross_entropy_forward(p, z, y), WithinRel(std::log(4.0), 1e-14));
    for (const double v : p) REQUIRE_THAT(v, WithinRel(0.25, 1e-14));
    // One example by hand: z = (1, 2, 3), label 2: p_2 = e³ / (e + e² + e³).
    const TensorD z1 = TensorD::from({1, 3}, {1.0, 2.0, 3.0});
    const double expected = -std::log(std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0)));
    REQUIRE_THAT(softmax_cross_entropy_forward(p, z1, std::vector<int>{2}), WithinRel(expected, 1e-14));
}

TEST_CASE("ch02.softmax_cross_entropy_forward is stable for huge logits", "[ch02][exercise]") {
    // e^1000 overflows; shifting by the row maximum does not. A confident mistake costs ~2000.
    const Tensor z = Tensor::from({2, 3}, {1000.f, 0.f, -1000.f, -1000.f, 0.f, 1000.f});
    Tensor p;
    const float loss = softmax_cross_entropy_forward(p, z, std::vector<int>{0, 0});
    CAPTURE(loss, p[0], p[1], p[2]);
    INFO("an infinite or NaN loss here means e^z overflowed: subtract each row's maximum from its logits "
         "before the exponential (the softmax does not change), and compute log P as (z - max) - log(sum)");
    REQUIRE(std::isfinite(loss));
    REQUIRE_THAT(loss, WithinRel(1000.0f, 1e-4f));   // (0 + 2000) / 2
    REQUIRE(p[0] == 1.0f);
    for (const float v : p) REQUIRE(std::isfinite(v));
}

TEST_CASE("ch02.softmax_cross_entropy_forward rejects a label outside the classes", "[ch02][exercise]") {
    const Tensor z({2, 3});
    Tensor p;
    REQUIRE(testing::throws_error([&] { softmax_cross_entropy_forward(p, z, std::vector<int>{0, 3}); }));
    REQUIRE(testing::throws_error([&] { softmax_cross_entropy_forward(p, z, std::vector<int>{-1, 0}); }));
}

TEST_CASE("ch02.softmax_cross_entropy_backward matches finite differences", "[ch02][exercise]") {
    for (const auto& [n, k] : {std::pair{1u, 2u}, {5u, 3u}, {7u, 10u}}) {
        CAPTURE(n, k);
        const TensorD z = testing::random_tensor<double>({n, k}, 20 + n, 2.0);
        std::vector<int> y(n);
        Rng rng(n);
        for (auto& c : y) c = static_cast<int>(rng.below(k));
        TensorD p, dz;
        softmax_cross_entropy_forward(p, z, y);
        softmax_cross_entropy_backward(dz, p, y);
        const auto report = testing::gradcheck_scalar(
            [&](const TensorD& zz) {
                TensorD pp;
                return softmax_cross_entropy_forward(pp, zz, y);
            },
            z, dz);
        INFO(report.describe());
        REQUIRE(report.max_rel_error < 1e-6);
    }
}

TEST_CASE("ch02.softmax_cross_entropy_backward is (p - y) / N", "[ch02][exercise]") {
    const TensorD p = TensorD::from({2, 3}, {0.2, 0.3, 0.5, 0.6, 0.3, 0.1});
    TensorD dz;
    softmax_cross_entropy_backward(dz, p, std::vector<int>{2, 0});
    const std::vector<double> expected{0.1, 0.15, -0.25, -0.2, 0.15, 0.05};
    for (std::size_t i = 0; i < 6; ++i) REQUIRE_THAT(dz[i], WithinRel(expected[i], 1e-14) || WithinAbs(expected[i], 1e-16));
}

TEST_CASE("ch02.mse_forward averages over every element", "[ch02][exercise]") {
    const TensorD y = TensorD::from({2, 2}, {1.0, 2.0, 3.0, 4.0}), t = TensorD::from({2, 2}, {0.0, 2.0, 5.0, 3.0});
    REQUIRE_THAT(mse_forward(y, t), WithinRel((1.0 + 0.0 + 4.0 + 1.0) / 4.0, 1e-15));
}

TEST_CASE("ch02.mse_backward matches finite differences", "[ch02][exercise]") {
    const TensorD y = testing::random_tensor<double>({3, 4}, 31), t = testing::random_tensor<double>({3, 4}, 32);
    TensorD dy;
    mse_backward(dy, y, t);
    const auto report = testing::gradcheck_scalar([&](const TensorD& yy) { return mse_forward(yy, t); }, y, dy);
    INFO(report.describe());
    REQUIRE(report.max_rel_error < 1e-6);
}
