// Label smoothing: a value by hand, ε = 0 as chapter 2's loss, stability for huge logits, the
// gradient by finite differences, and bad ε or labels refused.
#include "dl/ops/label_smoothing.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace dl;

namespace {
// What label_smoothing_backward's commonest slips give for probabilities P, labels y and ε.
std::vector<testing::Slip> smoothing_slips(const TensorD& P, const std::vector<int>& y, double eps) {
    const std::size_t n = P.dim(0), k = P.dim(1);
    const double N = static_cast<double>(n), K = static_cast<double>(k);
    TensorD one_hot(P.shape()), no_share(P.shape()), over_k_minus_1(P.shape());
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t j = 0; j < k; ++j) {
            const bool label = static_cast<std::size_t>(y[r]) == j;
            one_hot(r, j) = (P(r, j) - (label ? 1.0 : 0.0)) / N;
            no_share(r, j) = (P(r, j) - (label ? 1 - eps : eps / K)) / N;
            over_k_minus_1(r, j) = (P(r, j) - (label ? 1 - eps : eps / (K - 1))) / N;
        }
    return {{"dZ is chapter 2's (P - onehot(y)) / N: the target is q = (1 - eps) onehot(y) + eps / K", one_hot},
            {"the label's target is 1 - eps: it is 1 - eps + eps / K, since every class gets eps / K, the label's "
             "too",
             no_share},
            {"eps shared over the K - 1 other classes (that is another smoothing): q = (1 - eps) onehot(y) + eps / K",
             over_k_minus_1}};
}
}  // namespace

TEST_CASE("ch04.label_smoothing_forward gives the value by hand", "[ch04][exercise]") {
    // z = (ln 1, ln 2, ln 3) + 1000: P = (1/6, 2/6, 3/6) (the shift changes nothing, if the maximum is
    // subtracted). Label 2, ε = 0.3, K = 3: q = (0.1, 0.1, 0.8).
    const TensorD z = TensorD::from({1, 3}, {1000.0, 1000.0 + std::log(2.0), 1000.0 + std::log(3.0)});
    const double l0 = -std::log(1.0 / 6), l1 = -std::log(2.0 / 6), l2 = -std::log(3.0 / 6);
    const double expected = 0.1 * l0 + 0.1 * l1 + 0.8 * l2;
    TensorD p;
    testing::require_close(label_smoothing_forward(p, z, std::vector<int>{2}, 0.3), expected, 1e-12, 0,
                           "the loss of z = (ln 1, ln 2, ln 3) + 1000 for label 2 and eps 0.3",
                           {{"the label's weight is 1 - eps: it is 1 - eps + eps / K", 0.1 * l0 + 0.1 * l1 + 0.7 * l2},
                            {"eps shared over the other K - 1 classes: q = (1 - eps) onehot(y) + eps / K",
                             0.15 * l0 + 0.15 * l1 + 0.7 * l2},
                            {"chapter 2's loss, -log P of the label only: add eps / K times -log P of every class",
                             l2},
                            {"the loss is negative: it is -sum over k of q_k log P_k", -expected}});
    testing::require_close(p, TensorD::from({1, 3}, {1.0 / 6, 2.0 / 6, 3.0 / 6}), 1e-12, 0, "P");
}

TEST_CASE("ch04.label_smoothing_forward with eps 0 is chapter 2's loss, and averages over the batch",
          "[ch04][exercise]") {
    // Rows of 4 equal logits: P = 1/4 everywhere, and any q summing to 1 gives ln 4, whatever ε.
    const TensorD uniform({2, 4}, 3.0);
    TensorD p;
    testing::require_close(label_smoothing_forward(p, uniform, std::vector<int>{0, 3}, 0.5), std::log(4.0), 1e-14, 0,
                           "the loss of 2 rows of 4 equal logits",
                           {{"the sum over the batch, not the mean: divide by N = 2", 2 * std::log(4.0)}});
    const TensorD z = TensorD::from({2, 3}, {1.0, 2.0, 3.0, 0.5, -1.0, 2.0});
    double want = 0;
    for (std::size_t r = 0; r < 2; ++r) {
        const double sum = std::exp(z(r, 0)) + std::exp(z(r, 1)) + std::exp(z(r, 2));
        want -= std::log(std::exp(z(r, r == 0 ? 1 : 0)) / sum) / 2;
    }
    testing::require_close(label_smoothing_forward(p, z, std::vector<int>{1, 0}, 0.0), want, 1e-12, 0,
                           "the loss with eps 0 (chapter 2's cross-entropy) of two rows");
}

