// Batch normalisation: a tiny batch by hand, the running statistics over two steps, evaluation with
// them, the backward pass against finite differences for several batch sizes, and shape errors.
#include "dl/nn/regularization.hpp"
#include "dl/ops/batchnorm.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>

using namespace dl;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

constexpr double kEps = 1e-5;

// The tiny batch worked by hand: N = 2 rows, D = 2 features.
//   feature 0: x = (1, 3)    μ = 2,  σ² = 1, x̂ = (−1, 1)/sqrt(1 + ε)
//   feature 1: x = (10, 14)  μ = 12, σ² = 4, x̂ = (−2, 2)/sqrt(4 + ε)
TensorD tiny_batch() { return TensorD::from({2, 2}, {1.0, 10.0, 3.0, 14.0}); }
TensorD tiny_gamma() { return TensorD::from({2}, {2.0, 0.5}); }
TensorD tiny_beta() { return TensorD::from({2}, {0.1, -1.0}); }

// L = Σ Y ⊙ R for the training forward. The running statistics are fresh on every call: they are
// state kept for evaluation, not part of the function being differentiated.
double batchnorm_loss(const TensorD& X, const TensorD& gamma, const TensorD& beta, const TensorD& R, double eps) {
    TensorD Y, x_hat, inv_std, running_mean(gamma.shape()), running_var(gamma.shape(), 1.0);
    batchnorm_forward_train(Y, x_hat, inv_std, running_mean, running_var, X, gamma, beta, 0.1, eps);
    double loss = 0;
    for (std::size_t i = 0; i < Y.size(); ++i) loss += Y[i] * R[i];
    return loss;
}

}  // namespace

TEST_CASE("ch04.batchnorm_forward_train normalises a tiny batch as worked by hand", "[ch04][exercise]") {
    TensorD Y, x_hat, inv_std, running_mean({2}), running_var({2}, 1.0);
    batchnorm_forward_train(Y, x_hat, inv_std, running_mean, running_var, tiny_batch(), tiny_gamma(), tiny_beta(),
                            0.1, kEps);
    const double a = 1 / std::sqrt(1 + kEps), b = 1 / std::sqrt(4 + kEps);
    // The hand values are a few double operations from the computed ones: 1e-14 relative is rounding.
    // N = 2: the unbiased variance is twice the biased one, (2, 8); without ε, 1/sqrt of (1, 4) exactly.
    testing::require_close(inv_std, TensorD::from({2}, {a, b}), 1e-14, 0, "inv_std",
                           {{"the batch's variance divided by N - 1; normalising uses the biased variance, "
                             "divided by N (only the running variance is unbiased)",
                             TensorD::from({2}, {1 / std::sqrt(2 + kEps), 1 / std::sqrt(8 + kEps)})},
                            {"ε left out of sqrt(σ² + ε)", TensorD::from({2}, {1.0, 0.5})},
                            {"inv_std holds the standard deviation sqrt(σ² + ε), not its inverse",
                             TensorD::from({2}, {1 / a, 1 / b})}});
    testing::require_close(x_hat, TensorD::from({2, 2}, {-a, -2 * b, a, 2 * b}), 1e-14, 0, "x_hat");
    // Y = γ x̂ + β with γ = (2, 0.5), β = (0.1, −1).
    testing::require_close(Y, TensorD::from({2, 2}, {-2 * a + 0.1, -b - 1, 2 * a + 0.1, b - 1}), 1e-14, 0, "Y");
}

