// im2col and col2im, and the convolution through them: a layout worked by hand, the padding
// written as zeros, col2im as im2col's adjoint, and agreement with the naive convolution (outputs
// poisoned with NaN first) plus finite differences, on awkward shapes and on several threads.
#include "dl/nn/conv.hpp"
#include "dl/ops/conv.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>
#include <omp.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

using namespace dl;
using testing::require_close;

namespace {
struct ConvCase {
    std::size_t n, c, h, w, oc, kh, kw;
    Conv2dParams p;
};
// Awkward shapes: sizes of 1, primes, stride 2 with a leftover column, padding, a kernel as large
// as the padded image, more images than threads (and fewer).
const ConvCase conv_cases[] = {
    {3, 1, 5, 5, 2, 3, 3, {1, 0}},  {2, 3, 6, 5, 2, 3, 2, {1, 1}}, {5, 3, 7, 6, 3, 3, 3, {2, 1}},
    {1, 2, 5, 4, 7, 2, 3, {2, 0}},  {1, 1, 3, 3, 1, 5, 5, {1, 1}}, {4, 5, 11, 13, 3, 1, 1, {1, 0}},
    {7, 2, 13, 11, 5, 3, 3, {3, 2}},
};
constexpr double poison = std::numeric_limits<double>::quiet_NaN();

// A GEMM that copies C in, waits a millisecond, computes and writes C back. Threads that share a
// buffer they should not (one cols for all, or one dW every thread adds into) then trip over each
// other on every call: another thread's im2col lands in the shared cols during the wait, or two
// threads read the same dW and the second write loses the first's sum. With the real GEMM that
// window is nanoseconds wide, and a racy solution passes most runs.
void slow_gemm(Trans ta, Trans tb, std::size_t M, std::size_t N, std::size_t K, double alpha, const double* A,
               std::size_t lda, const double* B, std::size_t ldb, double beta, double* C, std::size_t ldc) {
    std::vector<double> c(M * N);
    for (std::size_t i = 0; i < M; ++i)
        for (std::size_t j = 0; j < N; ++j) c[i * N + j] = C[i * ldc + j];
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    // The product's own loops (not chapter 2's gemm_naive: an exception must not leave a parallel region).
    for (std::size_t i = 0; i < M; ++i)
        for (std::size_t j = 0; j < N; ++j) {
            double sum = 0;
            for (std::size_t k = 0; k < K; ++k)
                sum += (ta == Trans::no ? A[i * lda + k] : A[k * lda + i]) * (tb == Trans::no ? B[k * ldb + j] : B[j * ldb + k]);
            c[i * N + j] = alpha * sum + (beta == 0 ? 0.0 : beta * c[i * N + j]);
        }
    for (std::size_t i = 0; i < M; ++i)
        for (std::size_t j = 0; j < N; ++j) C[i * ldc + j] = c[i * N + j];
}

// Puts the OpenMP thread count back when the test ends, passed or failed.
struct ThreadCount {
    int before = omp_get_max_threads();
    ~ThreadCount() { omp_set_num_threads(before); }
};
}  // namespace

TEST_CASE("ch05.im2col lays out a 3x3 kernel's patches of a 4x4 image as columns", "[ch05][exercise]") {
    // The image holds 0..15 row by row; the four 3×3 windows start at (0,0), (0,1), (1,0), (1,1).
    // Row (k, l) of cols holds x[i + k, j + l] for the four windows (i, j).
    TensorD X({1, 1, 4, 4});
    for (std::size_t i = 0; i < 16; ++i) X[i] = static_cast<double>(i);
    TensorD cols({9, 4}, poison);
    im2col(cols, X, 0, 3, 3, {});
    REQUIRE(cols.shape() == Shape{9, 4});
    const TensorD want = TensorD::from({9, 4}, {0, 1, 4, 5,    1, 2, 5, 6,    2, 3, 6, 7,   //
                                                4, 5, 8, 9,    5, 6, 9, 10,   6, 7, 10, 11,  //
                                                8, 9, 12, 13,  9, 10, 13, 14, 10, 11, 14, 15});
    require_close(cols, want, 0, 0, "cols");
}

