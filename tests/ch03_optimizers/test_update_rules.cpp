// The update rules: steps worked out by hand from each equation (θ and every state), shape errors,
// and convergence on an ill-conditioned quadratic.
#include "dl/ops/optimizers.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

using namespace dl;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

TensorD values(std::vector<double> v) {
    const std::size_t n = v.size();
    return TensorD::from({n}, std::move(v));
}

// The hand values are a few double operations away from the rule's own: 1e-12 relative is
// rounding, anything wrong in the equation is off by far more (ε alone moves θ by ~1e-9).
// `slips` (optional): what a recognisable mistake would give, named when `got` matches it.
void require_values(const TensorD& got, std::vector<double> want, const char* what,
                    const std::vector<testing::Slip>& slips = {}) {
    testing::require_close(got, values(std::move(want)), 1e-12, 1e-15, what, slips);
}

// f() throws a ShapeError whose message names `argument` ("... but velocity has shape [3, 2]").
template <class F>
void require_shape_error(F&& f, const std::string& argument) {
    REQUIRE(testing::throws_error(f));
    REQUIRE_THROWS_AS(f(), ShapeError);
    REQUIRE_THROWS_WITH(f(), Contains(" " + argument + " has shape"));
}

// f(θ) = ½ (θ₀² + 10 θ₁²), gradient (θ₀, 10 θ₁): curvatures 1 and 10, so one rate does not suit
// both axes. From θ = (1, 1), runs `steps` steps of step(θ, g, t) and returns |θ| (the minimum is 0).
template <class Step>
double distance_after(int steps, Step&& step) {
    TensorD theta = values({1, 1}), grad({2});
    for (std::int64_t t = 1; t <= steps; ++t) {
        grad[0] = 1 * theta[0];
        grad[1] = 10 * theta[1];
        step(theta, grad, t);
    }
    return std::hypot(theta[0], theta[1]);
}

}  // namespace

// ---- Momentum and Nesterov ----------------------------------------------------------------------

TEST_CASE("ch03.momentum_step matches three steps worked by hand", "[ch03][exercise]") {
    // θ = (1, −2, 3), v = 0, η = 0.1, μ = 0.9.
    TensorD theta = values({1, -2, 3}), v({3});
    // Step 1, g = (0.5, −1, 0): v₁ = 0.9·0 + g = (0.5, −1, 0)    θ₁ = θ − 0.1 v₁ = (0.95, −1.9, 3)
    momentum_step(theta, v, values({0.5, -1, 0}), 0.1, 0.9);
    require_values(v, {0.5, -1, 0}, "v after step 1",
                   {{"v ← μ v + η g or μ v + (1 − μ) g: here the velocity sums raw gradients, v ← μ v + g, and "
                     "the rate comes in the step θ ← θ − η v",
                     values({0.05, -0.1, 0})},
                    {"v ← μ v − g: the velocity sums the gradients, and the step subtracts it, θ ← θ − η v",
                     values({-0.5, 1, 0})}});
    require_values(theta, {0.95, -1.9, 3}, "theta after step 1",
                   {{"θ ← θ + η v: the step goes against the velocity", values({1.05, -2.1, 3})}});
    // Step 2, the same g: v₂ = 0.9·(0.5, −1, 0) + (0.5, −1, 0) = (0.95, −1.9, 0)
    //   θ₂ = (0.95 − 0.095, −1.9 + 0.19, 3) = (0.855, −1.71, 3)
    momentum_step(theta, v, values({0.5, -1, 0}), 0.1, 0.9);
    require_values(v, {0.95, -1.9, 0}, "v after step 2");
    require_values(theta, {0.855, -1.71, 3}, "theta after step 2");
    // Step 3, g = (0, 1, 2): v₃ = 0.9·(0.95, −1.9, 0) + (0, 1, 2) = (0.855, −0.71, 2)
    //   θ₃ = (0.855 − 0.0855, −1.71 + 0.071, 3 − 0.2) = (0.7695, −1.639, 2.8)
    // θ₀ moves on a zero gradient (the velocity carries it); θ₁ still moves against its new gradient.
    momentum_step(theta, v, values({0, 1, 2}), 0.1, 0.9);
    require_values(v, {0.855, -0.71, 2}, "v after step 3");
    require_values(theta, {0.7695, -1.639, 2.8}, "theta after step 3");
}

