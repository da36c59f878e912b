// Inverted dropout: the expectation kept (statistically, with a stated bound), the mask shared by forward
// and backward, p = 0, bad p, reproducible draws.
#include "dl/ops/dropout.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/random.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <limits>

using namespace dl;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("ch04.dropout_forward keeps the expectation and a fraction 1 - p of the elements", "[ch04][exercise]") {
    // X = 1 everywhere, p = 0.3, M = 10⁶ elements (float, the training type). Each Y_i is 1/(1 − p) with
    // probability 1 − p and 0 otherwise: E[Y_i] = 1, Var[Y_i] = p/(1 − p). The mean of M of them is
    // within 5 standard errors sqrt(p/(1 − p)/M) ≈ 6.5e-4 of 1 except with probability 6e-7; the seed
    // is fixed, so the test is deterministic, and a wrong scale (1, or 1/p) is off by hundreds of errors.
    // The fraction kept is a mean of Bernoulli(1 − p): standard error sqrt(p(1 − p)/M) ≈ 4.6e-4.
    const double p = 0.3;
    const std::size_t M = 1'000'000;
    const Tensor X({M}, 1.0f);
    Tensor Y, mask;
    Rng rng(2024);
    dropout_forward(Y, mask, X, static_cast<float>(p), rng);
    REQUIRE(Y.shape() == X.shape());
    REQUIRE(mask.shape() == X.shape());
    double sum = 0;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < M; ++i) {
        sum += static_cast<double>(Y[i]);
        kept += Y[i] != 0.0f;
    }
    const double mean = sum / static_cast<double>(M), fraction = static_cast<double>(kept) / static_cast<double>(M);
    const double se_mean = std::sqrt(p / (1 - p) / static_cast<double>(M));
    const double se_fraction = std::sqrt(p * (1 - p) / static_cast<double>(M));
    INFO("mean of Y " << mean << " (standard error " << se_mean << "), fraction kept " << fraction
                      << " (standard error " << se_fraction << "); tolerance 5 standard errors");
    // The commonest slips, recognised by what they do to the two statistics.
    const auto near = [](double got, double want) { return std::abs(got - want) < 0.01; };
    if (near(fraction, p))
        FAIL("the fraction kept is " << fraction << ", about p = " << p << " instead of 1 - p = " << 1 - p
                                     << "; likely mistake: an element is kept with probability p (keep it when "
                                        "rng.bernoulli(1 - p) is true)");
    if (near(fraction, 1 - p) && near(mean, 1 - p))
        FAIL("the mean of Y is " << mean << ", about 1 - p = " << 1 - p << " instead of 1; likely mistake: the kept "
                                    "elements are not scaled by 1/(1 - p) (inverted dropout scales while training, "
                                    "so that evaluation needs no change)");
    if (near(fraction, 1 - p) && near(mean, (1 - p) / p))
        FAIL("the mean of Y is " << mean << ", about (1 - p)/p instead of 1; likely mistake: the kept elements are "
                                    "scaled by 1/p instead of 1/(1 - p)");
    REQUIRE_THAT(mean, WithinAbs(1.0, 5 * se_mean));
    REQUIRE_THAT(fraction, WithinAbs(1 - p, 5 * se_fraction));
}

TEST_CASE("ch04.dropout_backward uses the forward's mask: dX = dY times mask, zero where Y was zeroed",
          "[ch04][exercise]") {
    const double p = 0.4;
    const TensorD X = testing::random_tensor<double>({7, 9}, 51);   // no exact zeros
    const TensorD dY = testing::random_tensor<double>({7, 9}, 52);
    TensorD Y, mask, dX;
    Rng rng(5);
    dropout_forward(Y, mask, X, p, rng);
    dropout_backward(dX, dY, mask);
    REQUIRE(dX.shape() == dY.shape());
    std::size_t dropped = 0;
    for (std::size_t i = 0; i < X.size(); ++i) {
        CAPTURE(i, X[i], Y[i], mask[i], dY[i], dX[i]);
        // The mask is 0 or 1/(1 − p) (1e-15: X/(1 − p) and X · (1/(1 − p)) may differ in the last bit).
        REQUIRE((mask[i] == 0.0 || std::abs(mask[i] - 1 / (1 - p)) <= 1e-15));
        REQUIRE_THAT(Y[i], WithinRel(X[i] * mask[i], 1e-15));
        REQUIRE(dX[i] == dY[i] * mask[i]);   // the same product, exactly
        if (Y[i] == 0.0) {
            REQUIRE(dX[i] == 0.0);   // a dropped element passes no gradient back
            ++dropped;
        }
    }
    // 63 elements at p = 0.4: about 25 dropped; both kinds must be there for the test to mean anything.
    REQUIRE(dropped > 0);
    REQUIRE(dropped < X.size());
}

TEST_CASE("ch04.dropout_forward with p = 0 is the identity", "[ch04][exercise]") {
    const TensorD X = testing::random_tensor<double>({4, 6}, 53);
    TensorD Y, mask;
    Rng rng(6);
    dropout_forward(Y, mask, X, 0.0, rng);
    REQUIRE(Y.shape() == X.shape());
    for (std::size_t i = 0; i < X.size(); ++i) {
        REQUIRE(Y[i] == X[i]);
        REQUIRE(mask[i] == 1.0);
    }
}

TEST_CASE("ch04.dropout_forward rejects p below 0 and p of 1 or more", "[ch04][exercise]") {
    // p = 1 would drop everything and scale by 1/0.
    const Tensor X({3, 4}, 1.0f);
    Tensor Y, mask;
    Rng rng(7);
    for (const float p : {1.0f, 1.5f, -0.1f, std::numeric_limits<float>::quiet_NaN()}) {
        CAPTURE(p);
        REQUIRE(testing::throws_error([&] { dropout_forward(Y, mask, X, p, rng); }));
    }
}

TEST_CASE("ch04.dropout_forward draws its mask with rng.bernoulli(1 - p), in order, so a seed repeats it",
          "[ch04][exercise]") {
    // The contract fixes the draws, so a learner's mask equals the reference's for the same seed.
    const float p = 0.5f;
    const Tensor X({5, 8}, 2.0f);
    Tensor Y1, mask1, Y2, mask2, Y3, mask3;
    Rng rng1(99), rng2(99), rng3(100);
    dropout_forward(Y1, mask1, X, p, rng1);
    dropout_forward(Y2, mask2, X, p, rng2);
    dropout_forward(Y3, mask3, X, p, rng3);
    Rng replay(99);
    bool differs_from_other_seed = false;
    for (std::size_t i = 0; i < X.size(); ++i) {
        CAPTURE(i);
        REQUIRE(mask1[i] == mask2[i]);
        REQUIRE(Y1[i] == Y2[i]);
        REQUIRE((mask1[i] != 0.0f) == replay.bernoulli(1.0 - static_cast<double>(p)));
        differs_from_other_seed |= mask1[i] != mask3[i];
    }
    REQUIRE(differs_from_other_seed);   // 40 elements: equal by chance with probability 2⁻⁴⁰
}

TEST_CASE("ch04.dropout_backward rejects a gradient shaped unlike the mask", "[ch04][exercise]") {
    const TensorD dY({3, 2}), mask({2, 3}, 1.0);
    TensorD dX;
    REQUIRE(testing::throws_error([&] { dropout_backward(dX, dY, mask); }));
    REQUIRE_THROWS_WITH(dropout_backward(dX, dY, mask), Contains("has shape"));
}