TEST_CASE("ch05.im2col reads image n and writes the padding as zeros", "[ch05][exercise]") {
    // Image 1 of a batch of 2, 2 channels, padding 1: every entry is either the pixel the formula
    // names or an exact 0 (the NaN put in cols first must be gone).
    const TensorD X = testing::random_tensor<double>({2, 2, 3, 4}, 21);
    const Conv2dParams p{.stride = 2, .padding = 1};
    const std::size_t OH = conv_output_size(3, 3, 2, 1), OW = conv_output_size(4, 2, 2, 1);
    TensorD cols({2 * 3 * 2, OH * OW}, poison);
    im2col(cols, X, 1, 3, 2, p);
    REQUIRE(cols.shape() == Shape{12, OH * OW});
    for (std::size_t c = 0; c < 2; ++c)
        for (std::size_t k = 0; k < 3; ++k)
            for (std::size_t l = 0; l < 2; ++l)
                for (std::size_t i = 0; i < OH; ++i)
                    for (std::size_t j = 0; j < OW; ++j) {
                        const long h = static_cast<long>(i * 2 + k) - 1, w = static_cast<long>(j * 2 + l) - 1;
                        const bool inside = h >= 0 && h < 3 && w >= 0 && w < 4;
                        const double want = inside ? X[((1 * 2 + c) * 3 + static_cast<std::size_t>(h)) * 4 +
                                                       static_cast<std::size_t>(w)]
                                                   : 0.0;
                        CAPTURE(c, k, l, i, j, h, w);
                        REQUIRE(cols((c * 3 + k) * 2 + l, i * OW + j) == want);
                    }
}

TEST_CASE("ch05.col2im is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)>", "[ch05][exercise]") {
    // col2im must add overlapping windows' entries (stride < kernel) and drop the padding's; the
    // identity holds for every x and c only if it does. Image 0 of dX is left alone.
    const ConvCase k = GENERATE(from_range(std::begin(conv_cases), std::end(conv_cases)));
    CAPTURE(k.c, k.h, k.w, k.kh, k.kw, k.p.stride, k.p.padding);
    const std::size_t OH = conv_output_size(k.h, k.kh, k.p.stride, k.p.padding);
    const std::size_t OW = conv_output_size(k.w, k.kw, k.p.stride, k.p.padding);
    const TensorD X = testing::random_tensor<double>({2, k.c, k.h, k.w}, 22);
    const TensorD c = testing::random_tensor<double>({k.c * k.kh * k.kw, OH * OW}, 23);
    TensorD cols, dX({2, k.c, k.h, k.w}, poison);
    im2col(cols, X, 1, k.kh, k.kw, k.p);
    col2im(dX, 1, c, k.kh, k.kw, k.p);
    double lhs = 0, rhs = 0;
    for (std::size_t i = 0; i < c.size(); ++i) lhs += cols[i] * c[i];
    const std::size_t image = k.c * k.h * k.w;
    for (std::size_t i = 0; i < image; ++i) rhs += X[image + i] * dX[image + i];
    REQUIRE_THAT(rhs, Catch::Matchers::WithinRel(lhs, 1e-12) || Catch::Matchers::WithinAbs(lhs, 1e-12));
    for (std::size_t i = 0; i < image; ++i) REQUIRE(std::isnan(dX[i]));   // image 0 untouched
}

TEST_CASE("ch05.conv2d_forward_im2col agrees with the naive convolution on awkward shapes", "[ch05][exercise]") {
    const ConvCase k = GENERATE(from_range(std::begin(conv_cases), std::end(conv_cases)));
    CAPTURE(k.n, k.c, k.h, k.w, k.oc, k.kh, k.kw, k.p.stride, k.p.padding);
    const TensorD X = testing::random_tensor<double>({k.n, k.c, k.h, k.w}, 24);
    const TensorD W = testing::random_tensor<double>({k.oc, k.c, k.kh, k.kw}, 25);
    const TensorD b = testing::random_tensor<double>({k.oc}, 26);
    TensorD want, got({k.n, k.oc, conv_output_size(k.h, k.kh, k.p.stride, k.p.padding),
                       conv_output_size(k.w, k.kw, k.p.stride, k.p.padding)},
                      poison);
    conv2d_forward_naive(want, X, W, b, k.p);
    conv2d_forward_im2col(got, X, W, b, k.p);
    // Double precision; only the order of the sums differs.
    require_close(got, want, 1e-12, 1e-12, "Y");
}

TEST_CASE("ch05.conv2d_backward_im2col agrees with the naive backward on awkward shapes", "[ch05][exercise]") {
    const ConvCase k = GENERATE(from_range(std::begin(conv_cases), std::end(conv_cases)));
    CAPTURE(k.n, k.c, k.h, k.w, k.oc, k.kh, k.kw, k.p.stride, k.p.padding);
    const std::size_t OH = conv_output_size(k.h, k.kh, k.p.stride, k.p.padding);
    const std::size_t OW = conv_output_size(k.w, k.kw, k.p.stride, k.p.padding);
    const TensorD X = testing::random_tensor<double>({k.n, k.c, k.h, k.w}, 27);
    const TensorD W = testing::random_tensor<double>({k.oc, k.c, k.kh, k.kw}, 28);
    const TensorD dY = testing::random_tensor<double>({k.n, k.oc, OH, OW}, 29);
    // dW and db start from the same non-zero values: both versions must add to them.
    const TensorD dW0 = testing::random_tensor<double>(W.shape(), 30), db0 = testing::random_tensor<double>({k.oc}, 31);
    TensorD dX_want, dW_want = dW0, db_want = db0;
    conv2d_backward_naive(dX_want, dW_want, db_want, dY, X, W, k.p);
    TensorD dX(X.shape(), poison), dW = dW0, db = db0;
    conv2d_backward_im2col(dX, dW, db, dY, X, W, k.p);
    require_close(dX, dX_want, 1e-12, 1e-12, "dX");
    require_close(dW, dW_want, 1e-12, 1e-12, "dW");
    require_close(db, db_want, 1e-12, 1e-12, "db");
}