TEST_CASE("ch03.nesterov_step matches three steps worked by hand", "[ch03][exercise]") {
    // The same θ, gradients, η = 0.1 and μ = 0.9 as momentum: v is the same, the step is g + μ v.
    TensorD theta = values({1, -2, 3}), v({3});
    // Step 1, g = (0.5, −1, 0): v₁ = (0.5, −1, 0)   g + 0.9 v₁ = (0.95, −1.9, 0)   θ₁ = (0.905, −1.81, 3)
    nesterov_step(theta, v, values({0.5, -1, 0}), 0.1, 0.9);
    require_values(v, {0.5, -1, 0}, "v after step 1");
    require_values(theta, {0.905, -1.81, 3}, "theta after step 1",
                   {{"the step is η v, plain momentum's; Nesterov's looks ahead, θ ← θ − η (g + μ v)",
                     values({0.95, -1.9, 3})}});
    // Step 2, the same g: v₂ = (0.95, −1.9, 0)   g + 0.9 v₂ = (1.355, −2.71, 0)
    //   θ₂ = (0.905 − 0.1355, −1.81 + 0.271, 3) = (0.7695, −1.539, 3)
    nesterov_step(theta, v, values({0.5, -1, 0}), 0.1, 0.9);
    require_values(v, {0.95, -1.9, 0}, "v after step 2");
    require_values(theta, {0.7695, -1.539, 3}, "theta after step 2");
    // Step 3, g = (0, 1, 2): v₃ = (0.855, −0.71, 2)   g + 0.9 v₃ = (0.7695, 0.361, 3.8)
    //   θ₃ = (0.7695 − 0.07695, −1.539 − 0.0361, 3 − 0.38) = (0.69255, −1.5751, 2.62)
    nesterov_step(theta, v, values({0, 1, 2}), 0.1, 0.9);
    require_values(v, {0.855, -0.71, 2}, "v after step 3");
    require_values(theta, {0.69255, -1.5751, 2.62}, "theta after step 3");
}

// ---- AdaGrad, RMSProp, AdaDelta ------------------------------------------------------------------

TEST_CASE("ch03.adagrad_step matches three steps worked by hand", "[ch03][exercise]") {
    // θ = (1, −2, 3), G = 0, η = 0.1, ε = 1e-8 (kept in the expected values: it shows in the 9th digit).
    const double eps = 1e-8;
    TensorD theta = values({1, -2, 3}), G({3});
    // Step 1, g = (0.5, −1, 0): G₁ = g² = (0.25, 1, 0), √G₁ = (0.5, 1, 0)
    //   θ₁ = (1 − 0.1·0.5/(0.5 + ε), −2 + 0.1·1/(1 + ε), 3 − 0.1·0/(0 + ε)) ≈ (0.9, −1.9, 3)
    // The first step is η·g/|g|: the same size for every element. ε turns 0/0 into 0.
    adagrad_step(theta, G, values({0.5, -1, 0}), 0.1, eps);
    require_values(G, {0.25, 1, 0}, "G after step 1",
                   {{"G sums |g|, not g²", values({0.5, 1, 0})}});
    const std::vector<double> theta1{1 - 0.1 * 0.5 / (0.5 + eps), -2 + 0.1 * 1 / (1 + eps), 3};
    require_values(theta, theta1, "theta after step 1",
                   {{"ε inside the square root: the step is η g / (√G + ε), not η g / √(G + ε)",
                     values({1 - 0.1 * 0.5 / std::sqrt(0.25 + eps), -2 + 0.1 / std::sqrt(1 + eps), 3})},
                    {"the step divides by G, not by its square root √G", values({1 - 0.1 * 0.5 / (0.25 + eps), -2 + 0.1 / (1 + eps), 3})}});
    // Step 2, g = (1.2, 0.75, −2): G₂ = (0.25 + 1.44, 1 + 0.5625, 0 + 4) = (1.69, 1.5625, 4), √G₂ = (1.3, 1.25, 2)
    //   θ₂ = θ₁ − 0.1·(1.2/1.3, 0.75/1.25, −2/2) ≈ (0.9 − 0.0923077, −1.9 − 0.06, 3 + 0.1) = (0.8076923, −1.96, 3.1)
    adagrad_step(theta, G, values({1.2, 0.75, -2}), 0.1, eps);
    require_values(G, {1.69, 1.5625, 4}, "G after step 2");
    const std::vector<double> theta2{theta1[0] - 0.1 * 1.2 / (1.3 + eps), theta1[1] - 0.1 * 0.75 / (1.25 + eps),
                                     3 + 0.1 * 2 / (2 + eps)};
    require_values(theta, theta2, "theta after step 2");
    // Step 3, g = 0: G stays, and so does θ (AdaGrad has no momentum).
    adagrad_step(theta, G, values({0, 0, 0}), 0.1, eps);
    require_values(G, {1.69, 1.5625, 4}, "G after step 3");
    require_values(theta, theta2, "theta after step 3");
}

