// Max and average pooling: cases worked by hand, PyTorch's values (odd sizes, overlapping
// windows), finite differences through the layers, and the routing of max pooling's gradient.
#include "dl/nn/conv.hpp"
#include "dl/ops/pooling.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/fixtures.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace dl;
using testing::require_close;

TEST_CASE("ch05.maxpool2d_forward takes each window's maximum and remembers where it was", "[ch05][exercise]") {
    // A 4×5 image, 2×2 windows, stride 2: a 2×2 output (the last column is dropped). The windows'
    // maxima are 6 (at 6), 8 (at 3), 9 (at 15) and 7 (at 12); the tie 7 = 7 in the last window
    // goes to the first one met in row-major order.
    const TensorD X = TensorD::from({1, 1, 4, 5}, {1, 0, 2, 8, 9,    //
                                                   3, 6, 4, 1, 9,    //
                                                   5, 2, 7, 0, 9,    //
                                                   9, 1, 3, 7, 9});
    TensorD Y;
    std::vector<std::size_t> argmax;
    maxpool2d_forward(Y, argmax, X, 2, 2);
    require_close(Y, TensorD::from({1, 1, 2, 2}, {6, 8, 9, 7}), 0, 0, "Y",
                  {{"the windows overlap: stride 2 moves each window 2 pixels (x index ox·S + kx)",
                    TensorD::from({1, 1, 2, 2}, {6, 6, 6, 7})}});
    if (argmax == std::vector<std::size_t>{3, 1, 2, 0})
        FAIL("argmax is {" << argmax[0] << ", " << argmax[1] << ", " << argmax[2] << ", " << argmax[3]
                           << "}, should be {6, 3, 15, 12}; likely mistake: argmax holds the place inside the window, "
                              "where backward needs the flat index of the maximum in X");
    if (argmax == std::vector<std::size_t>{6, 3, 15, 18})
        FAIL("argmax[3] is 18, should be 12; likely mistake: a tie goes to the last maximum met (>=); with > the first "
             "one in row-major order wins, as in PyTorch");
    REQUIRE(argmax == std::vector<std::size_t>{6, 3, 15, 12});
}

TEST_CASE("ch05.maxpool2d_forward lets a NaN win its window wherever it is, as PyTorch does", "[ch05][exercise]") {
    // A NaN compares false with everything, so with > alone it wins only where it comes first and
    // otherwise vanishes: a training run that produced one would go on as if nothing happened.
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t at = 0; at < 4; ++at) {
        CAPTURE(at);
        TensorD X = TensorD::from({1, 1, 2, 2}, {1, 2, 3, 4});
        X[at] = nan;
        TensorD Y;
        std::vector<std::size_t> argmax;
        maxpool2d_forward(Y, argmax, X, 2, 2);
        REQUIRE(std::isnan(Y[0]));
        REQUIRE(argmax[0] == at);
    }
    TensorD Y;   // two NaNs in one window: the first wins
    std::vector<std::size_t> argmax;
    maxpool2d_forward(Y, argmax, TensorD::from({1, 1, 2, 2}, {1, nan, 5, nan}), 2, 2);
    REQUIRE(std::isnan(Y[0]));
    REQUIRE(argmax[0] == 1);
}

TEST_CASE("ch05.maxpool2d_backward sends each gradient to its window's maximum only", "[ch05][exercise]") {
    const TensorD X = TensorD::from({1, 1, 4, 5}, {1, 0, 2, 8, 9, 3, 6, 4, 1, 9, 5, 2, 7, 0, 9, 9, 1, 3, 7, 9});
    TensorD Y, dX({1, 1, 4, 5}, 123.0);
    std::vector<std::size_t> argmax;
    maxpool2d_forward(Y, argmax, X, 2, 2);
    maxpool2d_backward(dX, TensorD::from({1, 1, 2, 2}, {0.1, 0.2, 0.3, 0.4}), argmax, X.shape());
    TensorD want({1, 1, 4, 5}, 0.0);
    want[6] = 0.1, want[3] = 0.2, want[15] = 0.3, want[12] = 0.4;
    TensorD spread({1, 1, 4, 5}, 0.0);   // every window's gradient to all of its 4 pixels
    for (std::size_t oy = 0; oy < 2; ++oy)
        for (std::size_t ox = 0; ox < 2; ++ox)
            for (std::size_t ky = 0; ky < 2; ++ky)
                for (std::size_t kx = 0; kx < 2; ++kx) spread[(2 * oy + ky) * 5 + 2 * ox + kx] = 0.1 * static_cast<double>(1 + 2 * oy + ox);
    TensorD kept = want;                 // the right gradients, on top of what dX held
    for (std::size_t i = 0; i < kept.size(); ++i) kept[i] += 123.0;
    require_close(dX, want, 0, 0, "dX",
                  {{"each window's gradient goes to all of its pixels (that is average pooling's backward without "
                    "the 1/K²); max pooling sends it to the maximum alone, at argmax",
                    spread},
                   {"dX was added to instead of overwritten: set it to zero first, then add at each argmax", kept}});
}

TEST_CASE("ch05.maxpool2d_forward agrees with PyTorch, odd sizes and overlapping windows", "[ch05][exercise]") {
    const testing::Fixture f("ch05_pooling.txt");
    for (const auto& [key, size] : {std::pair{"max2", 2}, std::pair{"max3", 3}}) {
        TensorD Y;
        std::vector<std::size_t> argmax;
        maxpool2d_forward(Y, argmax, f["X"], static_cast<std::size_t>(size), 2);
        require_close(Y, f[std::string(key) + "_Y"], 0, 0, key);
    }
}

