// The transposed convolution: a case worked by hand, PyTorch's values, the adjoint of chapter 5's
// convolution, finite differences on awkward shapes, the contract (dX overwritten, dW and db
// accumulated, bad shapes refused), and the GEMM variant against the naive one.
#include "dl/nn/generative.hpp"
#include "dl/ops/conv.hpp"
#include "dl/ops/conv_transpose.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/fixtures.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

using namespace dl;
using testing::require_close;

namespace {
ConvTranspose2dParams params_of(const testing::Fixture& f) {
    return {static_cast<std::size_t>(f["stride"][0]), static_cast<std::size_t>(f["padding"][0]),
            static_cast<std::size_t>(f["output_padding"][0])};
}

const char* const fixtures[] = {"ch09_conv_transpose_strided.txt", "ch09_conv_transpose_plain.txt"};

// Awkward shapes: stride 1, 2 and 3, padding 0 to 2, output padding, non-square images and
// kernels, a kernel smaller than the stride (gaps between the stamps), 1 and 3 channels.
struct Case {
    std::size_t n, c, h, w, oc, kh, kw;
    ConvTranspose2dParams p;
};
const Case cases[] = {
    {2, 1, 3, 3, 2, 3, 3, {1, 0, 0}},   // plain, overlapping stamps
    {2, 3, 3, 2, 2, 4, 4, {2, 1, 0}},   // DCGAN's upsampling: 4×4 kernels, stride 2, padding 1
    {1, 2, 4, 3, 3, 3, 2, {2, 1, 1}},   // output padding, non-square kernel
    {2, 2, 2, 3, 1, 2, 2, {3, 0, 2}},   // kernel smaller than the stride: gaps of zeros (plus bias)
    {1, 1, 1, 1, 2, 5, 5, {1, 2, 0}},   // one pixel, cropped by the padding to one pixel
};

// The element of `dot` for each pair: ⟨a, b⟩ = Σ a_i b_i.
double dot(const TensorD& a, const TensorD& b) {
    REQUIRE(a.shape() == b.shape());
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return s;
}

TensorD poisoned(const Shape& shape) { return TensorD(shape, std::numeric_limits<double>::quiet_NaN()); }

// dX, dW and db of a ConvTranspose2D layer running `algorithm`, with a non-zero bias, against
// central differences, for a random upstream gradient.
void check_layer_gradients(const Case& k, const char* algorithm) {
    CAPTURE(k.n, k.c, k.h, k.w, k.oc, k.kh, k.kw, k.p.stride, k.p.padding, k.p.output_padding, algorithm);
    Rng rng(7);
    nn::ConvTranspose2DT<double> layer(k.c, k.oc, k.kh, k.kw, k.p, rng, algorithm);
    for (auto& v : layer.b().value) v = rng.normal(0.0, 1.0);
    const TensorD X = testing::random_tensor<double>({k.n, k.c, k.h, k.w}, 9);
    const Shape out = layer.output_shape({k.c, k.h, k.w});
    const TensorD dY = testing::random_tensor<double>({k.n, out[0], out[1], out[2]}, 10);
    const auto report = testing::gradcheck(layer, X, dY);
    INFO(report.describe());
    REQUIRE(report.max_rel_error < 1e-6);
}
}  // namespace

TEST_CASE("conv_transpose_output_size is (H - 1)S - 2P + K + OP and refuses what has no output", "[ch09][infra]") {
    REQUIRE(conv_transpose_output_size(7, 4, {2, 1, 0}) == 14);   // DCGAN: 7 → 14 → 28
    REQUIRE(conv_transpose_output_size(14, 4, {2, 1, 0}) == 28);
    REQUIRE(conv_transpose_output_size(4, 3, {2, 1, 1}) == 8);
    REQUIRE(conv_transpose_output_size(3, 3, {1, 0, 0}) == 5);
    REQUIRE(conv_transpose_output_size(1, 5, {1, 2, 0}) == 1);
    // The adjoint convolution maps the output size back to the input size.
    for (std::size_t h = 1; h < 9; ++h)
        for (std::size_t op = 0; op < 3; ++op) {
            const ConvTranspose2dParams p{3, 1, op};
            REQUIRE(conv_output_size(conv_transpose_output_size(h, 3, p), 3, 3, 1) == h);
        }
    REQUIRE_THROWS_AS(conv_transpose_output_size(4, 3, {2, 0, 2}), ShapeError);   // output padding ≥ stride
    REQUIRE_THROWS_AS(conv_transpose_output_size(4, 3, {0, 0, 0}), ShapeError);
    REQUIRE_THROWS_AS(conv_transpose_output_size(1, 2, {1, 1, 0}), ShapeError);   // cropped to nothing
}