TEST_CASE("ch03.rmsprop_step matches three steps worked by hand", "[ch03][exercise]") {
    // θ = (1, −2, 3), s = 0, η = 0.1, ρ = 0.75 (so 1 − ρ = 0.25 and the roots come out exact), ε = 1e-8.
    const double eps = 1e-8;
    TensorD theta = values({1, -2, 3}), s({3});
    // Step 1, g = (0.5, −1, 0): s₁ = 0.25 g² = (0.0625, 0.25, 0), √s₁ = (0.25, 0.5, 0)
    //   θ₁ = (1 − 0.1·0.5/0.25, −2 + 0.1·1/0.5, 3) ≈ (0.8, −1.8, 3): a first step of η/√(1 − ρ) = 2η.
    rmsprop_step(theta, s, values({0.5, -1, 0}), 0.1, 0.75, eps);
    require_values(s, {0.0625, 0.25, 0}, "s after step 1",
                   {{"ρ and 1 − ρ swapped: s ← ρ s + (1 − ρ) g², so ρ weighs the past", values({0.1875, 0.75, 0})},
                    {"s sums g² without the decay (that is AdaGrad): s ← ρ s + (1 − ρ) g²", values({0.25, 1, 0})}});
    const std::vector<double> theta1{1 - 0.1 * 0.5 / (0.25 + eps), -2 + 0.1 * 1 / (0.5 + eps), 3};
    require_values(theta, theta1, "theta after step 1",
                   {{"ε inside the square root: the step is η g / (√s + ε), not η g / √(s + ε)",
                     values({1 - 0.1 * 0.5 / std::sqrt(0.0625 + eps), -2 + 0.1 / std::sqrt(0.25 + eps), 3})}});
    // Step 2, g = (0.25, 0.5, −2): s₂ = 0.75 s₁ + 0.25 g² = (0.046875 + 0.015625, 0.1875 + 0.0625, 0 + 1)
    //   = (0.0625, 0.25, 1), √s₂ = (0.25, 0.5, 1)    θ₂ = θ₁ − 0.1·(0.25/0.25, 0.5/0.5, −2/1) ≈ (0.7, −1.9, 3.2)
    rmsprop_step(theta, s, values({0.25, 0.5, -2}), 0.1, 0.75, eps);
    require_values(s, {0.0625, 0.25, 1}, "s after step 2");
    const std::vector<double> theta2{theta1[0] - 0.1 * 0.25 / (0.25 + eps), theta1[1] - 0.1 * 0.5 / (0.5 + eps),
                                     3 + 0.1 * 2 / (1 + eps)};
    require_values(theta, theta2, "theta after step 2");
    // Step 3, g = 0: s₃ = 0.75 s₂ = (0.046875, 0.1875, 0.75) forgets; θ stays.
    rmsprop_step(theta, s, values({0, 0, 0}), 0.1, 0.75, eps);
    require_values(s, {0.046875, 0.1875, 0.75}, "s after step 3");
    require_values(theta, theta2, "theta after step 3");
}

