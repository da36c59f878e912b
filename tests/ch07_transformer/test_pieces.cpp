// The Transformer's pointwise and row-wise pieces: softmax with its general backward, layer norm,
// GELU and the sinusoidal positions. Values worked by hand or from the standard library in double,
// and every backward pass against central differences in double.
#include "dl/ops/attention.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/fixtures.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <numbers>

using namespace dl;
using testing::random_tensor;
using testing::require_close;
using Check = testing::GradientChecks;

namespace {

double dot(const TensorD& a, const TensorD& b) { return testing::detail::dot_all(a, b); }

const double inf = std::numeric_limits<double>::infinity();

// A pointwise backward (dX from dY and X) against central differences of its forward, in double on
// [3, 17] inputs of spread 2 (random dY), and in float against the double result.
using PointwiseForward = void (*)(TensorD&, const TensorD&);
template <class T>
using PointwiseBackward = void (*)(TensorT<T>&, const TensorT<T>&, const TensorT<T>&);
void check_backward_by_differences(PointwiseForward forward, PointwiseBackward<double> backward,
                                   PointwiseBackward<float> backward_float, std::uint64_t seed) {
    TensorD X = random_tensor<double>({3, 17}, seed, 2.0), Y;
    const TensorD dY = random_tensor<double>({3, 17}, seed + 1);
    const auto loss = [&] {
        forward(Y, X);
        return dot(Y, dY);
    };
    TensorD dX({3, 17}, std::nan(""));
    backward(dX, dY, X);
    Check c;
    c.against("dX", X, dX, loss);
    INFO(c.report.describe());
    CHECK(c.report.max_rel_error < 1e-6);
    Tensor dXf;
    backward_float(dXf, tensor_cast<float>(dY), tensor_cast<float>(X));
    require_close(dXf, dX, 1e-4, 1e-6, "dX in float");
}

}  // namespace

TEST_CASE("ch07.softmax_forward normalises each row of the last axis, stably", "[ch07][exercise]") {
    // Rows of a [2, 1, 3] tensor: [1, 2, 3] and [1000, 1000, 1001] (e^1000 overflows without the max).
    const TensorD X = TensorD::from({2, 1, 3}, {1, 2, 3, 1000, 1000, 1001});
    TensorD Y({2, 1, 3}, std::nan(""));   // overwritten, whatever was in it
    softmax_forward(Y, X);
    if (std::isfinite(Y[0]) && !std::isfinite(Y[3]))
        FAIL("the row [1, 2, 3] is finite but [1000, 1000, 1001] gives " << Y[3] << "; likely mistake: e^1000 overflows: "
             "subtract each row's maximum before exponentiating (softmax(x) = softmax(x − max x))");
    const double s = std::exp(1.0) + std::exp(2.0) + std::exp(3.0), t = 2 + std::exp(1.0);
    require_close(Y, TensorD::from({2, 1, 3}, {std::exp(1.0) / s, std::exp(2.0) / s, std::exp(3.0) / s, 1 / t, 1 / t,
                                               std::exp(1.0) / t}),
                  1e-12, 1e-15, "Y");
    // Float gives the same probabilities (to float precision), also for huge scores.
    Tensor Yf;
    softmax_forward(Yf, tensor_cast<float>(X));
    require_close(Yf, Y, 1e-5, 1e-7, "Y in float");
}

TEST_CASE("ch07.softmax_forward gives a masked score (−∞) exactly zero weight, and may work in place",
          "[ch07][exercise]") {
    TensorD X = TensorD::from({2, 3}, {0.5, -inf, 1.5, -inf, 2.0, -inf});
    TensorD Y;
    softmax_forward(Y, X);
    const double s = std::exp(0.5) + std::exp(1.5);
    require_close(Y, TensorD::from({2, 3}, {std::exp(0.5) / s, 0, std::exp(1.5) / s, 0, 1, 0}), 1e-12, 0, "Y");
    CHECK(Y[1] == 0.0);
    CHECK(Y[3] == 0.0);
    softmax_forward(X, X);   // in place: the attention's scores become its weights
    require_close(X, Y, 0, 0, "X after softmax_forward(X, X)");
    Tensor Xf = Tensor::from({1, 4}, {-INFINITY, 3.0f, -INFINITY, -INFINITY}), Yf;
    softmax_forward(Yf, Xf);
    CHECK(Yf[0] == 0.0f);
    CHECK(Yf[1] == 1.0f);
}