TEST_CASE("ch04.batchnorm_forward_train moves the running statistics, with the unbiased variance",
          "[ch04][exercise]") {
    // Momentum 0.1, running_mean = 0 and running_var = 1 to start (PyTorch's initial values).
    TensorD Y, x_hat, inv_std, running_mean({2}), running_var({2}, 1.0);
    // Step 1, the tiny batch (N = 2, so σ² N/(N − 1) = 2σ²): μ = (2, 12), σ² = (1, 4)
    //   running_mean = 0.1 μ = (0.2, 1.2)      running_var = 0.9 + 0.1 · (2, 8) = (1.1, 1.7)
    batchnorm_forward_train(Y, x_hat, inv_std, running_mean, running_var, tiny_batch(), tiny_gamma(), tiny_beta(),
                            0.1, kEps);
    testing::require_close(running_mean, TensorD::from({2}, {0.2, 1.2}), 1e-14, 0, "running_mean after step 1");
    testing::require_close(running_var, TensorD::from({2}, {1.1, 1.7}), 1e-14, 0, "running_var after step 1",
                           {{"the running variance moves towards the biased σ²; use the unbiased σ² N/(N - 1)",
                             TensorD::from({2}, {1.0, 1.3})},
                            {"the momentum's roles swapped: running ← m running + (1 - m) σ² N/(N - 1)",
                             TensorD::from({2}, {1.9, 7.3})}});
    // Step 2, N = 3 (where an integer N/(N − 1) would be 1): x = (0, 3, 6) and (1, 2, 6)
    //   μ = (3, 3)   σ² = (18/3, 14/3) = (6, 14/3)   unbiased σ² · 3/2 = (9, 7)
    //   running_mean = 0.9 (0.2, 1.2) + 0.1 (3, 3) = (0.48, 1.38)
    //   running_var  = 0.9 (1.1, 1.7) + 0.1 (9, 7) = (1.89, 2.23)
    const TensorD X2 = TensorD::from({3, 2}, {0.0, 1.0, 3.0, 2.0, 6.0, 6.0});
    batchnorm_forward_train(Y, x_hat, inv_std, running_mean, running_var, X2, tiny_gamma(), tiny_beta(), 0.1, kEps);
    testing::require_close(running_mean, TensorD::from({2}, {0.48, 1.38}), 1e-14, 0, "running_mean after step 2");
    testing::require_close(running_var, TensorD::from({2}, {1.89, 2.23}), 1e-14, 0, "running_var after step 2");
    // The batch's own normalisation uses the biased σ²: inv_std = 1/sqrt((6, 14/3) + ε).
    testing::require_close(inv_std, TensorD::from({2}, {1 / std::sqrt(6 + kEps), 1 / std::sqrt(14.0 / 3 + kEps)}),
                           1e-14, 0, "inv_std of step 2");
}

TEST_CASE("ch04.batchnorm_forward_eval uses the running statistics, not the batch's", "[ch04][exercise]") {
    // Running statistics (0.48, 1.38) and (1.89, 2.23), as after the two steps above.
    const TensorD running_mean = TensorD::from({2}, {0.48, 1.38}), running_var = TensorD::from({2}, {1.89, 2.23});
    const TensorD X = tiny_batch(), gamma = tiny_gamma(), beta = tiny_beta();
    TensorD Y_eval;
    batchnorm_forward_eval(Y_eval, X, gamma, beta, running_mean, running_var, kEps);
    //   Y = γ (X − running_mean) / sqrt(running_var + ε) + β
    TensorD want({2, 2});
    for (std::size_t n = 0; n < 2; ++n)
        for (std::size_t d = 0; d < 2; ++d)
            want(n, d) = gamma[d] * (X(n, d) - running_mean[d]) / std::sqrt(running_var[d] + kEps) + beta[d];
    testing::require_close(Y_eval, want, 1e-14, 1e-15, "Y in evaluation");
    // The training forward of the same batch normalises with the batch's μ and σ²: another output.
    TensorD Y_train, x_hat, inv_std, rm({2}), rv({2}, 1.0);
    batchnorm_forward_train(Y_train, x_hat, inv_std, rm, rv, X, gamma, beta, 0.1, kEps);
    double largest_difference = 0;
    for (std::size_t i = 0; i < 4; ++i)
        largest_difference = std::max(largest_difference, std::abs(Y_eval[i] - Y_train[i]));
    CAPTURE(largest_difference);
    REQUIRE(largest_difference > 0.1);
    // One row alone gives that row's output: in evaluation the rows do not see each other (N = 1 is fine).
    TensorD Y_row;
    batchnorm_forward_eval(Y_row, TensorD::from({1, 2}, {3.0, 14.0}), gamma, beta, running_mean, running_var, kEps);
    testing::require_close(Y_row, TensorD::from({1, 2}, {Y_eval(1, 0), Y_eval(1, 1)}), 1e-14, 1e-15,
                           "Y of row 1 alone");
}