TEST_CASE("ch03.adadelta_step matches two steps worked by hand", "[ch03][exercise]") {
    // θ = (1, −2, 3), s = d = 0, η = 0.5, ρ = 0.9, ε = 1e-6 (√ε = 0.001). The roots are not round
    // numbers: the values below have 12 significant digits, so the tolerance is 1e-10.
    const auto require = [](const TensorD& got, std::vector<double> want, const char* what) {
        testing::require_close(got, values(std::move(want)), 1e-10, 1e-15, what);
    };
    TensorD theta = values({1, -2, 3}), s({3}), d({3});
    // Step 1, g = (0.5, −1, 0): s₁ = 0.1 g² = (0.025, 0.1, 0)
    //   Δ₁ = √(0 + ε)/√(s₁ + ε)·g = (0.001/√0.025001·0.5, 0.001/√0.100001·(−1), 0)
    //      ≈ (0.00316221441651, −0.0031622618489, 0)
    //   about √(ε/(1 − ρ))·sign(g) = 0.00316 whatever |g|: d = 0 makes ε the first step's scale.
    //   d₁ = 0.1 Δ₁² ≈ (9.999600016e-7, 9.999900001e-7, 0)     θ₁ = θ − 0.5 Δ₁ ≈ (0.998418892792, −1.99841886908, 3)
    adadelta_step(theta, s, d, values({0.5, -1, 0}), 0.5, 0.9, 1e-6);
    require(s, {0.025, 0.1, 0}, "s after step 1");
    require(d, {9.999600016e-7, 9.999900001e-7, 0}, "d after step 1");
    require(theta, {0.998418892792, -1.99841886908, 3}, "theta after step 1");
    // Step 2, the same g: s₂ = 0.9 s₁ + 0.1 g² = (0.0475, 0.19, 0)
    //   Δ₂ = √(d₁ + ε)/√(s₂ + ε)·g ≈ (0.00324436182847, −0.0032444117737, 0): d₁ > 0 makes it grow
    //   d₂ = 0.9 d₁ + 0.1 Δ₂² ≈ (1.95255236884e-6, 1.95261177582e-6, 0)
    //   θ₂ = θ₁ − 0.5 Δ₂ ≈ (0.996796711878, −1.99679666319, 3)   (η scales the step, not d)
    adadelta_step(theta, s, d, values({0.5, -1, 0}), 0.5, 0.9, 1e-6);
    require(s, {0.0475, 0.19, 0}, "s after step 2");
    require(d, {1.95255236884e-6, 1.95261177582e-6, 0}, "d after step 2");
    require(theta, {0.996796711878, -1.99679666319, 3}, "theta after step 2");
}

// ---- Adam and AdamW -------------------------------------------------------------------------------

TEST_CASE("ch03.adam_step matches two steps worked by hand, bias correction included", "[ch03][exercise]") {
    // θ = (1, −2, 3), m = v = 0, η = 0.1, β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    const double eps = 1e-8;
    TensorD theta = values({1, -2, 3}), m({3}), v({3});
    // Step 1, g = (0.5, −2, 0): m₁ = 0.1 g = (0.05, −0.2, 0)   v₁ = 0.001 g² = (0.00025, 0.004, 0)
    //   m̂₁ = m₁/(1 − 0.9) = g   v̂₁ = v₁/(1 − 0.999) = g²   θ₁ = θ − 0.1·g/(|g| + ε) ≈ (0.9, −1.9, 3)
    adam_step(theta, m, v, values({0.5, -2, 0}), 1, 0.1, 0.9, 0.999, eps);
    require_values(m, {0.05, -0.2, 0}, "m after step 1");
    require_values(v, {0.00025, 0.004, 0}, "v after step 1");
    const std::vector<double> theta1{1 - 0.1 * 0.5 / (0.5 + eps), -2 + 0.1 * 2 / (2 + eps), 3};
    const std::string uncorrected =
        "theta moved by eta m / (sqrt(v) + eps), without the bias correction: "
        "divide m by 1 - beta1^t and v by 1 - beta2^t first";
    require_values(theta, theta1, "theta after step 1",
                   {{uncorrected, values({1 - 0.1 * 0.05 / (std::sqrt(0.00025) + eps),
                                          -2 + 0.1 * 0.2 / (std::sqrt(0.004) + eps), 3})}});
    // So step 1 moves each element by η·sign(g), whatever |g| (0.5 and 2 here). Without the
    // correction it would move by 0.1·0.05/√0.00025 ≈ 0.32 instead.
    REQUIRE_THAT(1 - theta[0], WithinAbs(0.1, 1e-7));
    REQUIRE_THAT(theta[1] - (-2), WithinAbs(0.1, 1e-7));
    // Step 2, g = (−0.5, −2, 1); 1 − 0.9² = 0.19, 1 − 0.999² = 0.001999.
    //   element 0: m₂ = 0.9·0.05 + 0.1·(−0.5) = −0.005   v₂ = 0.999·0.00025 + 0.001·0.25 = 0.00049975
    //              m̂₂ = −0.005/0.19   v̂₂ = 0.00049975/0.001999 = 0.25   θ₂ = θ₁ + 0.1·(0.005/0.19)/0.5 ≈ 0.9052632
    //   element 1: m₂ = 0.9·(−0.2) + 0.1·(−2) = −0.38   v₂ = 0.999·0.004 + 0.001·4 = 0.007996
    //              m̂₂ = −2   v̂₂ = 4 (a steady gradient is estimated exactly)   θ₂ = θ₁ + 0.1·2/2 ≈ −1.8
    //   element 2: m₂ = 0.1   v₂ = 0.001   m̂₂ = 0.1/0.19 ≈ 0.5263158   v̂₂ = 0.001/0.001999 ≈ 0.5002501
    //              θ₂ = 3 − 0.1·0.5263158/√0.5002501 ≈ 3 − 0.0744134 = 2.9255866
    adam_step(theta, m, v, values({-0.5, -2, 1}), 2, 0.1, 0.9, 0.999, eps);
    require_values(m, {-0.005, -0.38, 0.1}, "m after step 2");
    require_values(v, {0.00049975, 0.007996, 0.001}, "v after step 2");
    require_values(theta,
                   {theta1[0] + 0.1 * (0.005 / 0.19) / (0.5 + eps), theta1[1] + 0.1 * 2 / (2 + eps),
                    3 - 0.1 * (0.1 / 0.19) / (std::sqrt(0.001 / 0.001999) + eps)},
                   "theta after step 2");
}

