#pragma once
// Small synthetic 2-D classification sets, for pictures of decision boundaries.
// Every point is x: [N, 2]; two classes, and example i has label i % 2 (so any prefix is balanced;
// n must be at least 2). The same seed gives the same set on every machine.

#include "dl/data/dataset.hpp"
#include "dl/rng.hpp"

namespace dl::data {

// Two Gaussian blobs (std 1) centred at (-2, -2) (label 0) and (2, 2) (label 1): linearly
// separable by the line x0 + x1 = 0. A point on the wrong side of the line, or nearer to it than
// gap / 2 (gap >= 0), is redrawn, so the margin is at least gap / 2.
Dataset make_blobs(std::size_t n, Rng& rng, double gap = 0.5);
// XOR: uniform points in [-1, 1]^2, label 1 when the two coordinates have different signs.
// Not linearly separable.
Dataset make_xor(std::size_t n, Rng& rng);
// Two interleaved spirals: t ~ U[0, 1), radius t, angle 3π t + π label (1.5 turns each), with
// Gaussian noise of the given std on each coordinate.
Dataset make_spirals(std::size_t n, Rng& rng, double noise = 0.1);
// Two interleaving half-moons (scikit-learn's make_moons): label 0 on (cos θ, sin θ), label 1 on
// (1 - cos θ, 0.5 - sin θ), θ evenly spaced over [0, π], with Gaussian noise of the given std.
Dataset make_moons(std::size_t n, Rng& rng, double noise = 0.1);

}  // namespace dl::data