TEST_CASE("ch04.batchnorm_forward_eval with the batch's own statistics gives the training output",
          "[ch04][exercise]") {
    // With running_mean = μ and running_var = the biased σ² of this batch, the two formulas agree.
    const TensorD X = testing::random_tensor<double>({9, 4}, 81, 3.0);
    const TensorD gamma = testing::random_tensor<double>({4}, 82), beta = testing::random_tensor<double>({4}, 83);
    TensorD mean({4}), var({4});
    for (std::size_t d = 0; d < 4; ++d) {
        for (std::size_t n = 0; n < 9; ++n) mean[d] += X(n, d) / 9;
        for (std::size_t n = 0; n < 9; ++n) var[d] += (X(n, d) - mean[d]) * (X(n, d) - mean[d]) / 9;
    }
    TensorD Y_train, x_hat, inv_std, rm({4}), rv({4}, 1.0), Y_eval;
    batchnorm_forward_train(Y_train, x_hat, inv_std, rm, rv, X, gamma, beta, 0.1, kEps);
    batchnorm_forward_eval(Y_eval, X, gamma, beta, mean, var, kEps);
    testing::require_close(Y_eval, Y_train, 1e-12, 1e-13, "eval with the batch statistics against train");
}

TEST_CASE("ch04.batchnorm_forward_train gives each feature mean 0 and variance sigma2/(sigma2 + eps)",
          "[ch04][exercise]") {
    // γ = 1, β = 0; features with different offsets and scales (column d is 5d + (d + 1) N(0, 1)).
    const std::size_t N = 17, D = 5;
    TensorD X = testing::random_tensor<double>({N, D}, 84);
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t d = 0; d < D; ++d) {
            const auto k = static_cast<double>(d);
            X(n, d) = 5.0 * k + (k + 1.0) * X(n, d);
        }
    TensorD Y, x_hat, inv_std, rm({D}), rv({D}, 1.0);
    batchnorm_forward_train(Y, x_hat, inv_std, rm, rv, X, TensorD({D}, 1.0), TensorD({D}), 0.1, kEps);
    for (std::size_t d = 0; d < D; ++d) {
        double mean_x = 0, var_x = 0, mean_y = 0, var_y = 0;
        for (std::size_t n = 0; n < N; ++n) mean_x += X(n, d) / N;
        for (std::size_t n = 0; n < N; ++n) var_x += (X(n, d) - mean_x) * (X(n, d) - mean_x) / N;
        for (std::size_t n = 0; n < N; ++n) mean_y += Y(n, d) / N;
        for (std::size_t n = 0; n < N; ++n) var_y += (Y(n, d) - mean_y) * (Y(n, d) - mean_y) / N;
        CAPTURE(d, mean_y, var_y, var_x);
        REQUIRE_THAT(mean_y, WithinAbs(0.0, 1e-14));   // a sum of 17 terms of size 1, rounded
        REQUIRE_THAT(var_y, WithinRel(var_x / (var_x + kEps), 1e-13));
    }
}

