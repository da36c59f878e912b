// The learning-rate schedules at their turning points, and their argument checks.
#include "dl/ops/schedules.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <vector>

using namespace dl;
using Catch::Matchers::WithinRel;

// The schedules are one or two double operations: 1e-14 relative is rounding.
constexpr double tol = 1e-14;

// `what` (a call, as text) gives `got` but should give `want`; `slips`: what recognisable mistakes give.
void require_rate(double got, double want, const char* what, const std::vector<testing::ScalarSlip>& slips = {}) {
    testing::require_close(got, want, tol, 0, what, slips);
}

TEST_CASE("ch03.step_decay multiplies by gamma at each multiple of the step size", "[ch03][exercise]") {
    // η = 0.1, s = 3, γ = 0.5: 0.1 for t = 0, 1, 2; 0.05 for t = 3, 4, 5; 0.025 from t = 6; 0.0125 from t = 9.
    REQUIRE_THAT(step_decay(0.1, 0, 3, 0.5), WithinRel(0.1, tol));
    // Just before the first drop, and at it.
    require_rate(step_decay(0.1, 2, 3, 0.5), 0.1, "step_decay(0.1, 2, 3, 0.5)",
                 {{"the drop comes early: the exponent is floor(t / s), 0 until t reaches s", 0.05},
                  {"the exponent t / s is not rounded down: the rate holds between drops", 0.1 * std::pow(0.5, 2.0 / 3)}});
    require_rate(step_decay(0.1, 3, 3, 0.5), 0.05, "step_decay(0.1, 3, 3, 0.5)",
                 {{"the drop comes one epoch late: at t = s the exponent floor(t / s) is already 1", 0.1}});
    REQUIRE_THAT(step_decay(0.1, 5, 3, 0.5), WithinRel(0.05, tol));
    REQUIRE_THAT(step_decay(0.1, 6, 3, 0.5), WithinRel(0.025, tol));
    REQUIRE_THAT(step_decay(0.1, 8, 3, 0.5), WithinRel(0.025, tol));
    REQUIRE_THAT(step_decay(0.1, 9, 3, 0.5), WithinRel(0.0125, tol));
    // s = 1 decays every epoch, like exponential decay: 0.1 · 0.5¹⁰.
    REQUIRE_THAT(step_decay(0.1, 10, 1, 0.5), WithinRel(0.1 / 1024, tol));
}

TEST_CASE("ch03.step_decay rejects a step size, gamma or epoch out of range", "[ch03][exercise]") {
    REQUIRE(testing::throws_error([] { step_decay(0.1, 1, 0, 0.5); }));
    REQUIRE(testing::throws_error([] { step_decay(0.1, 1, -3, 0.5); }));
    REQUIRE(testing::throws_error([] { step_decay(0.1, 1, 3, 0.0); }));
    REQUIRE(testing::throws_error([] { step_decay(0.1, 1, 3, -0.5); }));
    REQUIRE(testing::throws_error([] { step_decay(0.1, -1, 3, 0.5); }));
}

TEST_CASE("ch03.exponential_decay is eta times gamma to the t", "[ch03][exercise]") {
    // η = 0.1, γ = 0.9: t = 0 → 0.1, t = 1 → 0.09, t = 100 → 0.1 · 0.9¹⁰⁰ ≈ 0.1 · 2.65614e-5.
    require_rate(exponential_decay(0.1, 0, 0.9), 0.1, "exponential_decay(0.1, 0, 0.9)",
                 {{"γ to the power t + 1: at t = 0 the rate is η itself, γ⁰ = 1", 0.09}});
    require_rate(exponential_decay(0.1, 1, 0.9), 0.09, "exponential_decay(0.1, 1, 0.9)",
                 {{"γ to the power t + 1: at t = 0 the rate is η itself, γ⁰ = 1", 0.081}});
    REQUIRE_THAT(exponential_decay(0.1, 2, 0.9), WithinRel(0.081, tol));
    REQUIRE_THAT(exponential_decay(0.1, 100, 0.9), WithinRel(2.6561398887587544e-6, 1e-12));
}

TEST_CASE("ch03.exponential_decay rejects a gamma or epoch out of range", "[ch03][exercise]") {
    REQUIRE(testing::throws_error([] { exponential_decay(0.1, 1, 0.0); }));
    REQUIRE(testing::throws_error([] { exponential_decay(0.1, 1, -0.9); }));
    REQUIRE(testing::throws_error([] { exponential_decay(0.1, -1, 0.9); }));
}