TEST_CASE("ch09.conv_transpose2d_forward_naive computes a transposed convolution worked by hand", "[ch09][exercise]") {
    // A 2×2 input, one 2×2 kernel, bias 0.5. With stride 2 each input pixel stamps x·w into its
    // own 2×2 block of the 4×4 output:
    //   x = 1 2    w = 1 −1     y = 1 −1  2 −2   (+ 0.5 everywhere)
    //       3 4        2  0         2  0  4  0
    //                               3 −3  4 −4
    //                               6  0  8  0
    const TensorD X = TensorD::from({1, 1, 2, 2}, {1, 2, 3, 4});
    const TensorD W = TensorD::from({1, 1, 2, 2}, {1, -1, 2, 0});
    const TensorD b = TensorD::from({1}, {0.5});
    TensorD Y;
    conv_transpose2d_forward_naive(Y, X, W, b, {.stride = 2});
    require_close(Y,
                  TensorD::from({1, 1, 4, 4}, {1.5, -0.5, 2.5, -1.5,   //
                                               2.5, 0.5, 4.5, 0.5,     //
                                               3.5, -2.5, 4.5, -3.5,   //
                                               6.5, 0.5, 8.5, 0.5}),
                  0, 1e-15, "Y, stride 2");
    // With stride 1 the stamps overlap and add: a 3×3 output, y[1, 1] = 1·0 + 2·2 + 3·(−1) + 4·1.
    conv_transpose2d_forward_naive(Y, X, W, b, {});
    require_close(Y,
                  TensorD::from({1, 1, 3, 3}, {1.5, 1.5, -1.5,   //
                                               5.5, 5.5, -3.5,   //
                                               6.5, 8.5, 0.5}),
                  0, 1e-15, "Y, stride 1 (overlapping stamps)");
}

TEST_CASE("ch09.conv_transpose2d_forward_naive agrees with PyTorch, strided, padded and output-padded",
          "[ch09][exercise]") {
    for (const char* name : fixtures) {
        const testing::Fixture f(name);
        TensorD Y = poisoned({1});
        conv_transpose2d_forward_naive(Y, f["X"], f["W"], f["b"], params_of(f));
        require_close(Y, f["Y"], 1e-12, 1e-13, name);
    }
}

TEST_CASE("ch09.conv_transpose2d_forward_naive is the adjoint of chapter 5's convolution", "[ch09][exercise]") {
    // ⟨conv_T(x; W), y⟩ = ⟨x, conv(y; W)⟩ for every x and y (biases 0): the convolution that takes
    // OC channels to C with the same W [C, OC, KH, KW], stride and padding.
    const Case k = GENERATE(from_range(std::begin(cases), std::end(cases)));
    CAPTURE(k.n, k.c, k.h, k.w, k.oc, k.kh, k.kw, k.p.stride, k.p.padding, k.p.output_padding);
    const TensorD X = testing::random_tensor<double>({k.n, k.c, k.h, k.w}, 21);
    const TensorD W = testing::random_tensor<double>({k.c, k.oc, k.kh, k.kw}, 22);
    TensorD Y;
    conv_transpose2d_forward_naive(Y, X, W, TensorD({k.oc}), k.p);
    const TensorD R = testing::random_tensor<double>(Y.shape(), 23);
    TensorD conv_of_R;
    conv2d_forward_naive(conv_of_R, R, W, TensorD({k.c}), adjoint_conv(k.p));
    REQUIRE(conv_of_R.shape() == X.shape());
    const double left = dot(Y, R), right = dot(X, conv_of_R);
    const double tolerance = 1e-12 * (std::abs(left) + std::abs(right) + 1);
    INFO("<conv_T(X), R> = " << left << " but <X, conv(R)> = " << right << ": they differ by "
                             << std::abs(left - right) << ", allowed " << std::scientific << tolerance
                             << " (if PyTorch's test fails too, check that W is read as [C, OC, KH, KW], input "
                                "channels first: chapter 5's layout [OC, C, KH, KW] gives another map)");
    REQUIRE(std::abs(left - right) <= tolerance);
}

