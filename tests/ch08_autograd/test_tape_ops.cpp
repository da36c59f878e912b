// Every op of the tape: its result against the chapters' kernels or the definition, and its VJP
// (called directly) against central differences in double, on awkward shapes, with broadcasting.
#include "dl/ops/pooling.hpp"
#include "dl/ops/softmax_cross_entropy.hpp"
#include "dl/ops/tape_ops.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"
#include "dl/testing/tape_check.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace dl;
using testing::random_tensor;
using testing::random_uniform;
using testing::VarD;
using testing::vjp_check;
using Catch::Matchers::WithinRel;

namespace {

TensorD positive(Shape shape, std::uint64_t seed) { return random_uniform<double>(std::move(shape), seed, 0.5, 2.0); }

}  // namespace

TEST_CASE("ch08.sum_to_shape adds up the broadcast axes", "[ch08][exercise]") {
    const TensorD g = TensorD::from({2, 3}, {1, 2, 3, 4, 5, 6});
    TensorD out;
    sum_to_shape(out, g, {3});   // over the rows
    testing::require_close(out, TensorD::from({3}, {5, 7, 9}), 0, 0, "sum to [3]");
    sum_to_shape(out, g, {2, 1});   // over the columns
    testing::require_close(out, TensorD::from({2, 1}, {6, 15}), 0, 0, "sum to [2, 1]");
    sum_to_shape(out, g, {1});   // everything
    testing::require_close(out, TensorD::from({1}, {21}), 0, 0, "sum to [1]");
    out = TensorD({7}, std::nan(""));   // overwritten, never added to
    sum_to_shape(out, g, {2, 3});
    testing::require_close(out, g, 0, 0, "sum to its own shape");
    // [4, 1, 5] from [2, 4, 3, 5]: axes 0 and 2 summed.
    const TensorD big = random_tensor<double>({2, 4, 3, 5}, 1);
    sum_to_shape(out, big, {4, 1, 5});
    REQUIRE(out.shape() == Shape{4, 1, 5});
    for (std::size_t j = 0; j < 4; ++j)
        for (std::size_t l = 0; l < 5; ++l) {
            double want = 0;
            for (std::size_t i = 0; i < 2; ++i)
                for (std::size_t k = 0; k < 3; ++k) want += big[((i * 4 + j) * 3 + k) * 5 + l];
            CHECK_THAT(out[j * 5 + l], WithinRel(want, 1e-14));
        }
}

TEST_CASE("ch08.binary_ops add, subtract, multiply and divide with broadcasting", "[ch08][exercise]") {
    const TensorD a = TensorD::from({2, 3}, {1, 2, 3, 4, 5, 6});
    const TensorD b = TensorD::from({3}, {10, 20, 40});
    const VarD A(a), B(b);
    testing::require_close(add(A, B).value(), TensorD::from({2, 3}, {11, 22, 43, 14, 25, 46}), 0, 0, "a + b");
    testing::require_close(sub(B, A).value(), TensorD::from({2, 3}, {9, 18, 37, 6, 15, 34}), 0, 0, "b − a");
    testing::require_close(mul(A, B).value(), TensorD::from({2, 3}, {10, 40, 120, 40, 100, 240}), 0, 0, "a ⊙ b");
    testing::require_close(div(A, B).value(), TensorD::from({2, 3}, {0.1, 0.1, 0.075, 0.4, 0.25, 0.15}), 1e-15, 0,
                           "a / b");
    CHECK_THROWS_AS(add(A, VarD(TensorD({2}))), ShapeError);   // [2, 3] and [2] do not broadcast
    // Nothing requires a gradient: nothing is recorded.
    CHECK_FALSE(add(A, B).requires_grad());
    CHECK(add(A, B).inputs().empty());
}

TEST_CASE("ch08.binary_ops VJPs match finite differences, broadcast axes summed", "[ch08][exercise]") {
    using V = std::vector<VarD>;
    const std::vector<std::pair<Shape, Shape>> shapes = {
        {{3, 5}, {3, 5}}, {{3, 5}, {5}}, {{4, 1}, {1, 3}}, {{2, 3, 1, 5}, {4, 1}}, {{1}, {2, 7}}};
    std::uint64_t seed = 10;
    for (const auto& [sa, sb] : shapes) {
        CAPTURE(to_string(sa), to_string(sb));
        const TensorD a = random_tensor<double>(sa, ++seed), b = random_tensor<double>(sb, ++seed);
        CHECK(vjp_check([](const V& x) { return add(x[0], x[1]); }, {a, b}, ++seed).max_rel_error < 1e-6);
        CHECK(vjp_check([](const V& x) { return sub(x[0], x[1]); }, {a, b}, ++seed).max_rel_error < 1e-6);
        CHECK(vjp_check([](const V& x) { return mul(x[0], x[1]); }, {a, b}, ++seed).max_rel_error < 1e-6);
        CHECK(vjp_check([](const V& x) { return div(x[0], x[1]); }, {a, positive(sb, ++seed)}, ++seed).max_rel_error <
              1e-6);
    }
}

