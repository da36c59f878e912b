// The synthetic 2-D sets: shapes, labels, determinism, and the geometry each one promises.

#include "dl/data/synthetic.hpp"
#include "dl/error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>
#include <string>

using namespace dl::data;

namespace {

using Maker = std::function<Dataset(std::size_t, dl::Rng&)>;

struct NamedMaker {
    const char* name;
    Maker make;
};

const NamedMaker kMakers[] = {
    {"blobs", [](std::size_t n, dl::Rng& rng) { return make_blobs(n, rng); }},
    {"xor", [](std::size_t n, dl::Rng& rng) { return make_xor(n, rng); }},
    {"spirals", [](std::size_t n, dl::Rng& rng) { return make_spirals(n, rng); }},
    {"moons", [](std::size_t n, dl::Rng& rng) { return make_moons(n, rng); }},
};

}  // namespace

TEST_CASE("synthetic sets have n points in 2-D and both classes", "[common][infra]") {
    for (const auto& [name, make] : kMakers) {
        for (const std::size_t n : {2u, 7u, 200u}) {
            INFO(name << " with n = " << n);
            dl::Rng rng(3);
            const Dataset d = make(n, rng);
            REQUIRE(d.name == name);
            REQUIRE(d.x.shape() == dl::Shape{n, 2});
            REQUIRE(d.size() == n);
            REQUIRE(d.num_classes == 2);
            REQUIRE(d.class_names.size() == 2);
            REQUIRE(std::all_of(d.labels.begin(), d.labels.end(), [](int y) { return y == 0 || y == 1; }));
            REQUIRE(std::count(d.labels.begin(), d.labels.end(), 1) == static_cast<long>(n / 2));
            REQUIRE(std::all_of(d.x.begin(), d.x.end(), [](float v) { return std::isfinite(v); }));
        }
    }
}

TEST_CASE("synthetic sets are the same for the same seed and differ for another", "[common][infra]") {
    for (const auto& [name, make] : kMakers) {
        INFO(name);
        dl::Rng r1(11), r2(11), r3(12);
        const Dataset a = make(100, r1), b = make(100, r2), c = make(100, r3);
        REQUIRE(std::equal(a.x.begin(), a.x.end(), b.x.begin(), b.x.end()));
        REQUIRE(a.labels == b.labels);
        REQUIRE_FALSE(std::equal(a.x.begin(), a.x.end(), c.x.begin(), c.x.end()));
    }
}

TEST_CASE("synthetic sets refuse fewer than two points", "[common][infra]") {
    for (const auto& [name, make] : kMakers) {
        INFO(name);
        dl::Rng rng(1);
        REQUIRE_THROWS_AS(make(1, rng), dl::Error);
    }
}

TEST_CASE("make_blobs is linearly separable by x0 + x1 = 0 with the margin it promises", "[common][infra]") {
    dl::Rng rng(5);
    const double gap = 0.5;
    const Dataset d = make_blobs(1000, rng, gap);
    double mean0 = 0.0, mean1 = 0.0;
    for (std::size_t i = 0; i < d.size(); ++i) {
        const double s = static_cast<double>(d.x(i, 0)) + static_cast<double>(d.x(i, 1));
        const double side = d.labels[i] == 1 ? 1.0 : -1.0;
        INFO("point " << i << " (" << d.x(i, 0) << ", " << d.x(i, 1) << ") label " << d.labels[i]);
        REQUIRE(side * s / std::numbers::sqrt2 > gap / 2.0);
        (d.labels[i] == 1 ? mean1 : mean0) += s / 500.0;
    }
    // The centres (-2, -2) and (2, 2) give x0 + x1 = -4 and 4 on average (a little further out,
    // since points near the line are redrawn).
    REQUIRE_THAT(mean0, Catch::Matchers::WithinAbs(-4.0, 0.3));
    REQUIRE_THAT(mean1, Catch::Matchers::WithinAbs(4.0, 0.3));
    // gap 0 still separates strictly.
    const Dataset tight = make_blobs(1000, rng, 0.0);
    for (std::size_t i = 0; i < tight.size(); ++i)
        REQUIRE((tight.labels[i] == 1) == (tight.x(i, 0) + tight.x(i, 1) > 0.0f));
}

TEST_CASE("make_xor labels 1 exactly the points whose coordinates differ in sign", "[common][infra]") {
    dl::Rng rng(9);
    const Dataset d = make_xor(500, rng);
    for (std::size_t i = 0; i < d.size(); ++i) {
        const float x0 = d.x(i, 0), x1 = d.x(i, 1);
        REQUIRE(std::abs(x0) <= 1.0f);
        REQUIRE(std::abs(x1) <= 1.0f);
        REQUIRE(d.labels[i] == ((x0 < 0.0f) != (x1 < 0.0f) ? 1 : 0));
    }
}

TEST_CASE("make_moons without noise puts every point on its half circle", "[common][infra]") {
    dl::Rng rng(2);
    const Dataset d = make_moons(51, rng, 0.0);
    for (std::size_t i = 0; i < d.size(); ++i) {
        // Outer: centre (0, 0), upper half; inner: centre (1, 0.5), lower half; radius 1.
        const bool inner = d.labels[i] == 1;
        const double cx = inner ? 1.0 : 0.0, cy = inner ? 0.5 : 0.0;
        const double dx = static_cast<double>(d.x(i, 0)) - cx, dy = static_cast<double>(d.x(i, 1)) - cy;
        REQUIRE_THAT(std::hypot(dx, dy), Catch::Matchers::WithinAbs(1.0, 1e-6));
        REQUIRE((inner ? -dy : dy) >= -1e-6);
    }
}

TEST_CASE("make_spirals without noise stays in the unit disc with each arm half a turn apart", "[common][infra]") {
    dl::Rng rng(4);
    const Dataset d = make_spirals(300, rng, 0.0);
    for (std::size_t i = 0; i < d.size(); ++i) {
        // r = t and angle = 3π t + π label, so angle - 3π r - π label is a multiple of 2π.
        const double x0 = static_cast<double>(d.x(i, 0)), x1 = static_cast<double>(d.x(i, 1));
        const double r = std::hypot(x0, x1);
        REQUIRE(r < 1.0 + 1e-6);
        if (r < 1e-3) continue;   // the angle of a point at the centre is meaningless
        const double k = (std::atan2(x1, x0) - 3.0 * std::numbers::pi * r - std::numbers::pi * d.labels[i]) /
                         (2.0 * std::numbers::pi);
        REQUIRE_THAT(k, Catch::Matchers::WithinAbs(std::round(k), 1e-4));
    }
}