TEST_CASE("ch09.conv_transpose2d_backward_naive agrees with PyTorch, strided, padded and output-padded",
          "[ch09][exercise]") {
    for (const char* name : fixtures) {
        const testing::Fixture f(name);
        TensorD dX = poisoned({1}), dW(f["W"].shape()), db(f["b"].shape());
        conv_transpose2d_backward_naive(dX, dW, db, f["dY"], f["X"], f["W"], params_of(f));
        require_close(dX, f["dX"], 1e-10, 1e-13, name);
        require_close(dW, f["dW"], 1e-10, 1e-13, name);
        require_close(db, f["db"], 1e-10, 1e-13, name);
    }
}

TEST_CASE("ch09.conv_transpose2d_backward_naive matches finite differences on awkward shapes", "[ch09][exercise]") {
    const Case k = GENERATE(from_range(std::begin(cases), std::end(cases)));
    check_layer_gradients(k, "naive");
}

TEST_CASE("ch09.conv_transpose2d_backward_naive overwrites dX and accumulates dW and db", "[ch09][exercise]") {
    const TensorD X = testing::random_tensor<double>({2, 2, 3, 3}, 11), W = testing::random_tensor<double>({2, 3, 3, 3}, 12);
    const ConvTranspose2dParams p{2, 1, 1};
    const TensorD dY = testing::random_tensor<double>({2, 3, 6, 6}, 13);
    TensorD dX({2, 2, 3, 3}, 1e6), dW1(W.shape()), db1({3}), dW2(W.shape()), db2({3});
    conv_transpose2d_backward_naive(dX, dW1, db1, dY, X, W, p);
    const TensorD dX_once = dX;
    conv_transpose2d_backward_naive(dX, dW2, db2, dY, X, W, p);
    conv_transpose2d_backward_naive(dX, dW2, db2, dY, X, W, p);
    require_close(dX, dX_once, 0, 0, "dX after a second call (overwritten, not accumulated)");
    for (auto& v : dW1) v *= 2;
    for (auto& v : db1) v *= 2;
    require_close(dW2, dW1, 1e-14, 1e-14, "dW after two calls (twice one call's)");
    require_close(db2, db1, 1e-14, 1e-14, "db after two calls (twice one call's)");
}

TEST_CASE("ch09.conv_transpose2d_forward_naive refuses W in chapter 5's layout and an X that is not [N, C, H, W]",
          "[ch09][exercise]") {
    TensorD Y;
    const TensorD X({1, 3, 4, 4}), W({3, 2, 3, 3}), b({2});
    // Chapter 5's layout [OC, C, KH, KW] = [2, 3, 3, 3] for 3 input channels: the first axis must be C.
    REQUIRE(testing::throws_error([&] { conv_transpose2d_forward_naive(Y, X, TensorD({2, 3, 3, 3}), b, {}); }));
    REQUIRE(testing::throws_error([&] { conv_transpose2d_forward_naive(Y, TensorD({3, 4, 4}), W, b, {}); }));
}

TEST_CASE("ch09.conv_transpose2d_backward_naive refuses a dY whose shape is not the output's", "[ch09][exercise]") {
    TensorD dX, dW({3, 2, 3, 3}), db({2});
    const TensorD X({1, 3, 4, 4}), W({3, 2, 3, 3});
    // The output of a 4×4 input with 3×3 kernels and stride 1 is 6×6.
    REQUIRE(testing::throws_error([&] { conv_transpose2d_backward_naive(dX, dW, db, TensorD({1, 2, 5, 5}), X, W, {}); }));
    REQUIRE(testing::throws_error([&] { conv_transpose2d_backward_naive(dX, dW, db, TensorD({2, 2, 6, 6}), X, W, {}); }));
}

