// The gradient of a gradient: second derivatives of small functions, Hessian-vector products
// against finite differences of gradients, and PyTorch's double backward on a classifier.
#include "dl/ops/tape_ops.hpp"
#include "dl/testing/fixtures.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"
#include "dl/testing/tape_check.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace dl;
using testing::random_tensor;
using testing::VarD;
using Catch::Matchers::WithinRel;

namespace {

// s = sigmoid(X W1ᵀ), z = s W2ᵀ / (1 + log(1 + Σ_k s)), loss = cross_entropy(z, labels)
VarD classifier_loss(const TensorD& X, const VarD& W1, const VarD& W2, const std::vector<int>& labels) {
    const VarD s = sigmoid(matmul(VarD(X), W1, Trans::no, Trans::yes));
    const VarD one(TensorD({1}, 1.0));
    const VarD z = div(matmul(s, W2, Trans::no, Trans::yes), add(one, log(add(one, sum_last_axis(s)))));
    return softmax_cross_entropy(z, std::span<const int>(labels));
}

}  // namespace

TEST_CASE("ch08.conv2d is differentiable once: a double backward through it stops with an error naming it",
          "[ch08][exercise]") {
    const VarD x(random_tensor<double>({1, 1, 4, 4}, 10), true), w(random_tensor<double>({1, 1, 3, 3}, 11), true),
        b(TensorD({1}), true);
    const VarD loss = sum(mul(conv2d(x, w, b, {}), conv2d(x, w, b, {})));
    CHECK_THROWS_WITH(grad(loss, {w}, /*create_graph=*/true), Catch::Contains("conv2d"));
    CHECK(grad(loss, {w}).at(0).shape() == w.shape());   // a plain gradient is fine
}

TEST_CASE("ch08.hessian_vector_product gives the second derivatives of Σ x³ and Σ tanh x",
          "[ch08][exercise]") {
    // f = Σ x³ (as x·x·x): f'' = 6x, so H v = 6 x ⊙ v; and Σ tanh(x): H v = −2 tanh(x)(1 − tanh²(x)) ⊙ v.
    const TensorD x0 = TensorD::from({3}, {0.5, -1.0, 2.0}), v = TensorD::from({3}, {1.0, 2.0, -1.0});
    const VarD x(x0, true);
    const auto cube = hessian_vector_product(sum(mul(mul(x, x), x)), {x}, {v});
    const auto th = hessian_vector_product(sum(tanh(x)), {x}, {v});
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK_THAT(cube[0][i], WithinRel(6 * x0[i] * v[i], 1e-14));
        const double t = std::tanh(x0[i]);
        CHECK_THAT(th[0][i], WithinRel(-2 * t * (1 - t * t) * v[i], 1e-14));
    }
}

TEST_CASE("ch08.hessian_vector_product matches PyTorch's double backward on a classifier", "[ch08][exercise]") {
    const testing::Fixture f("ch08_classifier.txt");
    std::vector<int> labels;
    for (double l : f["labels"]) labels.push_back(static_cast<int>(l));
    const VarD W1(f["W1"], true), W2(f["W2"], true);
    const VarD loss = classifier_loss(f["X"], W1, W2, labels);
    testing::require_close(loss.value(), f["loss"], 1e-14, 0, "loss");
    const std::vector<VarD> g = grad(loss, {W1, W2});
    testing::require_close(g[0].value(), f["dW1"], 1e-12, 1e-14, "dW1");
    testing::require_close(g[1].value(), f["dW2"], 1e-12, 1e-14, "dW2");
    const auto hv = hessian_vector_product(loss, {W1, W2}, {f["v1"], f["v2"]});
    testing::require_close(hv[0], f["Hv1"], 1e-11, 1e-13, "Hv for W1");
    testing::require_close(hv[1], f["Hv2"], 1e-11, 1e-13, "Hv for W2");
}

TEST_CASE("ch08.hessian_vector_product equals finite differences of gradients for an MLP's loss",
          "[ch08][exercise]") {
    // H v ≈ (g(θ + εv) − g(θ − εv)) / 2ε, the gradient's directional derivative.
    const TensorD X = random_tensor<double>({6, 4}, 1), W1 = random_tensor<double>({5, 4}, 2),
                  b1 = random_tensor<double>({5}, 3), W2 = random_tensor<double>({3, 5}, 4);
    const std::vector<int> labels = {0, 2, 1, 1, 0, 2};
    const std::vector<TensorD> v = {random_tensor<double>({5, 4}, 5), random_tensor<double>({5}, 6),
                                    random_tensor<double>({3, 5}, 7)};
    auto loss_at = [&](const std::vector<VarD>& p) {
        const VarD h = tanh(linear(VarD(X), p[0], p[1]));
        return softmax_cross_entropy(matmul(h, p[2], Trans::no, Trans::yes), std::span<const int>(labels));
    };
    auto shifted = [&](double eps) {
        std::vector<VarD> p;
        const std::vector<TensorD> base = {W1, b1, W2};
        for (std::size_t k = 0; k < base.size(); ++k) {
            TensorD t = base[k];
            for (std::size_t i = 0; i < t.size(); ++i) t[i] += eps * v[k][i];
            p.emplace_back(t, true);
        }
        return p;
    };
    const std::vector<VarD> params = shifted(0.0);
    const auto hv = hessian_vector_product(loss_at(params), params, v);
    const double eps = 1e-5;
    const std::vector<VarD> up = shifted(eps), down = shifted(-eps);
    const std::vector<VarD> g_up = grad(loss_at(up), up), g_down = grad(loss_at(down), down);
    for (std::size_t k = 0; k < 3; ++k)
        for (std::size_t i = 0; i < hv[k].size(); ++i) {
            const double numeric = (g_up[k].value()[i] - g_down[k].value()[i]) / (2 * eps);
            CAPTURE(k, i);
            CHECK_THAT(hv[k][i], WithinRel(numeric, 1e-6) || Catch::Matchers::WithinAbs(numeric, 1e-9));
        }
}
