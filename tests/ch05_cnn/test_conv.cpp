// The naive convolution: a case worked by hand, PyTorch's values, finite differences on awkward
// shapes, and the contract (dX overwritten, dW and db accumulated, bad shapes refused).
#include "dl/nn/conv.hpp"
#include "dl/ops/conv.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/fixtures.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace dl;
using testing::require_close;

namespace {
// The stride and padding a fixture was made with.
Conv2dParams params_of(const testing::Fixture& f) {
    return {static_cast<std::size_t>(f["stride"][0]), static_cast<std::size_t>(f["padding"][0])};
}

// The shapes the gradient checks run on: stride 1 and 2, padding 0 and 1, non-square images and
// kernels, 1 and 3 input channels, batches of 1 and 2.
struct ConvCase {
    std::size_t n, c, h, w, oc, kh, kw;
    Conv2dParams p;
};
const ConvCase conv_cases[] = {
    {2, 1, 5, 5, 2, 3, 3, {1, 0}},   // the chapter's first layer, in miniature
    {2, 3, 6, 5, 2, 3, 2, {1, 1}},   // padded, non-square image and kernel
    {1, 3, 7, 6, 3, 3, 3, {2, 1}},   // strided and padded
    {2, 2, 5, 4, 2, 2, 3, {2, 0}},   // strided, the last column left over
    {1, 1, 3, 3, 1, 3, 3, {1, 1}},   // a kernel as large as the image
};
}  // namespace

