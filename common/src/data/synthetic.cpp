// The synthetic 2-D sets. Labels alternate (example i has label i % 2), so every prefix of a set is
// balanced; each point is drawn from the generator in index order, so a seed fixes the set.

#include "dl/data/synthetic.hpp"

#include "dl/error.hpp"

#include <cmath>
#include <numbers>
#include <string>

namespace dl::data {

namespace {

// An empty two-class set of n points, x: [n, 2], labels i % 2.
Dataset two_class_set(const char* name, std::size_t n) {
    DL_CHECK(n >= 2, name << ": " << n << " points cannot hold both classes; ask for at least 2");
    Dataset d{name, Tensor({n, 2}), std::vector<int>(n), 2, {"0", "1"}};
    for (std::size_t i = 0; i < n; ++i) d.labels[i] = static_cast<int>(i % 2);
    return d;
}

void set_point(Dataset& d, std::size_t i, double x0, double x1) {
    d.x(i, 0) = static_cast<float>(x0);
    d.x(i, 1) = static_cast<float>(x1);
}

}  // namespace

Dataset make_blobs(std::size_t n, Rng& rng, double gap) {
    DL_CHECK(gap >= 0.0, "make_blobs: gap " << gap << " must be >= 0");
    Dataset d = two_class_set("blobs", n);
    for (std::size_t i = 0; i < n; ++i) {
        // Class 0 lies where x0 + x1 < 0, class 1 where x0 + x1 > 0; the signed distance to the line
        // is (x0 + x1) / sqrt(2). Redraw until the point (as stored, in float) is on its side and
        // further than gap / 2 from the line.
        const double side = d.labels[i] == 1 ? 1.0 : -1.0;
        float x0 = 0.0f;
        float x1 = 0.0f;
        do {
            x0 = static_cast<float>(rng.normal(2.0 * side, 1.0));
            x1 = static_cast<float>(rng.normal(2.0 * side, 1.0));
        } while (side * (static_cast<double>(x0) + static_cast<double>(x1)) / std::numbers::sqrt2 <= gap / 2.0);
        d.x(i, 0) = x0;
        d.x(i, 1) = x1;
    }
    return d;
}

Dataset make_xor(std::size_t n, Rng& rng) {
    Dataset d = two_class_set("xor", n);
    // A uniform point of [-1, 1]^2, moved into its label's pair of quadrants by flipping x0's sign
    // (so it is uniform over them). A coordinate that is exactly 0 has no sign: redrawn.
    for (std::size_t i = 0; i < n; ++i) {
        float x0 = 0.0f;
        float x1 = 0.0f;
        while (x0 == 0.0f || x1 == 0.0f) {
            x0 = static_cast<float>(rng.uniform(-1.0, 1.0));
            x1 = static_cast<float>(rng.uniform(-1.0, 1.0));
        }
        const bool differ = (x0 < 0.0f) != (x1 < 0.0f);
        if (differ != (d.labels[i] == 1)) x0 = -x0;
        d.x(i, 0) = x0;
        d.x(i, 1) = x1;
    }
    return d;
}

Dataset make_spirals(std::size_t n, Rng& rng, double noise) {
    Dataset d = two_class_set("spirals", n);
    // Spiral k: t ~ U[0, 1), radius r = t, angle θ = 3π t + π k (1.5 turns; the second is the first
    // turned by half a turn), plus N(0, noise²) on each coordinate. Points fill [-1, 1]^2.
    for (std::size_t i = 0; i < n; ++i) {
        const double t = rng.uniform();
        const double theta = 3.0 * std::numbers::pi * t + std::numbers::pi * static_cast<double>(d.labels[i]);
        const double x0 = t * std::cos(theta) + noise * rng.normal();
        const double x1 = t * std::sin(theta) + noise * rng.normal();
        set_point(d, i, x0, x1);
    }
    return d;
}

Dataset make_moons(std::size_t n, Rng& rng, double noise) {
    Dataset d = two_class_set("moons", n);
    // As scikit-learn: the outer moon (label 0) is (cos θ, sin θ), the inner (label 1) is
    // (1 - cos θ, 0.5 - sin θ), θ evenly spaced over [0, π] within each moon; plus N(0, noise²).
    const std::size_t per_moon[2] = {(n + 1) / 2, n / 2};
    for (std::size_t i = 0; i < n; ++i) {
        const auto label = static_cast<std::size_t>(d.labels[i]);
        const std::size_t j = i / 2;   // position within its moon
        const std::size_t m = per_moon[label];
        const double theta = m > 1 ? std::numbers::pi * static_cast<double>(j) / static_cast<double>(m - 1) : 0.0;
        const double cx = label == 0 ? std::cos(theta) : 1.0 - std::cos(theta);
        const double cy = label == 0 ? std::sin(theta) : 0.5 - std::sin(theta);
        set_point(d, i, cx + noise * rng.normal(), cy + noise * rng.normal());
    }
    return d;
}

}  // namespace dl::data
