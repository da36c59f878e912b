// The gradient checker must pass a correct backward pass and catch a wrong one.
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"

#include <catch2/catch.hpp>

using namespace dl;

namespace {
// y = tanh(x ⊙ a): a parameter `a` the shape of one example. `bug` plants a wrong gradient.
enum class Bug { none, dx_off_by_factor, param_grad_missing_sum };

class ScaledTanh final : public nn::LayerT<double> {
public:
    ScaledTanh(std::size_t n, Bug bug) : a_("a", testing::random_tensor<double>({n}, 5)), bug_(bug) {}
    std::string kind() const override { return "ScaledTanh"; }
    Shape output_shape(const Shape& in) const override { return in; }
    const TensorD& forward(const TensorD& X, nn::Mode) override {
        X_ = X;
        Y_.resize(X.shape());
        const std::size_t n = a_.value.size();
        for (std::size_t i = 0; i < X.size(); ++i) Y_[i] = std::tanh(X[i] * a_.value[i % n]);
        return Y_;
    }
    const TensorD& backward(const TensorD& dY) override {
        dX_.resize(X_.shape());
        const std::size_t n = a_.value.size();
        for (std::size_t i = 0; i < X_.size(); ++i) {
            const double dz = dY[i] * (1 - Y_[i] * Y_[i]);
            dX_[i] = dz * a_.value[i % n] * (bug_ == Bug::dx_off_by_factor ? 1.01 : 1.0);
            if (bug_ == Bug::param_grad_missing_sum && i >= n) continue;   // only the first example
            a_.grad[i % n] += dz * X_[i];
        }
        return dX_;
    }
    std::vector<nn::ParameterT<double>*> parameters() override { return {&a_}; }

private:
    nn::ParameterT<double> a_;
    Bug bug_;
    TensorD X_, Y_, dX_;
};
}  // namespace

TEST_CASE("gradcheck passes a correct layer", "[common][infra]") {
    ScaledTanh layer(4, Bug::none);
    const auto r = testing::gradcheck(layer, testing::random_tensor<double>({3, 4}, 1), testing::random_tensor<double>({3, 4}, 2));
    INFO(r.describe());
    REQUIRE(r.max_rel_error < 1e-8);
    REQUIRE(r.checked == 12 + 4);
}

TEST_CASE("gradcheck catches a wrong input gradient and names it", "[common][infra]") {
    ScaledTanh layer(4, Bug::dx_off_by_factor);
    const auto r = testing::gradcheck(layer, testing::random_tensor<double>({3, 4}, 1), testing::random_tensor<double>({3, 4}, 2));
    REQUIRE(r.max_rel_error > 1e-3);
    REQUIRE(r.worst.rfind("dX[", 0) == 0);
}

TEST_CASE("gradcheck catches a parameter gradient that forgets the batch sum", "[common][infra]") {
    ScaledTanh layer(4, Bug::param_grad_missing_sum);
    const auto r = testing::gradcheck(layer, testing::random_tensor<double>({3, 4}, 1), testing::random_tensor<double>({3, 4}, 2));
    REQUIRE(r.max_rel_error > 1e-2);
    REQUIRE(r.worst.rfind("grad of a[", 0) == 0);
}

TEST_CASE("gradcheck_scalar checks the gradient of a loss", "[common][infra]") {
    // L = Σ x³ has ∂L/∂x = 3x²; a wrong 2x² is caught.
    const TensorD x = testing::random_tensor<double>({6}, 3);
    TensorD good(x.shape()), bad(x.shape());
    for (std::size_t i = 0; i < x.size(); ++i) good[i] = 3 * x[i] * x[i], bad[i] = 2 * x[i] * x[i];
    const auto loss = [](const TensorD& v) {
        double s = 0;
        for (const double e : v) s += e * e * e;
        return s;
    };
    REQUIRE(testing::gradcheck_scalar(loss, x, good).max_rel_error < 1e-8);
    REQUIRE(testing::gradcheck_scalar(loss, x, bad).max_rel_error > 0.1);
}

TEST_CASE("gradcheck names a matrix element by row and column, and recognises a transposed, negated or scaled gradient",
          "[common][infra]") {
    // L(W) = Σ W ⊙ G for a fixed G: ∂L/∂W = G.
    const TensorD G = testing::random_tensor<double>({4, 4}, 7);
    auto report_for = [&](const TensorD& claimed) {
        TensorD W = testing::random_tensor<double>({4, 4}, 8);
        testing::GradientChecks c;
        c.against("dW", W, claimed, [&] { return testing::detail::dot_all(W, G); });
        return c.report;
    };
    TensorD transposed(G.shape()), negated(G.shape()), halved(G.shape());
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 4; ++j) transposed(i, j) = G(j, i);
    for (std::size_t i = 0; i < G.size(); ++i) negated[i] = -G[i], halved[i] = 0.5 * G[i];
    const auto t = report_for(transposed);
    INFO(t.describe());
    CHECK(t.worst.find(", ") != std::string::npos);   // "dW[1, 3]", not "dW[7]"
    CHECK_THAT(t.hint, Catch::Contains("transpose"));
    CHECK_THAT(report_for(negated).hint, Catch::Contains("wrong sign"));
    CHECK_THAT(report_for(halved).hint, Catch::Contains("times 0.5"));
    CHECK(report_for(G).hint.empty());   // a right gradient gets no hint
}