TEST_CASE("ch03.adam_step in float follows the double computation", "[ch03][exercise]") {
    // 20 steps on random data in both precisions. A float step rounds θ, m and v to ~6e-8 of their
    // size, and the rounding adds up to ~2e-7 of it over 20 steps (measured: 2.2e-7): 1e-6 relative.
    // θ (~1) and m (~0.3) are sums of signed terms: an element that passes near 0 keeps the rounding
    // it gathered at the larger size, so there the bound is absolute, 1e-6 for θ and 1e-7 for m.
    // Both runs use the float hyperparameters: 1 − 0.999f differs from 1 − 0.999 by 1.3e-5.
    const float lr = 0.01f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
    TensorD theta = testing::random_tensor<double>({4, 5}, 1), m({4, 5}), v({4, 5});
    Tensor theta_f = tensor_cast<float>(theta), m_f({4, 5}), v_f({4, 5});
    for (std::int64_t t = 1; t <= 20; ++t) {
        const Tensor g_f = tensor_cast<float>(testing::random_tensor<double>({4, 5}, 100 + t));
        const TensorD g = tensor_cast<double>(g_f);   // the same gradient in both
        adam_step<double>(theta, m, v, g, t, lr, beta1, beta2, eps);
        adam_step(theta_f, m_f, v_f, g_f, t, lr, beta1, beta2, eps);
    }
    testing::require_close(theta_f, theta, 1e-6, 1e-6, "theta");
    testing::require_close(m_f, m, 1e-6, 1e-7, "m");
    testing::require_close(v_f, v, 1e-6, 0, "v");   // v is a sum of squares: no cancellation
}

TEST_CASE("ch03.adam_step rejects step 0: t counts from 1", "[ch03][exercise]") {
    TensorD theta({3}), m({3}), v({3}), g = values({1, 2, 3});
    REQUIRE(testing::throws_error([&] { adam_step(theta, m, v, g, 0, 0.1, 0.9, 0.999, 1e-8); }));
    REQUIRE(testing::throws_error([&] { adam_step(theta, m, v, g, -1, 0.1, 0.9, 0.999, 1e-8); }));
}

TEST_CASE("ch03.adamw_step rejects step 0: t counts from 1", "[ch03][exercise]") {
    TensorD theta({3}), m({3}), v({3}), g = values({1, 2, 3});
    REQUIRE(testing::throws_error([&] { adamw_step(theta, m, v, g, 0, 0.1, 0.9, 0.999, 1e-8, 0.01); }));
}

