// Xavier and He initialisation, tested statistically: the moments of the weights, and what they
// are for: a signal that keeps its scale through many layers.
#include "dl/ops/activations.hpp"
#include "dl/ops/dense.hpp"
#include "dl/ops/init.hpp"
#include "dl/testing/random.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace dl;

namespace {
struct Moments {
    double mean = 0, variance = 0, max_abs = 0;
};
Moments moments(const TensorD& w) {
    Moments m;
    for (const double v : w) m.mean += v, m.max_abs = std::max(m.max_abs, std::abs(v));
    m.mean /= static_cast<double>(w.size());
    for (const double v : w) m.variance += (v - m.mean) * (v - m.mean);
    m.variance /= static_cast<double>(w.size());
    return m;
}
double mean_square(const TensorD& a) {
    double s = 0;
    for (const double v : a) s += v * v;
    return s / static_cast<double>(a.size());
}
}  // namespace

// With n = 60,000 draws the sample variance's relative standard error is about √(2/n) = 0.6% for
// a normal (less for a uniform), and the mean's is σ/√n: 5% and 5σ/√n are far outside chance.
TEST_CASE("ch02.xavier_uniform has the variance 2 / (fan_in + fan_out) within its bounds", "[ch02][exercise]") {
    Rng rng(1);
    TensorD w({300, 200});
    xavier_uniform(w, 200, 300, rng);
    const Moments m = moments(w);
    const double variance = 2.0 / 500.0, a = std::sqrt(6.0 / 500.0);
    CAPTURE(m.mean, m.variance, variance, m.max_abs, a);
    REQUIRE(std::abs(m.mean) < 5 * std::sqrt(variance / 60000.0));
    INFO((std::abs(m.variance / variance - 1.0 / 3) < 0.05
              ? "the variance is a third of 2 / (fan_in + fan_out): U(-a, a) has variance a^2 / 3, so the bound is "
                "a = sqrt(6 / (fan_in + fan_out)), not sqrt(2 / (fan_in + fan_out))"
              : "the variance must be 2 / (fan_in + fan_out), from U(-a, a) with a = sqrt(6 / (fan_in + fan_out))"));
    REQUIRE(std::abs(m.variance / variance - 1) < 0.05);
    REQUIRE(m.max_abs <= a);
    REQUIRE(m.max_abs > 0.99 * a);   // it fills the whole interval
}

TEST_CASE("ch02.he_normal has the variance 2 / fan_in", "[ch02][exercise]") {
    Rng rng(2);
    TensorD w({200, 300});
    he_normal(w, 300, rng);
    const Moments m = moments(w);
    const double variance = 2.0 / 300.0;
    CAPTURE(m.mean, m.variance, variance);
    REQUIRE(std::abs(m.mean) < 5 * std::sqrt(variance / 60000.0));
    const double ratio = m.variance / variance;
    INFO((std::abs(ratio - 0.5) < 0.025 ? "the variance is 1 / fan_in (LeCun's), not 2 / fan_in (He's)"
          : std::abs(ratio / variance - 1) < 0.05
              ? "the standard deviation is 2 / fan_in: the variance is 2 / fan_in, so the deviation is its root, "
                "sqrt(2 / fan_in)"
              : "the variance must be 2 / fan_in: draw N(0, 1) and scale it by sqrt(2 / fan_in)"));
    REQUIRE(std::abs(ratio - 1) < 0.05);
    REQUIRE(m.max_abs > 3.5 * std::sqrt(variance));   // normal tails, not a uniform
}

TEST_CASE("ch02.he_normal keeps the signal's scale through ten ReLU layers", "[ch02][exercise]") {
    // Each ReLU layer with He weights keeps E[a²] (on average): after ten layers it is within a
    // factor of 3 of the input's. With N(0, 0.01²) weights the same net shrinks E[a²] by about 0.0128^10 ≈ 10^-19.
    Rng rng(3);
    TensorD a = testing::random_tensor<double>({64, 256}, 4), z, w({256, 256});
    const TensorD b({256});
    const double start = mean_square(a);
    for (int layer = 0; layer < 10; ++layer) {
        he_normal(w, 256, rng);
        dense_forward(z, a, w, b);
        relu_forward(a, z);
    }
    // Layer by layer: E[z²] = fan_in · Var(w) · E[a²] = 2 E[a²], and the ReLU keeps half of it, so
    // E[a²] stays where it was (up to the sampling noise of 256-wide layers, compounded ten times).
    const double ratio = mean_square(a) / start;
    CAPTURE(ratio);
    REQUIRE(ratio > 1.0 / 3);
    REQUIRE(ratio < 3.0);
}

TEST_CASE("ch02.xavier_uniform keeps tanh activations alive through ten layers", "[ch02][exercise]") {
    Rng rng(5);
    TensorD a = testing::random_tensor<double>({64, 256}, 6), z, w({256, 256});
    const TensorD b({256});
    for (int layer = 0; layer < 10; ++layer) {
        xavier_uniform(w, 256, 256, rng);
        dense_forward(z, a, w, b);
        tanh_forward(a, z);
    }
    // Neither vanished (a signal near 0 passes no gradient) nor saturated (|a| near 1 neither).
    const double rms = std::sqrt(mean_square(a));
    CAPTURE(rms);
    REQUIRE(rms > 0.2);
    REQUIRE(rms < 0.9);
}