TEST_CASE("ch05.maxpool2d_backward agrees with PyTorch, odd sizes and overlapping windows", "[ch05][exercise]") {
    const testing::Fixture f("ch05_pooling.txt");
    for (const auto& [key, size] : {std::pair{"max2", 2}, std::pair{"max3", 3}}) {
        TensorD Y, dX;
        std::vector<std::size_t> argmax;
        maxpool2d_forward(Y, argmax, f["X"], static_cast<std::size_t>(size), 2);
        maxpool2d_backward(dX, f[std::string(key) + "_dY"], argmax, f["X"].shape());
        require_close(dX, f[std::string(key) + "_dX"], 1e-15, 1e-15, key);
    }
}

TEST_CASE("ch05.maxpool2d_backward matches finite differences through the layer", "[ch05][exercise]") {
    // Random N(0, 1) values are 1e-5 apart with overwhelming probability, so no window's maximum
    // changes hands under the ±1e-5 steps of the check. Overlapping windows (3, stride 2) too.
    const auto [size, stride] = GENERATE(std::pair{2, 2}, std::pair{3, 2}, std::pair{2, 1});
    CAPTURE(size, stride);
    nn::MaxPool2DT<double> layer(static_cast<std::size_t>(size), static_cast<std::size_t>(stride));
    const TensorD X = testing::random_tensor<double>({2, 3, 7, 6}, 41);
    const Shape out = layer.output_shape({3, 7, 6});
    const TensorD dY = testing::random_tensor<double>({2, out[0], out[1], out[2]}, 42);
    const auto report = testing::gradcheck(layer, X, dY);
    INFO(report.describe());
    REQUIRE(report.max_rel_error < 1e-6);
}

TEST_CASE("ch05.avgpool2d_forward averages each window", "[ch05][exercise]") {
    const TensorD X = TensorD::from({1, 2, 2, 3}, {1, 2, 100, 3, 6, 100,     // channel 0
                                                   -1, -3, 7, -5, -7, 7});   // channel 1
    TensorD Y;
    avgpool2d_forward(Y, X, 2, 2);
    // Channel 0's window is 1, 2, 3, 6 (mean 3); channel 1's is −1, −3, −5, −7 (mean −4).
    require_close(Y, TensorD::from({1, 2, 1, 1}, {3, -4}), 0, 1e-15, "Y",
                  {{"the window's sum, not its mean: divide by K² = 4", TensorD::from({1, 2, 1, 1}, {12, -16})},
                   {"the sum divided by K = 2, not by K² = 4", TensorD::from({1, 2, 1, 1}, {6, -8})}});
}

TEST_CASE("ch05.avgpool2d_forward agrees with PyTorch, odd sizes and overlapping windows", "[ch05][exercise]") {
    const testing::Fixture f("ch05_pooling.txt");
    for (const auto& [key, size] : {std::pair{"avg2", 2}, std::pair{"avg3", 3}}) {
        TensorD Y;
        avgpool2d_forward(Y, f["X"], static_cast<std::size_t>(size), 2);
        require_close(Y, f[std::string(key) + "_Y"], 1e-13, 1e-15, key);
    }
}

TEST_CASE("ch05.avgpool2d_backward agrees with PyTorch, odd sizes and overlapping windows", "[ch05][exercise]") {
    const testing::Fixture f("ch05_pooling.txt");
    for (const auto& [key, size] : {std::pair{"avg2", 2}, std::pair{"avg3", 3}}) {
        TensorD dX({1}, 5.0);
        avgpool2d_backward(dX, f[std::string(key) + "_dY"], f["X"].shape(), static_cast<std::size_t>(size), 2);
        require_close(dX, f[std::string(key) + "_dX"], 1e-13, 1e-15, key);
    }
}

TEST_CASE("ch05.avgpool2d_backward matches finite differences through the layer", "[ch05][exercise]") {
    const auto [size, stride] = GENERATE(std::pair{2, 2}, std::pair{3, 2}, std::pair{2, 1});
    CAPTURE(size, stride);
    nn::AvgPool2DT<double> layer(static_cast<std::size_t>(size), static_cast<std::size_t>(stride));
    const TensorD X = testing::random_tensor<double>({2, 3, 7, 6}, 43);
    const Shape out = layer.output_shape({3, 7, 6});
    const TensorD dY = testing::random_tensor<double>({2, out[0], out[1], out[2]}, 44);
    const auto report = testing::gradcheck(layer, X, dY);
    INFO(report.describe());
    REQUIRE(report.max_rel_error < 1e-6);
}

TEST_CASE("ch05.avgpool2d_backward refuses a dY whose shape does not fit the input", "[ch05][exercise]") {
    TensorD dX;
    REQUIRE(testing::throws_error([&] { avgpool2d_backward(dX, TensorD({1, 2, 3, 2}), {1, 2, 7, 6}, 2, 2); }));
}

TEST_CASE("ch05.maxpool2d_forward refuses an X that is not [N, C, H, W] or smaller than the window",
          "[ch05][exercise]") {
    TensorD Y;
    std::vector<std::size_t> argmax;
    REQUIRE(testing::throws_error([&] { maxpool2d_forward(Y, argmax, TensorD({3, 8, 8}), 2, 2); }));
    REQUIRE(testing::throws_error([&] { maxpool2d_forward(Y, argmax, TensorD({1, 1, 1, 8}), 2, 2); }));
}