TEST_CASE("ch04.batchnorm_forward_train in float follows the double computation", "[ch04][exercise]") {
    // The same float inputs and hyperparameters (0.1f, 1e-5f) in both precisions. Float rounds each value
    // to 6e-8 of its size, and a float sum over 17 rows gathers up to ~1e-6: 1e-5 relative, and 1e-6
    // absolute for elements near zero (x̂, Y and the running mean are differences).
    const std::size_t N = 17, D = 5;
    const Tensor X = tensor_cast<float>(testing::random_tensor<double>({N, D}, 85, 3.0));
    const Tensor gamma = tensor_cast<float>(testing::random_tensor<double>({D}, 86));
    const Tensor beta = tensor_cast<float>(testing::random_tensor<double>({D}, 87));
    Tensor Y, x_hat, inv_std, rm({D}), rv({D}, 1.0f);
    TensorD Yd, x_hatd, inv_stdd, rmd({D}), rvd({D}, 1.0);
    batchnorm_forward_train(Y, x_hat, inv_std, rm, rv, X, gamma, beta, 0.1f, 1e-5f);
    batchnorm_forward_train<double>(Yd, x_hatd, inv_stdd, rmd, rvd, tensor_cast<double>(X), tensor_cast<double>(gamma),
                                    tensor_cast<double>(beta), 0.1f, 1e-5f);
    testing::require_close(Y, Yd, 1e-5, 1e-6, "Y");
    testing::require_close(x_hat, x_hatd, 1e-5, 1e-6, "x_hat");
    testing::require_close(inv_std, inv_stdd, 1e-5, 0, "inv_std");
    testing::require_close(rm, rmd, 1e-5, 1e-6, "running_mean");
    testing::require_close(rv, rvd, 1e-5, 0, "running_var");
}

TEST_CASE("ch04.batchnorm_backward matches finite differences for dX, dgamma and dbeta", "[ch04][exercise]") {
    // L = Σ Y ⊙ R with a fixed random R, in double, for several batch sizes and feature counts, at ε = 1e-5
    // (the usual value) and 1e-2. With N = 2 each column's x̂ is ±σ/sqrt(σ² + ε) whatever X is, so dX is
    // ∝ ε/(σ² + ε): ~1e-3 at ε = 1e-2, where the difference quotient's rounding (~1e-11) is ~1e-8 of it
    // (measured: 1.6e-8), but ~1e-6 at ε = 1e-5, where it would be ~1e-5 of it. So N = 2 runs at 1e-2 only.
    // The worst element of the whole grid is at 8.5e-8 of its gradient, against the bound 1e-6.
    for (const double eps : {1e-2, 1e-5}) {
        for (const std::size_t N : {2u, 3u, 8u, 17u}) {
            for (const std::size_t D : {1u, 4u, 5u}) {
                if (N == 2 && eps < 1e-3) continue;
                CAPTURE(eps, N, D);
                const std::uint64_t seed = 100 * N + D;
                const TensorD X = testing::random_tensor<double>({N, D}, seed, 2.0);
                TensorD gamma = testing::random_tensor<double>({D}, seed + 1, 0.5);
                for (auto& g : gamma) g += 1;   // around 1, as after a little training
                const TensorD beta = testing::random_tensor<double>({D}, seed + 2);
                const TensorD R = testing::random_tensor<double>({N, D}, seed + 3);   // non-uniform upstream

                TensorD Y, x_hat, inv_std, rm({D}), rv({D}, 1.0), dX, dgamma({D}), dbeta({D});
                batchnorm_forward_train(Y, x_hat, inv_std, rm, rv, X, gamma, beta, 0.1, eps);
                batchnorm_backward(dX, dgamma, dbeta, R, x_hat, inv_std, gamma);

                const auto check = [&](const char* what, const std::function<double(const TensorD&)>& loss,
                                       const TensorD& at, const TensorD& grad) {
                    const auto report = testing::gradcheck_scalar(loss, at, grad);
                    INFO(what << ": " << report.describe());
                    REQUIRE(report.max_rel_error < 1e-6);
                };
                check("dX", [&](const TensorD& x) { return batchnorm_loss(x, gamma, beta, R, eps); }, X, dX);
                check("dgamma", [&](const TensorD& g) { return batchnorm_loss(X, g, beta, R, eps); }, gamma, dgamma);
                check("dbeta", [&](const TensorD& b) { return batchnorm_loss(X, gamma, b, R, eps); }, beta, dbeta);
            }
        }
    }
}