TEST_CASE("ch08.unary_ops compute relu, tanh, sigmoid, exp and log elementwise", "[ch08][exercise]") {
    const TensorD x = TensorD::from({4}, {-1.5, -0.25, 0.5, 2.0});
    const VarD X(x), P(TensorD::from({2}, {0.5, 3.0}));
    testing::require_close(relu(X).value(), TensorD::from({4}, {0, 0, 0.5, 2.0}), 0, 0, "relu");
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK_THAT(tanh(X).value()[i], WithinRel(std::tanh(x[i]), 1e-15));
        CHECK_THAT(sigmoid(X).value()[i], WithinRel(1 / (1 + std::exp(-x[i])), 1e-15));
        CHECK_THAT(exp(X).value()[i], WithinRel(std::exp(x[i]), 1e-15));
    }
    CHECK_THAT(log(P).value()[1], WithinRel(std::log(3.0), 1e-15));
}

TEST_CASE("ch08.unary_ops VJPs match finite differences", "[ch08][exercise]") {
    using V = std::vector<VarD>;
    const TensorD x = random_tensor<double>({3, 7}, 20);
    // relu's kink at 0 has no derivative: keep the points away from it.
    TensorD away = x;
    for (double& v : away) v += v > 0 ? 0.1 : -0.1;
    CHECK(vjp_check([](const V& v) { return relu(v[0]); }, {away}, 21).max_rel_error < 1e-6);
    CHECK(vjp_check([](const V& v) { return tanh(v[0]); }, {x}, 22).max_rel_error < 1e-6);
    CHECK(vjp_check([](const V& v) { return sigmoid(v[0]); }, {x}, 23).max_rel_error < 1e-6);
    CHECK(vjp_check([](const V& v) { return exp(v[0]); }, {x}, 24).max_rel_error < 1e-6);
    CHECK(vjp_check([](const V& v) { return log(v[0]); }, {positive({3, 7}, 25)}, 26).max_rel_error < 1e-6);
}

TEST_CASE("ch08.matmul multiplies with every transpose flag, and its VJP matches finite differences",
          "[ch08][exercise]") {
    using V = std::vector<VarD>;
    const std::size_t M = 3, K = 5, N = 4;
    for (const Trans ta : {Trans::no, Trans::yes})
        for (const Trans tb : {Trans::no, Trans::yes}) {
            CAPTURE(ta == Trans::yes, tb == Trans::yes);
            const Shape sa = ta == Trans::no ? Shape{M, K} : Shape{K, M};
            const Shape sb = tb == Trans::no ? Shape{K, N} : Shape{N, K};
            const TensorD a = random_tensor<double>(sa, 30), b = random_tensor<double>(sb, 31);
            const TensorD c = matmul(VarD(a), VarD(b), ta, tb).value();
            REQUIRE(c.shape() == Shape{M, N});
            for (std::size_t i = 0; i < M; ++i)
                for (std::size_t j = 0; j < N; ++j) {
                    double want = 0;
                    for (std::size_t k = 0; k < K; ++k)
                        want += (ta == Trans::no ? a(i, k) : a(k, i)) * (tb == Trans::no ? b(k, j) : b(j, k));
                    CHECK_THAT(c(i, j), WithinRel(want, 1e-13));
                }
            CHECK(vjp_check([=](const V& v) { return matmul(v[0], v[1], ta, tb); }, {a, b}, 32).max_rel_error < 1e-6);
        }
    CHECK_THROWS_AS(matmul(VarD(TensorD({3, 5})), VarD(TensorD({4, 5}))), ShapeError);
}

TEST_CASE("ch08.reductions sum everything, or the last axis, and their VJPs broadcast back", "[ch08][exercise]") {
    using V = std::vector<VarD>;
    const TensorD x = TensorD::from({2, 3}, {1, 2, 3, 4, 5, 6});
    testing::require_close(sum(VarD(x)).value(), TensorD::from({1}, {21}), 0, 0, "sum");
    testing::require_close(sum_last_axis(VarD(x)).value(), TensorD::from({2, 1}, {6, 15}), 0, 0, "sum_last_axis");
    const TensorD r = random_tensor<double>({2, 3, 5}, 40);
    CHECK(vjp_check([](const V& v) { return sum(v[0]); }, {r}, 41).max_rel_error < 1e-6);
    CHECK(vjp_check([](const V& v) { return sum_last_axis(v[0]); }, {r}, 42).max_rel_error < 1e-6);
}

