// The dense layer: its forward against the definition, its backward against finite differences.
#include "dl/nn/dense.hpp"
#include "dl/ops/dense.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>

using namespace dl;
using Catch::Matchers::WithinRel;

TEST_CASE("ch02.dense_forward computes X Wt + b", "[ch02][exercise]") {
    for (const auto& [n, in, out] : {std::tuple{1u, 1u, 1u}, {3u, 7u, 5u}, {17u, 33u, 10u}}) {
        CAPTURE(n, in, out);
        const TensorD X = testing::random_tensor<double>({n, in}, 1), W = testing::random_tensor<double>({out, in}, 2),
                      b = testing::random_tensor<double>({out}, 3);
        TensorD Y({n, out}, std::nan(""));   // poisoned: every element must be written
        dense_forward(Y, X, W, b);
        REQUIRE(Y.shape() == Shape{n, out});
        // The expected Y, and what the two commonest slips give, to name the slip when Y is wrong.
        TensorD expected({n, out}), without_bias({n, out});
        for (std::size_t r = 0; r < n; ++r)
            for (std::size_t j = 0; j < out; ++j) {
                double z = 0;
                for (std::size_t i = 0; i < in; ++i) z += X(r, i) * W(j, i);
                without_bias(r, j) = z;
                expected(r, j) = z + b[j];
            }
        const auto close = [](double a, double e) { return std::abs(a - e) <= 1e-12 * std::max(1.0, std::abs(e)); };
        const auto all_close = [&](const TensorD& e) {
            for (std::size_t k = 0; k < Y.size(); ++k)
                if (!close(Y[k], e[k])) return false;
            return true;
        };
        for (std::size_t r = 0; r < n; ++r)
            for (std::size_t j = 0; j < out; ++j) {
                if (close(Y(r, j), expected(r, j))) continue;
                std::string hint;
                if (std::isnan(Y(r, j))) hint = "; it was never written (each of the N x out outputs must be set)";
                else if (all_close(without_bias)) hint = "; Y is X Wt without the bias: add b[j] to column j";
                FAIL("Y(" << r << ", " << j << ") = " << Y(r, j) << ", expected " << expected(r, j)
                          << " = b[j] + sum over i of X(r, i) * W(j, i)" << hint);
            }
    }
}

TEST_CASE("ch02.dense_forward rejects mismatched shapes", "[ch02][exercise]") {
    const Tensor X({4, 6}), W({3, 5}), b({3});
    Tensor Y;
    REQUIRE(testing::throws_error([&] { dense_forward(Y, X, W, b); }));
}

TEST_CASE("ch02.dense_backward matches finite differences on several shapes", "[ch02][exercise]") {
    for (const auto& [n, in, out] : {std::tuple{1u, 1u, 1u}, {3u, 7u, 5u}, {8u, 4u, 9u}}) {
        CAPTURE(n, in, out);
        Rng rng(10 + n);
        nn::DenseT<double> layer(in, out, nn::Init::xavier, rng);
        for (auto& v : layer.b().value) v = rng.normal();   // non-zero biases
        const auto report = testing::gradcheck(layer, testing::random_tensor<double>({n, in}, 11),
                                               testing::random_tensor<double>({n, out}, 12));
        INFO(report.describe());
        REQUIRE(report.max_rel_error < 1e-6);
    }
}

TEST_CASE("ch02.dense_backward accumulates the parameter gradients", "[ch02][exercise]") {
    // Two backward passes without zeroing add up: an RNN's weights (chapter 6) depend on it.
    const TensorD X = testing::random_tensor<double>({4, 3}, 1), W = testing::random_tensor<double>({2, 3}, 2),
                  dY = testing::random_tensor<double>({4, 2}, 3);
    TensorD dX, dW1({2, 3}), db1({2}), dW2({2, 3}), db2({2});
    dense_backward(dX, dW1, db1, dY, X, W);
    dense_backward(dX, dW2, db2, dY, X, W);
    dense_backward(dX, dW2, db2, dY, X, W);
    // Overwriting instead of adding leaves the second pass's gradients equal to the first's.
    const auto as_one_call = [](const TensorD& twice, const TensorD& once) {
        return std::abs(twice[0] - once[0]) <= 1e-12 * std::abs(once[0]);
    };
    const std::string overwritten = as_one_call(dW2, dW1) && as_one_call(db2, db1) ? "dW and db"
                                    : as_one_call(dW2, dW1)                         ? "dW"
                                    : as_one_call(db2, db1)                         ? "db"
                                                                                    : "";
    INFO((overwritten.empty() ? std::string("two calls without zeroing must give twice one call's dW and db")
                              : overwritten + " after two calls equal one call's: dense_backward must add into them (+=), "
                                              "not assign them (the optimizer zeroes them between steps)"));
    for (std::size_t i = 0; i < dW1.size(); ++i) REQUIRE_THAT(dW2[i], WithinRel(2 * dW1[i], 1e-12));
    for (std::size_t i = 0; i < db1.size(); ++i) REQUIRE_THAT(db2[i], WithinRel(2 * db1[i], 1e-12));
}