TEST_CASE("ch04.batchnorm_backward passes no gradient to X for an upstream gradient constant down each column",
          "[ch04][exercise]") {
    // dY_nd = c_d: L = Σ_d c_d (γ_d Σ_n x̂_nd + N β_d) = N Σ_d c_d β_d, since Σ_n x̂_nd = 0 whatever X is.
    // So dX = 0 and dγ = 0 (to rounding, 1e-14 for values of size ~1), and dβ = N c.
    const std::size_t N = 6, D = 3;
    const TensorD X = testing::random_tensor<double>({N, D}, 88, 2.0);
    const TensorD gamma = TensorD::from({D}, {1.5, -0.5, 2.0}), beta({D});
    const TensorD c = TensorD::from({D}, {0.3, -1.2, 2.0});
    TensorD dY({N, D});
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t d = 0; d < D; ++d) dY(n, d) = c[d];
    TensorD Y, x_hat, inv_std, rm({D}), rv({D}, 1.0), dX, dgamma({D}), dbeta({D});
    batchnorm_forward_train(Y, x_hat, inv_std, rm, rv, X, gamma, beta, 0.1, kEps);
    batchnorm_backward(dX, dgamma, dbeta, dY, x_hat, inv_std, gamma);
    testing::require_close(dX, TensorD({N, D}), 0, 1e-14, "dX");
    testing::require_close(dgamma, TensorD({D}), 0, 1e-14, "dgamma");
    testing::require_close(dbeta, TensorD::from({D}, {6 * 0.3, 6 * -1.2, 6 * 2.0}), 1e-14, 0, "dbeta");
}

TEST_CASE("ch04.batchnorm_backward overwrites dX and adds to dgamma and dbeta", "[ch04][exercise]") {
    const std::size_t N = 5, D = 3;
    const TensorD X = testing::random_tensor<double>({N, D}, 89), dY = testing::random_tensor<double>({N, D}, 90);
    const TensorD gamma = testing::random_tensor<double>({D}, 91), beta({D});
    TensorD Y, x_hat, inv_std, rm({D}), rv({D}, 1.0);
    batchnorm_forward_train(Y, x_hat, inv_std, rm, rv, X, gamma, beta, 0.1, kEps);
    TensorD dX_fresh, dgamma_fresh({D}), dbeta_fresh({D});
    batchnorm_backward(dX_fresh, dgamma_fresh, dbeta_fresh, dY, x_hat, inv_std, gamma);
    // dX starts with the wrong shape and garbage; dγ and dβ hold an earlier gradient (1, 2, 3).
    TensorD dX({2}, 7.0), dgamma = TensorD::from({D}, {1.0, 2.0, 3.0}), dbeta = dgamma;
    batchnorm_backward(dX, dgamma, dbeta, dY, x_hat, inv_std, gamma);
    testing::require_close(dX, dX_fresh, 0, 0, "dX");
    TensorD dgamma_want = dgamma_fresh, dbeta_want = dbeta_fresh;
    for (std::size_t d = 0; d < D; ++d) {
        dgamma_want[d] += static_cast<double>(d + 1);
        dbeta_want[d] += static_cast<double>(d + 1);
    }
    testing::require_close(dgamma, dgamma_want, 1e-15, 1e-15, "dgamma");
    testing::require_close(dbeta, dbeta_want, 1e-15, 1e-15, "dbeta");
}

TEST_CASE("ch04.batchnorm_forward_train rejects a batch of one row and mis-shaped parameters", "[ch04][exercise]") {
    const TensorD X({4, 3}), one_row({1, 3}), flat({12}), gamma({3}, 1.0), beta({3}), wrong({4});
    TensorD Y, x_hat, inv_std, rm({3}), rv({3}, 1.0), rm_wrong({4}), rv_wrong({2});
    const auto train = [&](const TensorD& x, const TensorD& g, const TensorD& b, TensorD& m, TensorD& v) {
        return testing::throws_error(
            [&] { batchnorm_forward_train(Y, x_hat, inv_std, m, v, x, g, b, 0.1, kEps); });
    };
    REQUIRE(train(one_row, gamma, beta, rm, rv));   // N = 1: the unbiased variance divides by N − 1 = 0
    REQUIRE(train(flat, gamma, beta, rm, rv));      // not [N, D]
    REQUIRE(train(X, wrong, beta, rm, rv));
    REQUIRE(train(X, gamma, wrong, rm, rv));
    REQUIRE(train(X, gamma, beta, rm_wrong, rv));
    REQUIRE(train(X, gamma, beta, rm, rv_wrong));
}