TEST_CASE("ch03.adamw_step shrinks θ by η λ θ on a zero gradient, where adam stays put", "[ch03][exercise]") {
    // θ = (1, −2, 3), g = 0, η = 0.1, λ = 0.01: each step multiplies θ by 1 − ηλ = 0.999.
    //   θ₁ = (0.999, −1.998, 2.997)   θ₂ = 0.999² θ = (0.998001, −1.996002, 2.994003); m and v stay 0.
    TensorD theta = values({1, -2, 3}), m({3}), v({3});
    const TensorD zero({3});
    adamw_step(theta, m, v, zero, 1, 0.1, 0.9, 0.999, 1e-8, 0.01);
    require_values(theta, {0.999, -1.998, 2.997}, "adamw theta after step 1");
    adamw_step(theta, m, v, zero, 2, 0.1, 0.9, 0.999, 1e-8, 0.01);
    require_values(theta, {0.998001, -1.996002, 2.994003}, "adamw theta after step 2");
    require_values(m, {0, 0, 0}, "adamw m");
    require_values(v, {0, 0, 0}, "adamw v");
    // Adam has no decay: with g = 0, m̂ = 0 and θ does not move.
    TensorD theta_adam = values({1, -2, 3}), m_adam({3}), v_adam({3});
    adam_step(theta_adam, m_adam, v_adam, zero, 1, 0.1, 0.9, 0.999, 1e-8);
    require_values(theta_adam, {1, -2, 3}, "adam theta");
}

TEST_CASE("ch03.adamw_step is decay then adam, not adam on g + λθ", "[ch03][exercise]") {
    // θ = (1, −2, 3), g = (0.5, −2, 0), η = 0.1, λ = 0.1 (large, to make the difference plain).
    const double eps = 1e-8, lr = 0.1, decay = 0.1;
    const TensorD theta0 = values({1, -2, 3}), g = values({0.5, -2, 0});
    TensorD theta = theta0, m({3}), v({3});
    // Step 1 by hand: decay θ·(1 − 0.01) = (0.99, −1.98, 2.97), then Adam's first step, η·g/(|g| + ε):
    //   θ₁ ≈ (0.89, −1.88, 2.97). θ₂ is compared with decay-then-adam_step, done here by hand.
    adamw_step(theta, m, v, g, 1, lr, 0.9, 0.999, eps, decay);
    require_values(theta, {0.99 - 0.1 * 0.5 / (0.5 + eps), -1.98 + 0.1 * 2 / (2 + eps), 2.97}, "adamw theta1");
    require_values(m, {0.05, -0.2, 0}, "adamw m1");   // the decay never enters m or v
    require_values(v, {0.00025, 0.004, 0}, "adamw v1");
    TensorD expected = theta, m_expected = m, v_expected = v;
    for (auto& x : expected) x -= lr * decay * x;
    adam_step(expected, m_expected, v_expected, g, 2, lr, 0.9, 0.999, eps);
    adamw_step(theta, m, v, g, 2, lr, 0.9, 0.999, eps, decay);
    testing::require_close(theta, expected, 1e-14, 1e-15, "adamw theta2 against decay then adam_step");

    // L2 regularisation instead: Adam on g + λθ = (0.6, −2.2, 0.3). Step 1 moves every element by
    // η·sign(g + λθ): θ ≈ (0.9, −1.9, 2.9). The third element, whose own gradient is 0, moves by a
    // whole η = 0.1 instead of AdamW's ηλθ = 0.03: Adam's division by √v̂ rescales the decay.
    TensorD theta_l2 = theta0, m_l2({3}), v_l2({3});
    adam_step(theta_l2, m_l2, v_l2, values({0.6, -2.2, 0.3}), 1, lr, 0.9, 0.999, eps);
    require_values(theta_l2, {1 - 0.1 * 0.6 / (0.6 + eps), -2 + 0.1 * 2.2 / (2.2 + eps), 3 - 0.1 * 0.3 / (0.3 + eps)},
                   "adam on g + lambda theta");
    REQUIRE(std::abs(theta_l2[2] - 2.97) > 0.05);
}

// ---- Shapes -----------------------------------------------------------------------------------------

