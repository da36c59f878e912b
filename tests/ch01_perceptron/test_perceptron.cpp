// The perceptron: its prediction, its learning rule, convergence on separable data, and its
// failure on XOR.
#include "dl/data/synthetic.hpp"
#include "dl/ops/perceptron.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace dl;

namespace {
// Epochs of the perceptron rule over the examples in order; returns the mistakes of the last epoch.
std::size_t train_perceptron(const data::Dataset& d, std::vector<float>& w, float& b, int epochs) {
    std::size_t mistakes = 0;
    for (int e = 0; e < epochs; ++e) {
        mistakes = 0;
        for (std::size_t n = 0; n < d.size(); ++n)
            mistakes += perceptron_update(std::span<float>(w), b, d.x.row(n), d.labels[n], 1.0f) ? 1 : 0;
        if (mistakes == 0) break;
    }
    return mistakes;
}
double accuracy(const data::Dataset& d, const std::vector<float>& w, float b) {
    std::size_t correct = 0;
    for (std::size_t n = 0; n < d.size(); ++n)
        correct += perceptron_predict(std::span<const float>(w), b, d.x.row(n)) == d.labels[n] ? 1 : 0;
    return static_cast<double>(correct) / static_cast<double>(d.size());
}
}  // namespace

TEST_CASE("ch01.perceptron_predict thresholds w.x + b at zero", "[ch01][exercise]") {
    const std::vector<double> w{1.0, -2.0};
    const std::vector<double> above{2.0, 0.0}, below{1.0, 1.0}, on{1.5, 1.0};
    {
        INFO("w.x + b = 2 + 0.5 = 2.5 > 0 must predict 1");
        REQUIRE(perceptron_predict<double>(w, 0.5, above) == 1);
    }
    {
        INFO("w.x + b = -1 + 0.5 = -0.5 must predict 0");
        REQUIRE(perceptron_predict<double>(w, 0.5, below) == 0);
    }
    {
        INFO("w.x + b = -0.5 + 0.5 = 0 must predict 0: the test is w.x + b > 0, not >= 0");
        REQUIRE(perceptron_predict<double>(w, 0.5, on) == 0);
    }
    INFO("w.x + b = 2 - 3 = -1 must predict 0: a prediction of 1 means the bias b was left out");
    REQUIRE(perceptron_predict<double>(w, -3.0, above) == 0);
}

TEST_CASE("ch01.perceptron_update changes nothing on a correct prediction", "[ch01][exercise]") {
    std::vector<double> w{1.0, -2.0};
    double b = 0.5;
    const std::vector<double> x{2.0, 0.0};
    INFO("w.x + b = 2.5 predicts 1 and the label is 1: no mistake, so no update and false returned");
    REQUIRE_FALSE(perceptron_update<double>(w, b, x, 1, 0.1));
    REQUIRE(w == std::vector<double>{1.0, -2.0});
    REQUIRE(b == 0.5);
}

TEST_CASE("ch01.perceptron_update moves w by lr (y - y_hat) x on a mistake", "[ch01][exercise]") {
    std::vector<double> w{1.0, -2.0};
    double b = 0.5;
    const std::vector<double> x{2.0, 3.0};   // w.x + b = -3.5: predicts 0
    REQUIRE(perceptron_update<double>(w, b, x, 1, 0.25));
    // y − ŷ = 1: w += 0.25 x, b += 0.25. The commonest slips give the values named here.
    const auto slip = [&](double w0, double w1, double bb) {
        const auto is = [](double a, double e) { return std::abs(a - e) <= 1e-15 * std::abs(e); };
        return is(w[0], w0) && is(w[1], w1) && is(b, bb);
    };
    INFO((slip(0.5, -2.75, 0.25)  ? "likely mistake: the wrong sign, (y_hat - y) instead of (y - y_hat)"
          : slip(1.5, -1.25, 0.5) ? "likely mistake: b was not updated: b += lr (y - y_hat)"
          : slip(3.0, 1.0, 1.5)   ? "likely mistake: the learning rate is left out: w += lr (y - y_hat) x"
                                  : "w must move by lr (y - y_hat) x = 0.25 x and b by lr (y - y_hat) = 0.25"));
    CAPTURE(w[0], w[1], b);
    REQUIRE(w[0] == Approx(1.5).epsilon(1e-15));
    REQUIRE(w[1] == Approx(-1.25).epsilon(1e-15));
    REQUIRE(b == Approx(0.75).epsilon(1e-15));
    // And the other way: a false positive pushes w away from x.
    std::vector<double> w2{1.0, 1.0};
    double b2 = 0.0;
    REQUIRE(perceptron_update<double>(w2, b2, x, 0, 0.5));
    REQUIRE(w2 == std::vector<double>{0.0, -0.5});
    REQUIRE(b2 == -0.5);
}

TEST_CASE("ch01.perceptron_update converges on linearly separable blobs", "[ch01][exercise]") {
    // The convergence theorem: on separable data the rule stops making mistakes after finitely many
    // updates (at most (R/γ)²). Blobs with a margin converge in a few epochs.
    Rng rng(7);
    const data::Dataset blobs = data::make_blobs(400, rng);
    std::vector<float> w(2, 0.0f);
    float b = 0;
    REQUIRE(train_perceptron(blobs, w, b, 100) == 0);
    REQUIRE(accuracy(blobs, w, b) == 1.0);
}

TEST_CASE("ch01.perceptron_update cannot learn XOR", "[ch01][exercise]") {
    // No line separates XOR, so some example is always misclassified: the rule never settles and
    // the accuracy stays well below what a two-layer network reaches (chapter 2).
    Rng rng(7);
    const data::Dataset xor_set = data::make_xor(400, rng);
    std::vector<float> w(2, 0.0f);
    float b = 0;
    REQUIRE(train_perceptron(xor_set, w, b, 100) > 0);
    REQUIRE(accuracy(xor_set, w, b) < 0.8);
}