TEST_CASE("ch07.softmax_backward is the Jacobian-vector product, against finite differences", "[ch07][exercise]") {
    for (const Shape& shape : {Shape{1, 1}, Shape{3, 5}, Shape{2, 3, 7}}) {
        TensorD X = random_tensor<double>(shape, 1, 2.0), Y, dX;
        const TensorD dY = random_tensor<double>(shape, 2);
        const auto loss = [&] {
            softmax_forward(Y, X);
            return dot(Y, dY);
        };
        loss();
        dX = TensorD(shape, std::nan(""));   // overwritten, whatever was in it
        softmax_backward(dX, dY, Y);
        Check c;
        c.against("dX", X, dX, loss);
        INFO(to_string(shape) << ": " << c.report.describe());
        CHECK(c.report.max_rel_error < 1e-6);
    }
    // A row's gradient sums to zero: adding a constant to every score changes nothing.
    TensorD Y = TensorD::from({1, 3}, {0.2, 0.3, 0.5}), dY = TensorD::from({1, 3}, {1, -2, 4}), dX;
    softmax_backward(dX, dY, Y);
    CHECK(std::abs(dX[0] + dX[1] + dX[2]) < 1e-15);
    // By hand: Σ dY·Y = 0.2 − 0.6 + 2 = 1.6;  dX = Y ⊙ (dY − 1.6).
    require_close(dX, TensorD::from({1, 3}, {0.2 * -0.6, 0.3 * -3.6, 0.5 * 2.4}), 1e-12, 1e-15, "dX");
    softmax_backward(dY, dY, Y);   // in place
    require_close(dY, dX, 0, 0, "dY after softmax_backward(dY, dY, Y)");
}

TEST_CASE("ch07.layernorm_forward normalises every row to mean 0 and variance 1, then scales and shifts",
          "[ch07][exercise]") {
    // One row by hand: x = [1, 2, 3, 6]: μ = 3, σ² = (4 + 1 + 0 + 9) / 4 = 3.5.
    const TensorD X = TensorD::from({1, 4}, {1, 2, 3, 6});
    const TensorD gamma = TensorD::from({4}, {1, 2, 1, 0.5}), beta = TensorD::from({4}, {0, 0, 1, -1});
    TensorD Y({1, 4}, std::nan("")), mean({1}, std::nan("")), rstd({1}, std::nan(""));   // overwritten
    layernorm_forward(Y, mean, rstd, X, gamma, beta, 1e-5);
    const double rs = 1 / std::sqrt(3.5 + 1e-5);
    require_close(mean, TensorD::from({1}, {3}), 1e-14, 0, "mean");
    require_close(rstd, TensorD::from({1}, {rs}), 1e-12, 0, "rstd",
                  {{"the variance divided by C − 1: layer norm uses the biased variance, divided by C",
                    TensorD::from({1}, {1 / std::sqrt(14.0 / 3 + 1e-5)})},
                   {"ε left out of 1/sqrt(σ² + ε)", TensorD::from({1}, {1 / std::sqrt(3.5)})},
                   {"rstd holds the standard deviation sqrt(σ² + ε), not its inverse", TensorD::from({1}, {1 / rs})}});
    require_close(Y, TensorD::from({1, 4}, {-2 * rs, -2 * rs, 1, 0.5 * 3 * rs - 1}), 1e-12, 1e-14, "Y");
    // Rows of a [2, 3, 8] tensor, each on its own (not the batch's statistics).
    const TensorD Z = random_tensor<double>({2, 3, 8}, 3, 5.0);
    const TensorD ones({8}, 1.0), zeros({8}, 0.0);
    layernorm_forward(Y, mean, rstd, Z, ones, zeros, 0.0);
    REQUIRE(Y.shape() == Z.shape());
    REQUIRE(mean.size() == 6);
    for (std::size_t r = 0; r < 6; ++r) {
        double m = 0, v = 0;
        for (std::size_t c = 0; c < 8; ++c) m += Y[r * 8 + c] / 8;
        for (std::size_t c = 0; c < 8; ++c) v += (Y[r * 8 + c] - m) * (Y[r * 8 + c] - m) / 8;
        CHECK(std::abs(m) < 1e-12);
        CHECK(std::abs(v - 1) < 1e-12);   // divided by C, not C − 1
    }
    CHECK(testing::throws_error([&] { layernorm_forward(Y, mean, rstd, Z, TensorD({7}, 1.0), zeros, 1e-5); }));
}