TEST_CASE("ch05.conv2d_backward_im2col matches finite differences", "[ch05][exercise]") {
    Rng rng(32);
    nn::Conv2DT<double> layer(3, 4, 3, 2, {.stride = 2, .padding = 1}, rng, "im2col");
    for (auto& v : layer.b().value) v = rng.normal(0.0, 1.0);
    const TensorD X = testing::random_tensor<double>({3, 3, 7, 6}, 33);
    const Shape out = layer.output_shape({3, 7, 6});
    const TensorD dY = testing::random_tensor<double>({3, out[0], out[1], out[2]}, 34);
    const auto report = testing::gradcheck(layer, X, dY);
    INFO(report.describe());
    REQUIRE(report.max_rel_error < 1e-6);
}

TEST_CASE("ch05.conv2d_forward_im2col gives the same output on 1, 2 and 3 threads (a cols buffer per thread)",
          "[ch05][exercise]") {
    const TensorD X = testing::random_tensor<double>({9, 3, 8, 8}, 38), W = testing::random_tensor<double>({4, 3, 3, 3}, 39);
    const TensorD b = testing::random_tensor<double>({4}, 40);
    const ThreadCount restore;
    TensorD Y1;
    omp_set_num_threads(1);
    conv2d_forward_im2col(Y1, X, W, b, {}, &slow_gemm);
    for (const int threads : {2, 3}) {
        CAPTURE(threads);
        omp_set_num_threads(threads);
        TensorD Y(Y1.shape(), poison);
        conv2d_forward_im2col(Y, X, W, b, {}, &slow_gemm);
        require_close(Y, Y1, 0, 0, "Y");
    }
}

TEST_CASE("ch05.conv2d_backward_im2col gives the same gradients on 1, 2 and 3 threads (no shared dW)",
          "[ch05][exercise]") {
    const TensorD X = testing::random_tensor<double>({9, 3, 8, 8}, 35), W = testing::random_tensor<double>({4, 3, 3, 3}, 36);
    const TensorD dY = testing::random_tensor<double>({9, 4, 6, 6}, 37);
    const ThreadCount restore;
    TensorD dX1, dW1(W.shape()), db1({4});
    omp_set_num_threads(1);
    conv2d_backward_im2col(dX1, dW1, db1, dY, X, W, {}, &slow_gemm);
    for (const int threads : {2, 3}) {
        CAPTURE(threads);
        omp_set_num_threads(threads);
        TensorD dX, dW(W.shape()), db({4});
        conv2d_backward_im2col(dX, dW, db, dY, X, W, {}, &slow_gemm);
        require_close(dX, dX1, 0, 0, "dX");
        // Per-thread sums added at the end: the same terms in another grouping.
        require_close(dW, dW1, 1e-13, 1e-13, "dW");
        require_close(db, db1, 1e-13, 1e-13, "db");
    }
}

TEST_CASE("ch05.col2im refuses cols whose shape does not fit the image", "[ch05][exercise]") {
    TensorD dX({1, 2, 5, 5});
    REQUIRE(testing::throws_error([&] { col2im(dX, 0, TensorD({18, 8}), 3, 3, {}); }));   // [18, 9] expected
    REQUIRE(testing::throws_error([&] { col2im(dX, 1, TensorD({18, 9}), 3, 3, {}); }));   // there is no image 1
}

TEST_CASE("ch05.conv2d_backward_im2col refuses a dY whose shape is not the output's (before any thread starts)",
          "[ch05][exercise]") {
    const TensorD X({2, 3, 5, 5}), W({4, 3, 3, 3});
    TensorD dX, dW(W.shape()), db({4});
    REQUIRE(testing::throws_error([&] { conv2d_backward_im2col(dX, dW, db, TensorD({2, 4, 3, 4}), X, W, {}); }));
    REQUIRE(testing::throws_error([&] { conv2d_backward_im2col(dX, dW, db, TensorD({1, 4, 3, 3}), X, W, {}); }));
}
