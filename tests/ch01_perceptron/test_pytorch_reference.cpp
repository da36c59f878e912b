// Chapter 1's ops against PyTorch (float64 reference values in tests/fixtures/, computed by
// scripts/make-fixtures): the same maths, written by someone else.
//
// Tolerances: double against double, 1e-12 relative (only the order of a few operations differs);
// float against the double reference, 1e-6 relative or 1e-7 absolute (float's ε is 1.2e-7).
#include "dl/nn/logistic.hpp"
#include "dl/ops/logistic.hpp"
#include "dl/testing/fixtures.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

using namespace dl;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

using testing::require_close;

TEST_CASE("ch01.sigmoid_forward agrees with PyTorch", "[ch01][exercise]") {
    const testing::Fixture f("ch01_sigmoid.txt");
    TensorD p;
    sigmoid_forward(p, f["z"]);
    require_close(p, f["p"], 1e-12, 1e-300, "p (double)");
    Tensor pf;
    sigmoid_forward(pf, f.as_float("z"));
    require_close(pf, f["p"], 1e-6, 1e-7, "p (float)");
}

TEST_CASE("ch01.sigmoid_backward agrees with PyTorch", "[ch01][exercise]") {
    const testing::Fixture f("ch01_sigmoid.txt");
    TensorD dz;
    sigmoid_backward(dz, f["dp"], f["p"]);
    require_close(dz, f["dz"], 1e-10, 1e-300, "dz");
}

TEST_CASE("ch01.bce_forward agrees with PyTorch", "[ch01][exercise]") {
    const testing::Fixture f("ch01_bce.txt");
    REQUIRE_THAT(bce_forward(f["p"], f["y"]), WithinRel(f["loss"][0], 1e-12));
}

TEST_CASE("ch01.bce_backward agrees with PyTorch", "[ch01][exercise]") {
    const testing::Fixture f("ch01_bce.txt");
    TensorD dp;
    bce_backward(dp, f["p"], f["y"]);
    require_close(dp, f["dp"], 1e-12, 1e-300, "dp");
}

TEST_CASE("ch01.sigmoid_backward makes the Logistic layer agree with PyTorch", "[ch01][exercise]") {
    const testing::Fixture f("ch01_logistic_layer.txt");
    Rng rng(1);
    nn::LogisticT<double> layer(7, rng);
    layer.w().value = f["w"];
    layer.b().value = f["b"];
    require_close(layer.forward(f["X"], nn::Mode::train), f["P"], 1e-12, 1e-300, "P");
    layer.w().zero_grad(), layer.b().zero_grad();
    require_close(layer.backward(f["dY"]), f["dX"], 1e-10, 1e-300, "dX");
    require_close(layer.w().grad, f["dw"], 1e-10, 1e-300, "dw");
    require_close(layer.b().grad, f["db"], 1e-10, 1e-300, "db");
}