// [3, 2] has θ's size but not its shape: a check that compares sizes only lets it through.
TEST_CASE("ch03.momentum_step rejects a velocity or gradient shaped unlike θ", "[ch03][exercise]") {
    TensorD theta({2, 3}), state({2, 3}), g({2, 3}), wrong({3, 2});
    require_shape_error([&] { momentum_step(theta, wrong, g, 0.1, 0.9); }, "velocity");
    require_shape_error([&] { momentum_step(theta, state, wrong, 0.1, 0.9); }, "grad");
}

TEST_CASE("ch03.nesterov_step rejects a velocity or gradient shaped unlike θ", "[ch03][exercise]") {
    TensorD theta({2, 3}), state({2, 3}), g({2, 3}), wrong({3, 2});
    require_shape_error([&] { nesterov_step(theta, wrong, g, 0.1, 0.9); }, "velocity");
    require_shape_error([&] { nesterov_step(theta, state, wrong, 0.1, 0.9); }, "grad");
}

TEST_CASE("ch03.adagrad_step rejects a sum of squares or gradient shaped unlike θ", "[ch03][exercise]") {
    TensorD theta({2, 3}), state({2, 3}), g({2, 3}), wrong({3, 2});
    require_shape_error([&] { adagrad_step(theta, wrong, g, 0.1, 1e-8); }, "sum_squares");
    require_shape_error([&] { adagrad_step(theta, state, wrong, 0.1, 1e-8); }, "grad");
}

TEST_CASE("ch03.rmsprop_step rejects a mean square or gradient shaped unlike θ", "[ch03][exercise]") {
    TensorD theta({2, 3}), state({2, 3}), g({2, 3}), wrong({3, 2});
    require_shape_error([&] { rmsprop_step(theta, wrong, g, 0.1, 0.9, 1e-8); }, "mean_square");
    require_shape_error([&] { rmsprop_step(theta, state, wrong, 0.1, 0.9, 1e-8); }, "grad");
}

TEST_CASE("ch03.adadelta_step rejects a state or gradient shaped unlike θ", "[ch03][exercise]") {
    TensorD theta({2, 3}), s({2, 3}), d({2, 3}), g({2, 3}), wrong({3, 2});
    require_shape_error([&] { adadelta_step(theta, wrong, d, g, 1.0, 0.9, 1e-6); }, "mean_square_grad");
    require_shape_error([&] { adadelta_step(theta, s, wrong, g, 1.0, 0.9, 1e-6); }, "mean_square_delta");
    require_shape_error([&] { adadelta_step(theta, s, d, wrong, 1.0, 0.9, 1e-6); }, "grad");
}

TEST_CASE("ch03.adam_step rejects an m, v or gradient shaped unlike θ", "[ch03][exercise]") {
    TensorD theta({2, 3}), m({2, 3}), v({2, 3}), g({2, 3}), wrong({3, 2});
    require_shape_error([&] { adam_step(theta, wrong, v, g, 1, 0.1, 0.9, 0.999, 1e-8); }, "m");
    require_shape_error([&] { adam_step(theta, m, wrong, g, 1, 0.1, 0.9, 0.999, 1e-8); }, "v");
    require_shape_error([&] { adam_step(theta, m, v, wrong, 1, 0.1, 0.9, 0.999, 1e-8); }, "grad");
}

TEST_CASE("ch03.adamw_step rejects an m, v or gradient shaped unlike θ, leaving θ alone", "[ch03][exercise]") {
    TensorD theta = values({1, -2, 3}), m({3}), v({3}), g({3}), wrong({4});
    require_shape_error([&] { adamw_step(theta, wrong, v, g, 1, 0.1, 0.9, 0.999, 1e-8, 0.01); }, "m");
    require_shape_error([&] { adamw_step(theta, m, wrong, g, 1, 0.1, 0.9, 0.999, 1e-8, 0.01); }, "v");
    require_shape_error([&] { adamw_step(theta, m, v, wrong, 1, 0.1, 0.9, 0.999, 1e-8, 0.01); }, "grad");
    require_values(theta, {1, -2, 3}, "theta after the rejected calls");   // no decay before the check
}

// ---- Convergence on f(θ) = ½ (θ₀² + 10 θ₁²) from θ = (1, 1) -----------------------------------------
// Each rule reaches |θ| < 1e-3 well within the steps given (the first step below 1e-3 is in the comment).