TEST_CASE("ch09.conv_transpose2d_forward_gemm agrees with PyTorch and with the naive loops on awkward shapes",
          "[ch09][exercise]") {
    for (const char* name : fixtures) {
        const testing::Fixture f(name);
        TensorD Y = poisoned({1});
        conv_transpose2d_forward_gemm(Y, f["X"], f["W"], f["b"], params_of(f));
        require_close(Y, f["Y"], 1e-12, 1e-13, name);
    }
    const Case k = GENERATE(from_range(std::begin(cases), std::end(cases)));
    CAPTURE(k.n, k.c, k.h, k.w, k.oc, k.kh, k.kw, k.p.stride, k.p.padding, k.p.output_padding);
    const TensorD X = testing::random_tensor<double>({k.n, k.c, k.h, k.w}, 31);
    const TensorD W = testing::random_tensor<double>({k.c, k.oc, k.kh, k.kw}, 32);
    const TensorD b = testing::random_tensor<double>({k.oc}, 33);
    TensorD want, got = poisoned({k.n, k.oc, 1, 1});
    conv_transpose2d_forward_naive(want, X, W, b, k.p);
    conv_transpose2d_forward_gemm(got, X, W, b, k.p);
    require_close(got, want, 1e-12, 1e-13, "Y (gemm against naive)");
}

TEST_CASE("ch09.conv_transpose2d_backward_gemm agrees with PyTorch and with the naive loops on awkward shapes",
          "[ch09][exercise]") {
    for (const char* name : fixtures) {
        const testing::Fixture f(name);
        TensorD dX = poisoned({1}), dW(f["W"].shape()), db(f["b"].shape());
        conv_transpose2d_backward_gemm(dX, dW, db, f["dY"], f["X"], f["W"], params_of(f));
        require_close(dX, f["dX"], 1e-10, 1e-13, name);
        require_close(dW, f["dW"], 1e-10, 1e-13, name);
        require_close(db, f["db"], 1e-10, 1e-13, name);
    }
    const Case k = GENERATE(from_range(std::begin(cases), std::end(cases)));
    CAPTURE(k.n, k.c, k.h, k.w, k.oc, k.kh, k.kw, k.p.stride, k.p.padding, k.p.output_padding);
    const TensorD X = testing::random_tensor<double>({k.n, k.c, k.h, k.w}, 41);
    const TensorD W = testing::random_tensor<double>({k.c, k.oc, k.kh, k.kw}, 42);
    const TensorD dY = testing::random_tensor<double>(
        {k.n, k.oc, conv_transpose_output_size(k.h, k.kh, k.p), conv_transpose_output_size(k.w, k.kw, k.p)}, 43);
    // dW and db start from the same non-zero values in both: both must add to what is there.
    TensorD dX_want, dW_want = testing::random_tensor<double>(W.shape(), 44), db_want = testing::random_tensor<double>({k.oc}, 45);
    TensorD dX_got = poisoned(X.shape()), dW_got = dW_want, db_got = db_want;
    conv_transpose2d_backward_naive(dX_want, dW_want, db_want, dY, X, W, k.p);
    conv_transpose2d_backward_gemm(dX_got, dW_got, db_got, dY, X, W, k.p);
    require_close(dX_got, dX_want, 1e-11, 1e-13, "dX (gemm against naive)");
    require_close(dW_got, dW_want, 1e-11, 1e-13, "dW (gemm against naive, accumulated)");
    require_close(db_got, db_want, 1e-11, 1e-13, "db (gemm against naive, accumulated)");
}

TEST_CASE("ch09.conv_transpose2d_backward_gemm gives a layer whose gradients match finite differences",
          "[ch09][exercise]") {
    const Case k = GENERATE(from_range(std::begin(cases), std::end(cases)));
    check_layer_gradients(k, "gemm");
}
