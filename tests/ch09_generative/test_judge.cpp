// The judge's Fréchet distance: 0 between a distribution and itself, the closed form in one
// dimension, and LAPACK's value (through PyTorch) for covariances that do not commute.
// Each check is a require_close (dl/testing/require_close.hpp), which fails the test with both
// values and the tolerance when they differ.
#include "judge.hpp"

#include "dl/testing/fixtures.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace dl;
using testing::require_close;

namespace {
std::vector<double> values(const TensorD& t) { return {t.begin(), t.end()}; }
}  // namespace

TEST_CASE("the Frechet distance is 0 from itself, (m1 - m2)^2 + (s1 - s2)^2 in one dimension, and PyTorch's value",
          "[ch09][infra]") {
    // One dimension: N(1, 2²) against N(3, 1²): (1 − 3)² + (2 − 1)² = 5.
    require_close(ch09::frechet_distance({1}, {4}, {3}, {1}), 5, 1e-12, 0, "FD(N(1, 4), N(3, 1))");
    const testing::Fixture f("ch09_frechet.txt");
    const auto mean_a = values(f["mean_a"]), cov_a = values(f["cov_a"]);
    const auto mean_b = values(f["mean_b"]), cov_b = values(f["cov_b"]);
    require_close(ch09::frechet_distance(mean_a, cov_a, mean_a, cov_a), 0, 0, 1e-9, "FD of a Gaussian from itself");
    require_close(ch09::frechet_distance(mean_a, cov_a, mean_b, cov_b), f["frechet"][0], 1e-9, 0, "FD against PyTorch");
    require_close(ch09::frechet_distance(mean_b, cov_b, mean_a, cov_a), f["frechet"][0], 1e-9, 0,
                  "FD with the two swapped (it is symmetric)");
}
