// Chapter 2's ops against PyTorch (float64 reference values in tests/fixtures/, computed by
// scripts/make-fixtures). Tolerances: 1e-12 relative for values, 1e-10 for gradients (double
// against double; only the order of the sums differs).
#include "dl/ops/activations.hpp"
#include "dl/ops/dense.hpp"
#include "dl/ops/mse.hpp"
#include "dl/ops/softmax_cross_entropy.hpp"
#include "dl/testing/fixtures.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

using namespace dl;
using testing::require_close;

namespace {
std::vector<int> labels_of(const TensorD& t) {
    std::vector<int> labels;
    for (const double v : t) labels.push_back(static_cast<int>(v));
    return labels;
}
}  // namespace

TEST_CASE("ch02.dense_forward agrees with PyTorch", "[ch02][exercise]") {
    const testing::Fixture f("ch02_dense.txt");
    TensorD Y;
    dense_forward(Y, f["X"], f["W"], f["b"]);
    require_close(Y, f["Y"], 1e-12, 1e-14, "Y");
}

TEST_CASE("ch02.dense_backward agrees with PyTorch", "[ch02][exercise]") {
    const testing::Fixture f("ch02_dense.txt");
    TensorD dX, dW(f["W"].shape()), db(f["b"].shape());
    dense_backward(dX, dW, db, f["dY"], f["X"], f["W"]);
    require_close(dX, f["dX"], 1e-10, 1e-14, "dX");
    require_close(dW, f["dW"], 1e-10, 1e-14, "dW");
    require_close(db, f["db"], 1e-10, 1e-14, "db");
}

TEST_CASE("ch02.relu_backward agrees with PyTorch", "[ch02][exercise]") {
    const testing::Fixture f("ch02_activations.txt");
    TensorD y, dx;
    relu_forward(y, f["relu_x"]);
    require_close(y, f["relu_y"], 1e-15, 0, "relu y");
    relu_backward(dx, f["relu_dy"], f["relu_x"]);
    require_close(dx, f["relu_dx"], 1e-15, 0, "relu dx");
}

TEST_CASE("ch02.tanh_backward agrees with PyTorch", "[ch02][exercise]") {
    const testing::Fixture f("ch02_activations.txt");
    TensorD y, dx;
    tanh_forward(y, f["tanh_x"]);
    require_close(y, f["tanh_y"], 1e-14, 1e-16, "tanh y");
    tanh_backward(dx, f["tanh_dy"], y);
    require_close(dx, f["tanh_dx"], 1e-12, 1e-16, "tanh dx");
}

TEST_CASE("ch02.softmax_cross_entropy_forward agrees with PyTorch", "[ch02][exercise]") {
    const testing::Fixture f("ch02_losses.txt");
    TensorD p;
    REQUIRE_THAT(softmax_cross_entropy_forward(p, f["xent_z"], labels_of(f["xent_labels"])),
                 Catch::Matchers::WithinRel(f["xent_loss"][0], 1e-12));
    require_close(p, f["xent_p"], 1e-12, 1e-16, "softmax");
}

TEST_CASE("ch02.softmax_cross_entropy_backward agrees with PyTorch", "[ch02][exercise]") {
    const testing::Fixture f("ch02_losses.txt");
    TensorD dz;
    softmax_cross_entropy_backward(dz, f["xent_p"], labels_of(f["xent_labels"]));   // PyTorch's softmax
    require_close(dz, f["xent_dz"], 1e-10, 1e-16, "dZ");
}

TEST_CASE("ch02.mse_forward agrees with PyTorch", "[ch02][exercise]") {
    const testing::Fixture f("ch02_losses.txt");
    REQUIRE_THAT(mse_forward(f["mse_y"], f["mse_t"]), Catch::Matchers::WithinRel(f["mse_loss"][0], 1e-12));
}

TEST_CASE("ch02.mse_backward agrees with PyTorch", "[ch02][exercise]") {
    const testing::Fixture f("ch02_losses.txt");
    TensorD dy;
    mse_backward(dy, f["mse_y"], f["mse_t"]);
    require_close(dy, f["mse_dy"], 1e-12, 1e-16, "dY");
}