TEST_CASE("ch07.layernorm_backward matches finite differences for x, γ and β, and accumulates dγ and dβ",
          "[ch07][exercise]") {
    const std::size_t C = 6;
    TensorD X = random_tensor<double>({2, 3, C}, 4, 2.0), gamma = random_tensor<double>({C}, 5),
            beta = random_tensor<double>({C}, 6), Y, mean, rstd;
    const TensorD dY = random_tensor<double>({2, 3, C}, 7);
    const auto loss = [&] {
        layernorm_forward(Y, mean, rstd, X, gamma, beta, 1e-5);
        return dot(Y, dY);
    };
    loss();
    const TensorD dgamma0 = random_tensor<double>({C}, 8), dbeta0 = random_tensor<double>({C}, 9);
    TensorD dX, dgamma = dgamma0, dbeta = dbeta0;   // dX empty: the backward sizes it (the model relies on that)
    layernorm_backward(dX, dgamma, dbeta, dY, X, mean, rstd, gamma);
    REQUIRE(dX.shape() == X.shape());
    for (std::size_t c = 0; c < C; ++c) dgamma[c] -= dgamma0[c], dbeta[c] -= dbeta0[c];
    Check check;
    check.against("dX", X, dX, loss);
    check.against("dgamma", gamma, dgamma, loss);
    check.against("dbeta", beta, dbeta, loss);
    INFO(check.report.describe());
    CHECK(check.report.max_rel_error < 1e-6);
}

TEST_CASE("ch07.gelu_forward is x·Φ(x), the exact GELU", "[ch07][exercise]") {
    const TensorD X = TensorD::from({6}, {-3, -1, 0, 0.5, 1, 4});
    TensorD Y({6}, std::nan(""));
    gelu_forward(Y, X);
    TensorD want({6});
    TensorD tanh_form({6}), erf_unscaled({6});
    for (std::size_t i = 0; i < 6; ++i) {
        const double x = X[i];
        want[i] = x * 0.5 * (1 + std::erf(x / std::sqrt(2.0)));
        tanh_form[i] = 0.5 * x * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (x + 0.044715 * x * x * x)));
        erf_unscaled[i] = x * 0.5 * (1 + std::erf(x));
    }
    require_close(Y, want, 1e-14, 1e-16, "Y",
                  {{"the tanh approximation: gelu_forward is the exact x·Φ(x) (gelu_tanh_forward is the approximation)",
                    tanh_form},
                   {"Φ(x) = ½ (1 + erf(x / √2)): the √2 is missing", erf_unscaled}});
    CHECK(std::abs(Y[4] - 0.8413447460685429) < 1e-12);   // Φ(1), from the normal table
    CHECK(std::abs(Y[0] - -3 * 0.0013498980316301) < 1e-12);   // −3·Φ(−3); the tanh approximation gives −0.0036
    // In float, to float precision (the fast erf is within 1.5e-7).
    const TensorD wide = random_tensor<double>({4000}, 10, 3.0);
    Tensor Yf;
    gelu_forward(Yf, tensor_cast<float>(wide));
    TensorD exact({4000});
    for (std::size_t i = 0; i < 4000; ++i) {
        const double x = static_cast<float>(wide[i]);
        exact[i] = x * 0.5 * (1 + std::erf(x / std::sqrt(2.0)));
    }
    require_close(Yf, exact, 1e-5, 1e-6, "Y in float");
}

TEST_CASE("ch07.gelu_backward matches finite differences", "[ch07][exercise]") {
    check_backward_by_differences(gelu_forward<double>, gelu_backward<double>, gelu_backward<float>, 11);
}

