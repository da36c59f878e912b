// The learning-rate schedules at their turning points, and their argument checks.
#include "dl/ops/schedules.hpp"
#include "dl/testing/checks.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace dl;
using Catch::Matchers::WithinRel;

// The schedules are one or two double operations: 1e-14 relative is rounding.
constexpr double tol = 1e-14;

TEST_CASE("ch03.step_decay multiplies by gamma at each multiple of the step size", "[ch03][exercise]") {
    // η = 0.1, s = 3, γ = 0.5: 0.1 for t = 0, 1, 2; 0.05 for t = 3, 4, 5; 0.025 from t = 6; 0.0125 from t = 9.
    REQUIRE_THAT(step_decay(0.1, 0, 3, 0.5), WithinRel(0.1, tol));
    REQUIRE_THAT(step_decay(0.1, 2, 3, 0.5), WithinRel(0.1, tol));      // just before the first drop
    REQUIRE_THAT(step_decay(0.1, 3, 3, 0.5), WithinRel(0.05, tol));     // at it
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
    REQUIRE_THAT(exponential_decay(0.1, 0, 0.9), WithinRel(0.1, tol));
    REQUIRE_THAT(exponential_decay(0.1, 1, 0.9), WithinRel(0.09, tol));
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
    REQUIRE_THAT(cosine_annealing(0.1, 0.001, 25, 100), WithinRel(0.001 + 0.0495 * (1 + std::sqrt(0.5)), tol));
    REQUIRE_THAT(cosine_annealing(0.1, 0.001, 50, 100), WithinRel(0.0505, tol));   // cos(π/2) = 0: the midpoint
    REQUIRE_THAT(cosine_annealing(0.1, 0.001, 100, 100), WithinRel(0.001, tol));   // cos π = −1: η_min
    REQUIRE_THAT(cosine_annealing(0.1, 0.001, 101, 100), WithinRel(0.001, tol));   // beyond T: η_min, not back up
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
    REQUIRE_THAT(linear_warmup(0.1, 0, 5), WithinRel(0.02, tol));   // η/W: the first step already trains
    REQUIRE_THAT(linear_warmup(0.1, 1, 5), WithinRel(0.04, tol));
    REQUIRE_THAT(linear_warmup(0.1, 4, 5), WithinRel(0.1, tol));    // t = W − 1 reaches η
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