TEST_CASE("ch04.label_smoothing_forward is stable for huge logits", "[ch04][exercise]") {
    // P of the -1000 class underflows to 0 in float; its log must not: log P = (z - max) - log(sum).
    const Tensor z = Tensor::from({1, 3}, {1000.f, 0.f, -1000.f});
    Tensor p;
    const float loss = label_smoothing_forward(p, z, std::vector<int>{0}, 0.3);
    CAPTURE(loss, p[0], p[1], p[2]);
    INFO("an infinite or NaN loss here means log P was taken of an underflowed 0 (or e^z overflowed): "
         "compute log P[k] as (z_k - max) - log(sum of e^(z_j - max))");
    REQUIRE(std::isfinite(loss));
    // q = (0.8, 0.1, 0.1): 0.8 · 0 + 0.1 · 1000 + 0.1 · 2000 = 300.
    REQUIRE_THAT(loss, Catch::Matchers::WithinRel(300.0f, 1e-4f));
}

TEST_CASE("ch04.label_smoothing_backward matches finite differences", "[ch04][exercise]") {
    for (const auto& [n, k, eps] : {std::tuple{1u, 2u, 0.1}, {5u, 3u, 0.3}, {7u, 10u, 0.1}, {4u, 5u, 1.0}}) {
        CAPTURE(n, k, eps);
        const TensorD z = testing::random_tensor<double>({n, k}, 60 + n, 2.0);
        std::vector<int> y(n);
        Rng rng(n + 7);
        for (auto& c : y) c = static_cast<int>(rng.below(k));
        TensorD p, dz;
        label_smoothing_forward(p, z, y, eps);
        label_smoothing_backward(dz, p, y, eps);
        auto report = testing::gradcheck_scalar(
            [&](const TensorD& zz) {
                TensorD pp;
                return label_smoothing_forward(pp, zz, y, eps);
            },
            z, dz);
        testing::name_slip(report, dz, smoothing_slips(p, y, eps));
        INFO(report.describe());
        // 1e-5, not chapter 2's 1e-6: the loss sums K terms per row, and a difference of two such
        // sums loses a few more digits. Every slip above is off by far more.
        REQUIRE(report.max_rel_error < 1e-5);
    }
}

TEST_CASE("ch04.label_smoothing_backward is (P - q) / N", "[ch04][exercise]") {
    // ε = 0.3, K = 3: q = (0.1, 0.1, 0.8) for label 2 and (0.8, 0.1, 0.1) for label 0.
    const TensorD p = TensorD::from({2, 3}, {0.2, 0.3, 0.5, 0.6, 0.3, 0.1});
    TensorD dz;
    const std::vector<int> y{2, 0};
    label_smoothing_backward(dz, p, y, 0.3);
    testing::require_close(dz, TensorD::from({2, 3}, {0.05, 0.1, -0.15, -0.1, 0.1, 0.0}), 1e-12, 1e-15, "dZ",
                           smoothing_slips(p, y, 0.3));
}

TEST_CASE("ch04.label_smoothing_forward and backward refuse eps outside [0, 1] and labels outside the classes",
          "[ch04][exercise]") {
    const Tensor z({2, 3});
    Tensor p, dz;
    const std::vector<int> good{0, 2};
    REQUIRE(testing::throws_error([&] { label_smoothing_forward(p, z, good, -0.1); }));
    REQUIRE(testing::throws_error([&] { label_smoothing_forward(p, z, good, 1.5); }));
    REQUIRE(testing::throws_error([&] { label_smoothing_forward(p, z, std::vector<int>{0, 3}, 0.1); }));
    REQUIRE(testing::throws_error([&] { label_smoothing_forward(p, z, std::vector<int>{-1, 0}, 0.1); }));
    const Tensor probabilities({2, 3}, 1.0f / 3);
    REQUIRE(testing::throws_error([&] { label_smoothing_backward(dz, probabilities, good, 2.0); }));
    REQUIRE(testing::throws_error([&] { label_smoothing_backward(dz, probabilities, std::vector<int>{3, 0}, 0.1); }));
}