TEST_CASE("ch05.conv2d_forward_naive computes a convolution worked by hand", "[ch05][exercise]") {
    // One 3×3 image, one 2×2 filter, bias 0.5, stride 1, no padding: a 2×2 output.
    //   x = 1 2 3    w = 1 0     y[0,0] = 1·1 + 5·(−1) + 0.5 = −3.5    y[0,1] = 2 − 6 + 0.5 = −3.5
    //       4 5 6        0 −1    y[1,0] = 4 − 8 + 0.5 = −3.5           y[1,1] = 5 − 9 + 0.5 = −3.5
    //       7 8 9
    // and with padding 1 (a 4×4 output) the corner y[0,0] sees only x[0,0] under w[1,1]: −1 + 0.5.
    const TensorD X = TensorD::from({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    const TensorD W = TensorD::from({1, 1, 2, 2}, {1, 0, 0, -1});
    const TensorD b = TensorD::from({1}, {0.5});
    TensorD Y;
    conv2d_forward_naive(Y, X, W, b, {});
    require_close(Y, TensorD::from({1, 1, 2, 2}, {-3.5, -3.5, -3.5, -3.5}), 0, 1e-15, "Y, no padding",
                  {{"the kernel is flipped (a convolution in the signal-processing sense); a layer computes the "
                    "cross-correlation Y[i, j] = Σ W[u, v] X[i + u, j + v] + b",
                    TensorD::from({1, 1, 2, 2}, {4.5, 4.5, 4.5, 4.5})},
                   {"the bias left out", TensorD::from({1, 1, 2, 2}, {-4, -4, -4, -4})}});
    conv2d_forward_naive(Y, X, W, b, {.stride = 1, .padding = 1});
    // Row by row: y[i, j] = x[i−1, j−1] − x[i, j] + 0.5, a term dropped where it is outside x.
    require_close(Y,
                  TensorD::from({1, 1, 4, 4}, {-0.5, -1.5, -2.5, 0.5,   //
                                               -3.5, -3.5, -3.5, 3.5,   //
                                               -6.5, -3.5, -3.5, 6.5,   //
                                               0.5, 7.5, 8.5, 9.5}),
                  0, 1e-15, "Y, padding 1");
}

TEST_CASE("ch05.conv2d_forward_naive agrees with PyTorch, strided and padded", "[ch05][exercise]") {
    for (const char* name : {"ch05_conv_strided.txt", "ch05_conv_plain.txt"}) {
        const testing::Fixture f(name);
        TensorD Y;
        conv2d_forward_naive(Y, f["X"], f["W"], f["b"], params_of(f));
        require_close(Y, f["Y"], 1e-12, 1e-13, name);
    }
}

TEST_CASE("ch05.conv2d_backward_naive agrees with PyTorch, strided and padded", "[ch05][exercise]") {
    for (const char* name : {"ch05_conv_strided.txt", "ch05_conv_plain.txt"}) {
        const testing::Fixture f(name);
        TensorD dX, dW(f["W"].shape()), db(f["b"].shape());
        conv2d_backward_naive(dX, dW, db, f["dY"], f["X"], f["W"], params_of(f));
        require_close(dX, f["dX"], 1e-10, 1e-13, name);
        require_close(dW, f["dW"], 1e-10, 1e-13, name);
        require_close(db, f["db"], 1e-10, 1e-13, name);
    }
}

TEST_CASE("ch05.conv2d_backward_naive matches finite differences on awkward shapes", "[ch05][exercise]") {
    const ConvCase k = GENERATE(from_range(std::begin(conv_cases), std::end(conv_cases)));
    CAPTURE(k.n, k.c, k.h, k.w, k.oc, k.kh, k.kw, k.p.stride, k.p.padding);
    Rng rng(7);
    nn::Conv2DT<double> layer(k.c, k.oc, k.kh, k.kw, k.p, rng, "naive");
    for (auto& v : layer.b().value) v = rng.normal(0.0, 1.0);   // a non-zero bias, so db is checked too
    const TensorD X = testing::random_tensor<double>({k.n, k.c, k.h, k.w}, 9);
    const Shape out = layer.output_shape({k.c, k.h, k.w});
    const TensorD dY = testing::random_tensor<double>({k.n, out[0], out[1], out[2]}, 10);
    const auto report = testing::gradcheck(layer, X, dY);
    INFO(report.describe());
    REQUIRE(report.max_rel_error < 1e-6);
}

TEST_CASE("ch05.conv2d_backward_naive overwrites dX and accumulates dW and db", "[ch05][exercise]") {
    const TensorD X = testing::random_tensor<double>({2, 2, 5, 5}, 11), W = testing::random_tensor<double>({3, 2, 3, 3}, 12);
    const TensorD dY = testing::random_tensor<double>({2, 3, 3, 3}, 13);
    TensorD dX({2, 2, 5, 5}, 1e6), dW1(W.shape()), db1({3}), dW2(W.shape()), db2({3});
    conv2d_backward_naive(dX, dW1, db1, dY, X, W, {});
    const TensorD dX_once = dX;
    conv2d_backward_naive(dX, dW2, db2, dY, X, W, {});
    conv2d_backward_naive(dX, dW2, db2, dY, X, W, {});
    require_close(dX, dX_once, 0, 0, "dX after a second call (overwritten, not accumulated)");
    for (auto& v : dW1) v *= 2;
    for (auto& v : db1) v *= 2;
    require_close(dW2, dW1, 1e-14, 1e-14, "dW after two calls (twice one call's)");
    require_close(db2, db1, 1e-14, 1e-14, "db after two calls (twice one call's)");
    for (const double v : dX) REQUIRE(v < 1e5);   // the 1e6 put there first was not kept
}

TEST_CASE("ch05.conv2d_forward_naive refuses mismatched channels and a kernel larger than the image",
          "[ch05][exercise]") {
    TensorD Y;
    const TensorD X({1, 3, 5, 5}), b({2});
    REQUIRE(testing::throws_error([&] { conv2d_forward_naive(Y, X, TensorD({2, 2, 3, 3}), b, {}); }));
    REQUIRE(testing::throws_error([&] { conv2d_forward_naive(Y, X, TensorD({2, 3, 6, 3}), b, {}); }));
    REQUIRE(testing::throws_error([&] { conv2d_forward_naive(Y, TensorD({3, 5, 5}), TensorD({2, 3, 3, 3}), b, {}); }));
}

TEST_CASE("conv_output_size is floor((H + 2P - K) / S) + 1 and refuses windows that do not fit", "[ch05][infra]") {
    REQUIRE(conv_output_size(28, 3, 1, 0) == 26);
    REQUIRE(conv_output_size(13, 3, 1, 0) == 11);
    REQUIRE(conv_output_size(26, 2, 2, 0) == 13);
    REQUIRE(conv_output_size(11, 2, 2, 0) == 5);   // the last row is dropped
    REQUIRE(conv_output_size(28, 3, 1, 1) == 28);  // "same" padding
    REQUIRE(conv_output_size(7, 3, 2, 1) == 4);
    REQUIRE_THROWS_AS(conv_output_size(2, 3, 1, 0), ShapeError);
    REQUIRE_THROWS_AS(conv_output_size(5, 3, 0, 0), ShapeError);
}

TEST_CASE("ch05.conv2d_backward_naive refuses a dY whose shape is not the output's", "[ch05][exercise]") {
    const TensorD X({2, 3, 5, 5}), W({4, 3, 3, 3});
    TensorD dX, dW(W.shape()), db({4});
    REQUIRE(testing::throws_error([&] { conv2d_backward_naive(dX, dW, db, TensorD({2, 4, 3, 4}), X, W, {}); }));
    REQUIRE(testing::throws_error([&] { conv2d_backward_naive(dX, dW, db, TensorD({1, 4, 3, 3}), X, W, {}); }));
}