TEST_CASE("ch03.cosine_annealing goes from eta to eta_min over T steps and stays there", "[ch03][exercise]") {
    // η = 0.1, η_min = 0.001, T = 100.
    REQUIRE_THAT(cosine_annealing(0.1, 0.001, 0, 100), WithinRel(0.1, tol));       // cos 0 = 1: η
    // t = T/4: 0.001 + ½·0.099·(1 + cos(π/4)) = 0.001 + 0.0495·1.70710678… ≈ 0.0855018
    require_rate(cosine_annealing(0.1, 0.001, 25, 100), 0.001 + 0.0495 * (1 + std::sqrt(0.5)),
                 "cosine_annealing(0.1, 0.001, 25, 100)",
                 {{"η_min left out: the rate is η_min + ½ (η − η_min)(1 + cos(π t / T))", 0.05 * (1 + std::sqrt(0.5))},
                  {"the cosine's argument is π t / T, not t / T", 0.001 + 0.0495 * (1 + std::cos(0.25))},
                  {"the ½ left out", 0.001 + 0.099 * (1 + std::sqrt(0.5))}});
    REQUIRE_THAT(cosine_annealing(0.1, 0.001, 50, 100), WithinRel(0.0505, tol));   // cos(π/2) = 0: the midpoint
    REQUIRE_THAT(cosine_annealing(0.1, 0.001, 100, 100), WithinRel(0.001, tol));   // cos π = −1: η_min
    require_rate(cosine_annealing(0.1, 0.001, 101, 100), 0.001, "cosine_annealing(0.1, 0.001, 101, 100)",
                 {{"beyond T the cosine climbs back up: hold η_min from t = T on (take t at most T)",
                   0.001 + 0.0495 * (1 + std::cos(std::numbers::pi * 1.01))}});
    REQUIRE_THAT(cosine_annealing(0.1, 0.001, 1000, 100), WithinRel(0.001, tol));
    // In between it only goes down.
    for (long t = 1; t <= 100; ++t) {
        CAPTURE(t);
        REQUIRE(cosine_annealing(0.1, 0.001, t, 100) < cosine_annealing(0.1, 0.001, t - 1, 100));
    }
}

TEST_CASE("ch03.cosine_annealing rejects a length or step out of range", "[ch03][exercise]") {
    REQUIRE(testing::throws_error([] { cosine_annealing(0.1, 0.0, 1, 0); }));
    REQUIRE(testing::throws_error([] { cosine_annealing(0.1, 0.0, 1, -10); }));
    REQUIRE(testing::throws_error([] { cosine_annealing(0.1, 0.0, -1, 10); }));
}

TEST_CASE("ch03.linear_warmup climbs to eta in W steps and then holds it", "[ch03][exercise]") {
    // η = 0.1, W = 5: t = 0 → 0.02, 1 → 0.04, 2 → 0.06, 3 → 0.08, 4 → 0.1, then 0.1.
    require_rate(linear_warmup(0.1, 0, 5), 0.02, "linear_warmup(0.1, 0, 5)",   // η/W: the first step already trains
                 {{"the first step's rate is 0: use η (t + 1) / W, so that step 0 already trains", 0.0}});
    REQUIRE_THAT(linear_warmup(0.1, 1, 5), WithinRel(0.04, tol));
    require_rate(linear_warmup(0.1, 4, 5), 0.1, "linear_warmup(0.1, 4, 5)",   // t = W − 1 reaches η
                 {{"step W − 1 does not reach η: the rate is η (t + 1) / W, not η t / W", 0.08}});
    REQUIRE_THAT(linear_warmup(0.1, 5, 5), WithinRel(0.1, tol));
    REQUIRE_THAT(linear_warmup(0.1, 1000, 5), WithinRel(0.1, tol));
    // W = 0: no warm-up at all (and no division by zero).
    REQUIRE_THAT(linear_warmup(0.1, 0, 0), WithinRel(0.1, tol));
    REQUIRE_THAT(linear_warmup(0.1, 7, 0), WithinRel(0.1, tol));
    // W = 1: the first step is already at η.
    REQUIRE_THAT(linear_warmup(0.1, 0, 1), WithinRel(0.1, tol));
}

TEST_CASE("ch03.linear_warmup rejects a negative warm-up or step", "[ch03][exercise]") {
    REQUIRE(testing::throws_error([] { linear_warmup(0.1, 0, -1); }));
    REQUIRE(testing::throws_error([] { linear_warmup(0.1, -1, 5); }));
}