TEST_CASE("ch07.gelu_tanh_forward is PyTorch's gelu(approximate='tanh'), and within 4.8e-4 of the exact GELU",
          "[ch07][exercise]") {
    // X runs over −6 … 6 and random values; PyTorch's values in float64 (scripts/make-fixtures).
    const testing::Fixture f("ch07_gelu_tanh.txt");
    TensorD Y(f["X"].shape(), std::nan(""));
    gelu_tanh_forward(Y, f["X"]);
    INFO("X[0] = -6: the tanh form gives -8.4e-11; -5.9e-9 there is the exact (erf) GELU under this name");
    require_close(Y, f["Y"], 1e-14, 1e-15, "Y");
    // An approximation, not a new function: close to the erf form, but not equal to it (a test
    // that only compared with gelu_forward would pass the exact GELU written under this name).
    double largest = 0;
    for (std::size_t i = 0; i < Y.size(); ++i) largest = std::max(largest, std::abs(Y[i] - f["Y_erf"][i]));
    CHECK(largest < 4.8e-4);
    CHECK(largest > 1e-5);
    // In float, to float precision.
    Tensor Yf;
    gelu_tanh_forward(Yf, tensor_cast<float>(f["X"]));
    require_close(Yf, f["Y"], 1e-5, 1e-6, "Y in float");
}

TEST_CASE("ch07.gelu_tanh_backward matches finite differences and PyTorch's gradient", "[ch07][exercise]") {
    const testing::Fixture f("ch07_gelu_tanh.txt");
    TensorD dX(f["X"].shape(), std::nan(""));
    gelu_tanh_backward(dX, f["dY"], f["X"]);
    require_close(dX, f["dX"], 1e-12, 1e-14, "dX (PyTorch's autograd)");
    check_backward_by_differences(gelu_tanh_forward<double>, gelu_tanh_backward<double>, gelu_tanh_backward<float>, 13);
}

TEST_CASE("ch07.sinusoidal_positions writes sin and cos of t / 10000^(2i/C)", "[ch07][exercise]") {
    TensorD P;
    sinusoidal_positions(P, 5, 4);
    REQUIRE(P.shape() == Shape{5, 4});
    // Two recognisable slips, told apart at t = 3 (where every one of these numbers differs).
    const auto near = [](double got, double want) { return std::abs(got - want) < 1e-9; };
    if (near(P(3, 0), std::cos(3.0)) && near(P(3, 1), std::sin(3.0)))
        FAIL("P(3, 0) is cos 3 and P(3, 1) is sin 3; likely mistake: sine and cosine swapped (even columns take the sine)");
    if ((near(P(3, 2), std::sin(3 / 10000.0)) && near(P(3, 3), std::cos(3 / std::pow(10000.0, 1.5)))) ||
        (near(P(3, 1), std::cos(3 / 10.0)) && near(P(3, 3), std::cos(3 / 1000.0))))
        FAIL("P(3, 2) is " << P(3, 2) << " and P(3, 3) is " << P(3, 3) << ", should be sin(3/100) and cos(3/100); likely "
             "mistake: the exponent uses the column index: columns 2i and 2i + 1 share the frequency 1/10000^(2i/C)");
    for (std::size_t t = 0; t < 5; ++t) {
        const double td = static_cast<double>(t);
        CHECK(P(t, 0) == Approx(std::sin(td)).margin(1e-15));
        CHECK(P(t, 1) == Approx(std::cos(td)).margin(1e-15));
        CHECK(P(t, 2) == Approx(std::sin(td / 100)).margin(1e-15));   // 10000^(2/4) = 100
        CHECK(P(t, 3) == Approx(std::cos(td / 100)).margin(1e-15));
    }
    Tensor Pf;   // an odd width ends with a sine; float like double
    sinusoidal_positions(Pf, 130, 7);
    REQUIRE(Pf.shape() == Shape{130, 7});
    CHECK(Pf(129, 6) == Approx(std::sin(129.0 / std::pow(10000.0, 6.0 / 7))).margin(1e-6));
    CHECK(Pf(129, 5) == Approx(std::cos(129.0 / std::pow(10000.0, 4.0 / 7))).margin(1e-6));
}
