// Softmax cross-entropy and mean squared error: values, stability, and gradients.
#include "dl/ops/mse.hpp"
#include "dl/ops/softmax_cross_entropy.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace dl;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {
// What softmax_cross_entropy_backward's commonest slips give for probabilities P and labels y.
std::vector<testing::Slip> softmax_slips(const TensorD& P, const std::vector<int>& y) {
    const std::size_t n = P.dim(0), k = P.dim(1);
    TensorD no_one(P.shape()), no_mean(P.shape()), flipped(P.shape());
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t j = 0; j < k; ++j) {
            const double onehot = static_cast<std::size_t>(y[r]) == j ? 1.0 : 0.0;
            no_one(r, j) = P(r, j) / static_cast<double>(n);
            no_mean(r, j) = P(r, j) - onehot;
            flipped(r, j) = (onehot - P(r, j)) / static_cast<double>(n);
        }
    return {{"dZ is P / N: subtract 1 at each row's label, dZ = (P - onehot(y)) / N", no_one},
            {"dZ is P - onehot(y) without the 1/N of the mean", no_mean},
            {"dZ has the wrong sign: (P - onehot(y)) / N, not (onehot(y) - P) / N", flipped}};
}
}  // namespace

TEST_CASE("ch02.softmax_cross_entropy_forward gives the known values", "[ch02][exercise]") {
    // Uniform logits: every class has p = 1/K and the loss is ln K.
    const TensorD z({2, 4}, 3.0);
    TensorD p;
    const std::vector<int> y{0, 3};
    testing::require_close(softmax_cross_entropy_forward(p, z, y), std::log(4.0), 1e-14, 0,
                           "the loss of 2 rows of 4 equal logits",
                           {{"the sum over the batch, not the mean: divide by N = 2", 2 * std::log(4.0)},
                            {"the loss is negative: it is -(1/N) sum over n of log P[n, y_n]", -std::log(4.0)}});
    for (const double v : p) REQUIRE_THAT(v, WithinRel(0.25, 1e-14));
    // One example by hand: z = (1, 2, 3), label 2: p_2 = e³ / (e + e² + e³).
    const TensorD z1 = TensorD::from({1, 3}, {1.0, 2.0, 3.0});
    const double expected = -std::log(std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0)));
    testing::require_close(softmax_cross_entropy_forward(p, z1, std::vector<int>{2}), expected, 1e-14, 0,
                           "the loss of z = (1, 2, 3) for label 2",
                           {{"the loss is negative: it is -(1/N) sum over n of log P[n, y_n]", -expected},
                            {"the loss is -log P of class 0, not of the label's class: index the row by y_n",
                             -std::log(std::exp(1.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0)))}});
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
        auto report = testing::gradcheck_scalar(
            [&](const TensorD& zz) {
                TensorD pp;
                return softmax_cross_entropy_forward(pp, zz, y);
            },
            z, dz);
        testing::name_slip(report, dz, softmax_slips(p, y));
        INFO(report.describe());
        REQUIRE(report.max_rel_error < 1e-6);
    }
}

TEST_CASE("ch02.softmax_cross_entropy_backward is (p - y) / N", "[ch02][exercise]") {
    const TensorD p = TensorD::from({2, 3}, {0.2, 0.3, 0.5, 0.6, 0.3, 0.1});
    TensorD dz;
    softmax_cross_entropy_backward(dz, p, std::vector<int>{2, 0});
    testing::require_close(dz, TensorD::from({2, 3}, {0.1, 0.15, -0.25, -0.2, 0.15, 0.05}), 1e-14, 1e-16, "dZ",
                           softmax_slips(p, {2, 0}));
}

TEST_CASE("ch02.mse_forward averages over every element", "[ch02][exercise]") {
    const TensorD y = TensorD::from({2, 2}, {1.0, 2.0, 3.0, 4.0}), t = TensorD::from({2, 2}, {0.0, 2.0, 5.0, 3.0});
    testing::require_close(mse_forward(y, t), (1.0 + 0.0 + 4.0 + 1.0) / 4.0, 1e-15, 0, "the MSE of a 2 x 2 batch",
                           {{"the sum of the squares, not their mean: divide by all M = 4 elements", 6.0},
                            {"divided by the 2 rows, not by all M = 4 elements", 3.0},
                            {"the mean of |y - t|, not of (y - t)^2", 1.0}});
}

TEST_CASE("ch02.mse_backward matches finite differences", "[ch02][exercise]") {
    const TensorD y = testing::random_tensor<double>({3, 4}, 31), t = testing::random_tensor<double>({3, 4}, 32);
    TensorD dy;
    mse_backward(dy, y, t);
    const auto report = testing::gradcheck_scalar([&](const TensorD& yy) { return mse_forward(yy, t); }, y, dy);
    INFO(report.describe());
    REQUIRE(report.max_rel_error < 1e-6);
}