TEST_CASE("ch08.softmax normalises the last axis and its VJP matches finite differences", "[ch08][exercise]") {
    using V = std::vector<VarD>;
    const TensorD x = random_tensor<double>({3, 2, 7}, 50, 2.0);
    const TensorD y = softmax(VarD(x)).value();
    TensorD want;
    softmax_forward(want, x);
    testing::require_close(y, want, 1e-15, 1e-300, "softmax");
    CHECK(vjp_check([](const V& v) { return softmax(v[0]); }, {x}, 51).max_rel_error < 1e-6);
}

TEST_CASE("ch08.softmax_cross_entropy is chapter 2's loss and its VJP matches finite differences",
          "[ch08][exercise]") {
    using V = std::vector<VarD>;
    const TensorD z = random_tensor<double>({5, 7}, 60, 2.0);
    const std::vector<int> labels = {3, 0, 6, 6, 1};
    TensorD P;
    const double want = softmax_cross_entropy_forward(P, z, std::span<const int>(labels));
    const VarD L = softmax_cross_entropy(VarD(z), std::span<const int>(labels));
    REQUIRE(L.shape() == Shape{1});
    CHECK_THAT(L.value()[0], WithinRel(want, 1e-15));
    CHECK(vjp_check([&](const V& v) { return softmax_cross_entropy(v[0], std::span<const int>(labels)); }, {z}, 61)
              .max_rel_error < 1e-6);
}

TEST_CASE("ch08.conv2d is chapter 5's convolution and its VJP matches finite differences", "[ch08][exercise]") {
    using V = std::vector<VarD>;
    const Conv2dParams p{.stride = 2, .padding = 1};
    const TensorD x = random_tensor<double>({2, 3, 7, 6}, 70), w = random_tensor<double>({4, 3, 3, 3}, 71),
                  b = random_tensor<double>({4}, 72);
    TensorD want;
    conv2d_forward_naive(want, x, w, b, p);
    testing::require_close(conv2d(VarD(x), VarD(w), VarD(b), p).value(), want, 1e-13, 1e-13, "conv2d");
    CHECK(vjp_check([&](const V& v) { return conv2d(v[0], v[1], v[2], p); }, {x, w, b}, 73).max_rel_error < 1e-6);
}

TEST_CASE("ch08.maxpool2d is chapter 5's max pooling and its VJP matches finite differences", "[ch08][exercise]") {
    using V = std::vector<VarD>;
    const TensorD x = random_tensor<double>({2, 3, 7, 5}, 80);   // distinct values: no ties
    TensorD want;
    std::vector<std::size_t> argmax;
    maxpool2d_forward(want, argmax, x, 3, 2);
    testing::require_close(maxpool2d(VarD(x), 3, 2).value(), want, 0, 0, "maxpool2d");
    CHECK(vjp_check([](const V& v) { return maxpool2d(v[0], 3, 2); }, {x}, 81).max_rel_error < 1e-6);
}

TEST_CASE("ch08.layer_norm is chapter 7's layer norm and its VJP matches finite differences", "[ch08][exercise]") {
    using V = std::vector<VarD>;
    const TensorD x = random_tensor<double>({5, 7}, 90, 3.0), g = random_tensor<double>({7}, 91),
                  b = random_tensor<double>({7}, 92);
    TensorD want, mean, rstd;
    layernorm_forward(want, mean, rstd, x, g, b);
    testing::require_close(layer_norm(VarD(x), VarD(g), VarD(b)).value(), want, 1e-15, 1e-15, "layer_norm");
    CHECK(vjp_check([](const V& v) { return layer_norm(v[0], v[1], v[2]); }, {x, g, b}, 93).max_rel_error < 1e-6);
}

TEST_CASE("ch08.gelu is chapter 7's exact GELU and its VJP matches finite differences", "[ch08][exercise]") {
    using V = std::vector<VarD>;
    const TensorD x = random_tensor<double>({3, 11}, 100, 2.0);
    TensorD want;
    gelu_forward(want, x);
    testing::require_close(gelu(VarD(x)).value(), want, 0, 0, "gelu");
    CHECK(vjp_check([](const V& v) { return gelu(v[0]); }, {x}, 101).max_rel_error < 1e-6);
}

TEST_CASE("ch08.attention is chapter 7's attention and its VJP matches finite differences", "[ch08][exercise]") {
    using V = std::vector<VarD>;
    for (const bool causal : {false, true}) {
        CAPTURE(causal);
        const std::size_t Tk = causal ? 5 : 6;
        const TensorD q = random_tensor<double>({3, 5, 4}, 110), k = random_tensor<double>({3, Tk, 4}, 111),
                      v = random_tensor<double>({3, Tk, 4}, 112);
        TensorD want, P;
        attention_forward(want, P, q, k, v, causal);
        testing::require_close(attention(VarD(q), VarD(k), VarD(v), causal).value(), want, 0, 0, "attention");
        CHECK(vjp_check([=](const V& x) { return attention(x[0], x[1], x[2], causal); }, {q, k, v}, 113)
                  .max_rel_error < 1e-6);
    }
}