TEST_CASE("ch04.batchnorm_forward_eval rejects mis-shaped inputs and statistics", "[ch04][exercise]") {
    const TensorD X({4, 3}), flat({12}), gamma({3}, 1.0), beta({3}), rm({3}), rv({3}, 1.0), wrong({4});
    TensorD Y;
    REQUIRE(testing::throws_error([&] { batchnorm_forward_eval(Y, flat, gamma, beta, rm, rv, kEps); }));
    REQUIRE(testing::throws_error([&] { batchnorm_forward_eval(Y, X, wrong, beta, rm, rv, kEps); }));
    REQUIRE(testing::throws_error([&] { batchnorm_forward_eval(Y, X, gamma, wrong, rm, rv, kEps); }));
    REQUIRE(testing::throws_error([&] { batchnorm_forward_eval(Y, X, gamma, beta, wrong, rv, kEps); }));
    REQUIRE(testing::throws_error([&] { batchnorm_forward_eval(Y, X, gamma, beta, rm, wrong, kEps); }));
}

TEST_CASE("ch04.batchnorm_backward rejects gradients shaped unlike the saved values", "[ch04][exercise]") {
    const TensorD x_hat({4, 3}), dY({4, 3}), dY_wrong({3, 4}), inv_std({3}, 1.0), gamma({3}, 1.0), wrong({4});
    TensorD dX, dgamma({3}), dbeta({3}), dgamma_wrong({4});
    REQUIRE(testing::throws_error([&] { batchnorm_backward(dX, dgamma, dbeta, dY_wrong, x_hat, inv_std, gamma); }));
    REQUIRE(testing::throws_error([&] { batchnorm_backward(dX, dgamma, dbeta, dY, x_hat, wrong, gamma); }));
    REQUIRE(testing::throws_error([&] { batchnorm_backward(dX, dgamma, dbeta, dY, x_hat, inv_std, wrong); }));
    REQUIRE(testing::throws_error([&] { batchnorm_backward(dX, dgamma_wrong, dbeta, dY, x_hat, inv_std, gamma); }));
    REQUIRE(testing::throws_error([&] { batchnorm_backward(dX, dgamma, dgamma_wrong, dY, x_hat, inv_std, gamma); }));
}

TEST_CASE("ch04.batchnorm_backward nn::BatchNorm normalises images per channel, with gradients matching finite "
          "differences",
          "[ch04][exercise]") {
    // [N, C, H, W] = [3, 2, 3, 2]: each channel's 18 values (3 images × 6 pixels) are one feature's
    // rows (PyTorch's BatchNorm2d), so each channel of the output has mean β and variance ≈ γ².
    nn::BatchNormT<double> layer(2);
    layer.parameters()[0]->value = TensorD::from({2}, {1.5, 0.5});
    layer.parameters()[1]->value = TensorD::from({2}, {-1.0, 2.0});
    const TensorD X = testing::random_tensor<double>({3, 2, 3, 2}, 71, 3.0);
    REQUIRE(layer.output_shape({2, 3, 2}) == Shape{2, 3, 2});
    const TensorD Y = layer.forward(X, nn::Mode::train);
    REQUIRE(Y.shape() == X.shape());
    for (std::size_t c = 0; c < 2; ++c) {
        double sum = 0, squares = 0;
        for (std::size_t n = 0; n < 3; ++n)
            for (std::size_t p = 0; p < 6; ++p) {
                const double v = Y[(n * 2 + c) * 6 + p] - layer.parameters()[1]->value[c];
                sum += v, squares += v * v;
            }
        CAPTURE(c);
        REQUIRE_THAT(sum / 18, WithinAbs(0, 1e-12));
        const double gamma = layer.parameters()[0]->value[c];
        REQUIRE_THAT(squares / 18, WithinRel(gamma * gamma, 1e-4));   // σ²/(σ² + ε) of γ²
    }
    const TensorD dY = testing::random_tensor<double>({3, 2, 3, 2}, 72);
    const auto report = testing::gradcheck(layer, X, dY);
    INFO(report.describe());
    REQUIRE(report.max_rel_error < 1e-6);
}
