// ReLU and tanh: values, and backward passes against finite differences (through the layers).
#include "dl/nn/activations.hpp"
#include "dl/ops/activations.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace dl;
using Catch::Matchers::WithinRel;

namespace {
// Inputs kept away from ReLU's kink at 0, where the finite difference is meaningless.
TensorD away_from_zero(Shape shape, std::uint64_t seed) {
    TensorD x = testing::random_tensor<double>(std::move(shape), seed);
    for (auto& v : x) v += v >= 0 ? 0.1 : -0.1;
    return x;
}
}  // namespace

TEST_CASE("ch02.relu_forward keeps the positive part", "[ch02][exercise]") {
    const TensorD x = TensorD::from({2, 3}, {-2.0, -0.0, 0.5, 3.0, -1e-300, 1e-300});
    TensorD y;
    relu_forward(y, x);
    REQUIRE(y.shape() == x.shape());
    const std::vector<double> expected{0.0, 0.0, 0.5, 3.0, 0.0, 1e-300};
    for (std::size_t i = 0; i < 6; ++i) REQUIRE(y[i] == expected[i]);
}

TEST_CASE("ch02.relu_backward passes the gradient where the input was positive", "[ch02][exercise]") {
    const TensorD x = TensorD::from({4}, {-1.0, 0.0, 2.0, 5.0}), dy = TensorD::from({4}, {10.0, 20.0, 30.0, 40.0});
    TensorD dx;
    relu_backward(dx, dy, x);
    REQUIRE(dx[0] == 0.0);
    INFO("x = 0 must pass no gradient: the derivative at 0 is taken as 0 (PyTorch's convention)");
    REQUIRE(dx[1] == 0.0);
    REQUIRE(dx[2] == 30.0);
    REQUIRE(dx[3] == 40.0);
}

TEST_CASE("ch02.relu_backward matches finite differences", "[ch02][exercise]") {
    nn::ReLUT<double> relu;
    const auto report = testing::gradcheck(relu, away_from_zero({5, 7}, 1), testing::random_tensor<double>({5, 7}, 2));
    INFO(report.describe());
    REQUIRE(report.max_rel_error < 1e-6);
}

TEST_CASE("ch02.tanh_forward matches std::tanh and saturates without overflow", "[ch02][exercise]") {
    const TensorD x = TensorD::from({5}, {-1000.0, -1.0, 0.0, 0.5, 1000.0});
    TensorD y;
    tanh_forward(y, x);
    REQUIRE(y[0] == -1.0);
    REQUIRE_THAT(y[1], WithinRel(std::tanh(-1.0), 1e-15));
    REQUIRE(y[2] == 0.0);
    REQUIRE_THAT(y[3], WithinRel(std::tanh(0.5), 1e-15));
    REQUIRE(y[4] == 1.0);
}

TEST_CASE("ch02.tanh_backward matches finite differences", "[ch02][exercise]") {
    nn::TanhT<double> layer;
    const TensorD x = testing::random_tensor<double>({4, 6}, 3, 1.5), dy = testing::random_tensor<double>({4, 6}, 4);
    auto report = testing::gradcheck(layer, x, dy);
    // The backward gets Y = tanh(X), not X: the commonest slips treat it as X, or drop dY or the square.
    TensorD y, dx, tanh_again(x.shape()), without_dy(x.shape()), not_squared(x.shape());
    tanh_forward(y, x);
    tanh_backward(dx, dy, y);
    for (std::size_t i = 0; i < x.size(); ++i) {
        tanh_again[i] = dy[i] * (1 - std::tanh(y[i]) * std::tanh(y[i]));
        without_dy[i] = 1 - y[i] * y[i];
        not_squared[i] = dy[i] * (1 - y[i]);
    }
    testing::name_slip(
        report, dx,
        {{"dX applies tanh to Y again: Y is already tanh(X), so dX = dY * (1 - Y^2)", tanh_again},
         {"dX is 1 - Y^2 without dY: multiply by the upstream gradient, dX = dY * (1 - Y^2)", without_dy},
         {"dX = dY * (1 - Y): the derivative of tanh is 1 - tanh^2, so dX = dY * (1 - Y^2)", not_squared}});
    INFO(report.describe());
    REQUIRE(report.max_rel_error < 1e-6);
}

TEST_CASE("Flatten reshapes images to rows and gradients back", "[ch02][infra]") {
    nn::FlattenT<double> flatten;
    const TensorD x = testing::random_tensor<double>({2, 1, 3, 4}, 7);
    const TensorD& y = flatten.forward(x, nn::Mode::train);
    REQUIRE(y.shape() == Shape{2, 12});
    REQUIRE(flatten.output_shape({1, 3, 4}) == Shape{12});
    const TensorD& dx = flatten.backward(y);
    REQUIRE(dx.shape() == x.shape());
    for (std::size_t i = 0; i < x.size(); ++i) REQUIRE(dx[i] == x[i]);
}
