// Chapter 1's kernel: every dot-product variant against a sum in double precision.
#include "dl/ops/dot.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/random.hpp"

#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <string>

using namespace dl;

namespace {
// When `got` is the sum of the first m < n products only, the likely mistake in words; else "".
template <class T>
std::string missing_tail(const TensorT<T>& x, const TensorT<T>& y, double got, double tolerance) {
    const std::size_t n = x.size();
    if (n == 0) return {};
    double prefix = 0, exact = 0;
    for (std::size_t i = 0; i < n; ++i) exact += static_cast<double>(x[i]) * static_cast<double>(y[i]);
    if (std::abs(got - exact) <= tolerance) return {};
    for (std::size_t m = 0; m < n; prefix += static_cast<double>(x[m]) * static_cast<double>(y[m]), ++m)
        if (std::abs(got - prefix) <= tolerance)
            return "likely mistake: the result is the sum of the first " + std::to_string(m) +
                   " products only; the last " + std::to_string(n - m) +
                   " (the tail that does not fill a whole step) are missing";
    return {};
}

// Checks one variant on awkward lengths: empty, 1, primes, one short of and one past a multiple of
// every unroll width, and a long vector. Float rounding of a sum of n terms is bounded by
// n·ε·Σ|x_i y_i| (ε = FLT_EPSILON), whatever the order of the additions: that is the tolerance.
void check_variant(const std::string& name) {
    for (const auto& variant : dot_variants<float>) {
        if (name != variant.name) continue;
        for (const std::size_t n : {0u, 1u, 2u, 3u, 7u, 8u, 31u, 32u, 33u, 63u, 97u, 1000u, 4099u, 100003u}) {
            CAPTURE(variant.name, n);
            const Tensor x = testing::random_tensor<float>({n}, 1 + n), y = testing::random_tensor<float>({n}, 2 + n);
            double exact = 0, magnitude = 0;
            for (std::size_t i = 0; i < n; ++i) {
                exact += static_cast<double>(x[i]) * static_cast<double>(y[i]);
                magnitude += std::abs(static_cast<double>(x[i]) * static_cast<double>(y[i]));
            }
            const float got = variant.fn(x.span(), y.span());
            const double tolerance = static_cast<double>(n + 1) * static_cast<double>(FLT_EPSILON) * magnitude + 1e-30;
            CAPTURE(exact, got, tolerance);
            INFO(missing_tail(x, y, static_cast<double>(got), tolerance));
            REQUIRE(std::isfinite(got));
            REQUIRE(std::abs(static_cast<double>(got) - exact) <= tolerance);
        }
        // A length mismatch is the caller's bug: it must throw, not read past the end.
        const Tensor a({5}), b({6});
        REQUIRE(testing::throws_error([&] { variant.fn(a.span(), b.span()); }));
        return;
    }
    FAIL("no dot variant named " << name);
}
}  // namespace

TEST_CASE("ch01.dot_naive matches a double-precision sum on awkward lengths", "[ch01][exercise]") {
    check_variant("naive");
}

TEST_CASE("ch01.dot_unrolled matches a double-precision sum on awkward lengths", "[ch01][exercise]") {
    check_variant("unrolled");
}

TEST_CASE("ch01.dot_naive is exact on small integers in double", "[ch01][exercise]") {
    const TensorD x = TensorD::from({4}, {1, 2, 3, 4}), y = TensorD::from({4}, {5, -6, 7, 8});
    REQUIRE(dot_naive(x.span(), y.span()) == 5.0 - 12.0 + 21.0 + 32.0);
}

TEST_CASE("ch01.dot_unrolled is exact on small integers in double", "[ch01][exercise]") {
    TensorD x({37}), y({37});
    double expected = 0;
    for (std::size_t i = 0; i < 37; ++i) {
        x[i] = static_cast<double>(i % 5) - 2.0;
        y[i] = static_cast<double>(i % 3) + 1.0;
        expected += x[i] * y[i];
    }
    INFO(missing_tail(x, y, dot_unrolled<double>(x.span(), y.span()), 0));
    REQUIRE(dot_unrolled<double>(x.span(), y.span()) == expected);
}