TEST_CASE("ch03.momentum_step converges on an ill-conditioned quadratic", "[ch03][exercise]") {
    // η = 0.05, μ = 0.9: below 1e-3 after 120 steps; 300 given.
    TensorD v({2});
    const double distance = distance_after(300, [&](TensorD& th, const TensorD& g, std::int64_t) {
        momentum_step(th, v, g, 0.05, 0.9);
    });
    CAPTURE(distance);
    REQUIRE(distance < 1e-3);
}

TEST_CASE("ch03.nesterov_step converges on an ill-conditioned quadratic", "[ch03][exercise]") {
    // η = 0.05, μ = 0.9: below 1e-3 after 50 steps (the look-ahead damps momentum's overshoot); 300 given.
    TensorD v({2});
    const double distance = distance_after(300, [&](TensorD& th, const TensorD& g, std::int64_t) {
        nesterov_step(th, v, g, 0.05, 0.9);
    });
    CAPTURE(distance);
    REQUIRE(distance < 1e-3);
}

TEST_CASE("ch03.adagrad_step converges on an ill-conditioned quadratic", "[ch03][exercise]") {
    // η = 0.5, ε = 1e-8: below 1e-3 after 13 steps; 200 given.
    TensorD G({2});
    const double distance = distance_after(200, [&](TensorD& th, const TensorD& g, std::int64_t) {
        adagrad_step(th, G, g, 0.5, 1e-8);
    });
    CAPTURE(distance);
    REQUIRE(distance < 1e-3);
}

TEST_CASE("ch03.rmsprop_step converges on an ill-conditioned quadratic", "[ch03][exercise]") {
    // η = 0.01, ρ = 0.999, ε = 1e-8: below 1e-3 after 29 steps; 500 given. With ρ = 0.9, s follows
    // g² so closely that every step is about η long: θ circles the minimum at a distance ~η/√2
    // (0.007 for η = 0.01) and never gets closer. A long memory keeps the early, large g² in s.
    TensorD s({2});
    const double distance = distance_after(500, [&](TensorD& th, const TensorD& g, std::int64_t) {
        rmsprop_step(th, s, g, 0.01, 0.999, 1e-8);
    });
    CAPTURE(distance);
    REQUIRE(distance < 1e-3);
}

TEST_CASE("ch03.adadelta_step converges on an ill-conditioned quadratic", "[ch03][exercise]") {
    // η = 0.1, ρ = 0.9, ε = 1e-6: below 1e-3 after 1877 steps; 3000 given. AdaDelta starts slowly
    // (its first steps are ~√ε long). The paper's η = 1 gets below 1e-3 after 388 steps, but then
    // the stiff axis (curvature 10) oscillates with a growing amplitude: 0.02 after 2000 steps.
    TensorD s({2}), d({2});
    const double distance = distance_after(3000, [&](TensorD& th, const TensorD& g, std::int64_t) {
        adadelta_step(th, s, d, g, 0.1, 0.9, 1e-6);
    });
    CAPTURE(distance);
    REQUIRE(distance < 1e-3);
}

TEST_CASE("ch03.adam_step converges on an ill-conditioned quadratic", "[ch03][exercise]") {
    // η = 0.05, β₁ = 0.9, β₂ = 0.999, ε = 1e-8: below 1e-3 after 82 steps; 300 given.
    TensorD m({2}), v({2});
    const double distance = distance_after(300, [&](TensorD& th, const TensorD& g, std::int64_t t) {
        adam_step(th, m, v, g, t, 0.05, 0.9, 0.999, 1e-8);
    });
    CAPTURE(distance);
    REQUIRE(distance < 1e-3);
}

TEST_CASE("ch03.adamw_step converges on an ill-conditioned quadratic", "[ch03][exercise]") {
    // η = 0.05, λ = 0.01 and Adam's defaults: below 1e-3 after 55 steps; 300 given. The decay
    // pulls towards 0, which is also the minimum here.
    TensorD m({2}), v({2});
    const double distance = distance_after(300, [&](TensorD& th, const TensorD& g, std::int64_t t) {
        adamw_step(th, m, v, g, t, 0.05, 0.9, 0.999, 1e-8, 0.01);
    });
    CAPTURE(distance);
    REQUIRE(distance < 1e-3);
}
