// The L2 penalty: its value by hand, its gradient against finite differences, accumulation, shapes.
#include "dl/ops/l2.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

using namespace dl;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

TEST_CASE("ch04.l2_penalty is half lambda times the sum of squares", "[ch04][exercise]") {
    // θ = (1, −2, 3, 0.5), λ = 0.1: (0.1/2)(1 + 4 + 9 + 0.25) = 0.05 · 14.25 = 0.7125.
    const TensorD theta = TensorD::from({2, 2}, {1.0, -2.0, 3.0, 0.5});
    testing::require_close(l2_penalty(theta, 0.1), 0.7125, 1e-14, 0, "l2_penalty(θ, 0.1)",
                           {{"the 1/2 left out: the penalty is (λ/2) Σ θ², whose gradient is λ θ", 1.425},
                            {"λ/2 times the sum of |θ|, not of θ²", 0.325},
                            {"the sum of squares without λ/2", 14.25}});
    REQUIRE(l2_penalty(theta, 0.0) == 0.0);
    // Float: the same values are exact in float; the result is one rounding away.
    REQUIRE_THAT(l2_penalty(tensor_cast<float>(theta), 0.1f), WithinRel(0.7125f, 1e-6f));
}

TEST_CASE("ch04.l2_backward matches finite differences of l2_penalty", "[ch04][exercise]") {
    // The penalty is quadratic, so the central difference is exact but for rounding (~1e-10 here).
    for (const double lambda : {0.3, 1e-2}) {
        CAPTURE(lambda);
        const TensorD theta = testing::random_tensor<double>({3, 5}, 41, 2.0);
        TensorD grad({3, 5});
        l2_backward(grad, theta, lambda);
        const auto report =
            testing::gradcheck_scalar([&](const TensorD& t) { return l2_penalty(t, lambda); }, theta, grad);
        INFO(report.describe());
        REQUIRE(report.max_rel_error < 1e-6);
    }
}

TEST_CASE("ch04.l2_backward adds lambda theta to the gradient already there", "[ch04][exercise]") {
    // grad holds the data loss's gradient: the penalty's is added, not written over it.
    const TensorD theta = TensorD::from({3}, {1.0, -2.0, 3.0});
    TensorD grad = TensorD::from({3}, {0.5, 0.5, -1.0});
    l2_backward(grad, theta, 0.1);
    testing::require_close(grad, TensorD::from({3}, {0.6, 0.3, -0.7}), 1e-14, 1e-16, "grad after one call");
    l2_backward(grad, theta, 0.1);
    testing::require_close(grad, TensorD::from({3}, {0.7, 0.1, -0.4}), 1e-14, 1e-16, "grad after two calls");
}

TEST_CASE("ch04.l2_backward rejects a gradient shaped unlike the parameter", "[ch04][exercise]") {
    // [3, 2] has θ's size but not its shape: a check that compares sizes only lets it through.
    const TensorD theta({2, 3});
    TensorD wrong({3, 2});
    REQUIRE(testing::throws_error([&] { l2_backward(wrong, theta, 0.1); }));
    REQUIRE_THROWS_WITH(l2_backward(wrong, theta, 0.1), Contains("grad has shape"));
}
