// Random shifts of images: nothing at max_shift 0, a one-hot pixel moved by the drawn (dy, dx) or off
// the edge, sums that never grow, shapes that are not [N, C, H, W].
#include "dl/ops/augment.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/random.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <utility>

using namespace dl;

TEST_CASE("ch04.random_shift with max_shift 0 changes nothing", "[ch04][exercise]") {
    Tensor X = testing::random_tensor<float>({3, 2, 5, 4}, 71);
    const Tensor X0 = X;
    Rng rng(1);
    random_shift(X, 0, rng);
    REQUIRE(X.shape() == X0.shape());
    for (std::size_t i = 0; i < X.size(); ++i) REQUIRE(X[i] == X0[i]);
}

TEST_CASE("ch04.random_shift moves a one-hot pixel by the drawn (dy, dx) or off the edge", "[ch04][exercise]") {
    // 200 images [2, 5, 7] (C = 2, H = 5, W = 7, not square), max_shift 2. Channel 0 has a 1 at (y, x),
    // channel 1 a 2 at (H − 1 − y, W − 1 − x): both channels must move by the image's one (dy, dx).
    // A second Rng with the same seed replays the draws: dy = below(5) − 2, then dx, image by image.
    const std::ptrdiff_t N = 200, C = 2, H = 5, W = 7, s = 2;
    Tensor X({static_cast<std::size_t>(N), static_cast<std::size_t>(C), static_cast<std::size_t>(H),
              static_cast<std::size_t>(W)});
    const auto at = [&](std::ptrdiff_t n, std::ptrdiff_t c, std::ptrdiff_t y, std::ptrdiff_t x) {
        return static_cast<std::size_t>(((n * C + c) * H + y) * W + x);
    };
    const auto hot = [&](std::ptrdiff_t n) { return std::pair{n % H, (n / H) % W}; };
    for (std::ptrdiff_t n = 0; n < N; ++n) {
        const auto [y, x] = hot(n);
        X[at(n, 0, y, x)] = 1.0f;
        X[at(n, 1, H - 1 - y, W - 1 - x)] = 2.0f;
    }
    Rng rng(11), replay(11);
    random_shift(X, static_cast<int>(s), rng);
    REQUIRE(X.shape() == Shape{200, 2, 5, 7});
    int moved = 0, fell_off = 0, up = 0, down = 0, left = 0, right = 0;
    for (std::ptrdiff_t n = 0; n < N; ++n) {
        const std::ptrdiff_t dy = static_cast<std::ptrdiff_t>(replay.below(2 * s + 1)) - s;
        const std::ptrdiff_t dx = static_cast<std::ptrdiff_t>(replay.below(2 * s + 1)) - s;
        up += dy < 0;
        down += dy > 0;
        left += dx < 0;
        right += dx > 0;
        const auto [y0, x0] = hot(n);
        const std::ptrdiff_t hy[2] = {y0 + dy, H - 1 - y0 + dy}, hx[2] = {x0 + dx, W - 1 - x0 + dx};
        for (std::ptrdiff_t c = 0; c < C; ++c) {
            const bool inside = hy[c] >= 0 && hy[c] < H && hx[c] >= 0 && hx[c] < W;
            if (inside) ++moved; else ++fell_off;
            // Where the pixel went, when not where it should: the shift's recognisable slips.
            const float value = static_cast<float>(c + 1);
            const std::ptrdiff_t from_y = c == 0 ? y0 : H - 1 - y0, from_x = c == 0 ? x0 : W - 1 - x0;
            const auto holds = [&](std::ptrdiff_t y, std::ptrdiff_t x) {
                return y >= 0 && y < H && x >= 0 && x < W && X[at(n, c, y, x)] == value;
            };
            bool anywhere = false;   // the value still in the plane (it should not be when it fell off the edge)
            for (std::ptrdiff_t y = 0; y < H; ++y)
                for (std::ptrdiff_t x = 0; x < W; ++x) anywhere = anywhere || holds(y, x);
            if (inside ? !holds(hy[c], hx[c]) : anywhere) {
                CAPTURE(n, c, dy, dx, from_y, from_x);
                if ((dy != 0 || dx != 0) && holds(from_y - dy, from_x - dx))
                    FAIL("the pixel at (" << from_y << ", " << from_x << ") moved by (" << -dy << ", " << -dx
                                          << ") instead of (" << dy << ", " << dx
                                          << "); likely mistake: the shift goes the wrong way (Y[y] = X[y - dy], not X[y + dy])");
                if (dy != dx && holds(from_y + dx, from_x + dy))
                    FAIL("the pixel moved by (" << dx << ", " << dy << ") instead of (" << dy << ", " << dx
                                                << "); likely mistake: dy and dx swapped (draw dy first, then dx)");
                if (holds(from_y, from_x))
                    FAIL("the pixel at (" << from_y << ", " << from_x << ") did not move, where it should have moved by ("
                                          << dy << ", " << dx << ")");
            }
            for (std::ptrdiff_t y = 0; y < H; ++y)
                for (std::ptrdiff_t x = 0; x < W; ++x) {
                    const float want = inside && y == hy[c] && x == hx[c] ? static_cast<float>(c + 1) : 0.0f;
                    CAPTURE(n, c, dy, dx, y, x);
                    REQUIRE(X[at(n, c, y, x)] == want);
                }
        }
    }
    // The data must have exercised every case: both outcomes, and shifts in all four directions.
    CAPTURE(moved, fell_off, up, down, left, right);
    REQUIRE(moved > 0);
    REQUIRE(fell_off > 0);
    REQUIRE((up > 0 && down > 0 && left > 0 && right > 0));
}

TEST_CASE("ch04.random_shift never makes an image's sum grow", "[ch04][exercise]") {
    // Non-negative pixels: a shift keeps some of them and fills the rest with 0, so each channel's sum
    // can only stay or shrink. The pixels that stay are summed in the same order, with zeros between
    // them, so the comparison is exact (rounding is monotonic).
    const std::size_t N = 20, C = 3, H = 6, W = 5;
    Tensor X = testing::random_uniform<float>({N, C, H, W}, 72, 0.0, 1.0);
    const Tensor X0 = X;
    Rng rng(3);
    random_shift(X, 2, rng);
    bool some_shrank = false;
    for (std::size_t plane = 0; plane < N * C; ++plane) {
        double before = 0, after = 0;
        for (std::size_t i = plane * H * W; i < (plane + 1) * H * W; ++i) {
            before += static_cast<double>(X0[i]);
            after += static_cast<double>(X[i]);
        }
        CAPTURE(plane, before, after);
        REQUIRE(after <= before);
        some_shrank |= after < before;
    }
    REQUIRE(some_shrank);   // 20 images, max_shift 2: most move
}

TEST_CASE("ch04.random_shift rejects a tensor that is not [N, C, H, W] and a negative shift",
          "[ch04][exercise]") {
    Rng rng(4);
    Tensor three({2, 5, 5}), two({4, 25}), five({1, 1, 1, 5, 5}), good({1, 1, 5, 5});
    REQUIRE(testing::throws_error([&] { random_shift(three, 1, rng); }));
    REQUIRE(testing::throws_error([&] { random_shift(two, 1, rng); }));
    REQUIRE(testing::throws_error([&] { random_shift(five, 1, rng); }));
    REQUIRE(testing::throws_error([&] { random_shift(good, -1, rng); }));
}

TEST_CASE("ch04.random_flip_lr mirrors the images drawn, every channel alike, and leaves the others",
          "[ch04][exercise]") {
    // 300 images [2, 3, 5] (W = 5: odd, so the middle column stays), p = 0.4. A second Rng with the same
    // seed replays the draws: bernoulli(p), one per image, image by image.
    const std::size_t N = 300, C = 2, H = 3, W = 5;
    Tensor X = testing::random_tensor<float>({N, C, H, W}, 73);
    const Tensor X0 = X;
    Rng rng(12), replay(12);
    random_flip_lr(X, 0.4, rng);
    REQUIRE(X.shape() == X0.shape());
    std::size_t flipped = 0;
    for (std::size_t n = 0; n < N; ++n) {
        const bool flip = replay.bernoulli(0.4);
        flipped += flip;
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t y = 0; y < H; ++y)
                for (std::size_t x = 0; x < W; ++x) {
                    const std::size_t plane = (n * C + c) * H * W;
                    const float want = X0[plane + y * W + (flip ? W - 1 - x : x)];
                    const float got = X[plane + y * W + x];
                    if (got == want) continue;
                    CAPTURE(n, c, y, x, flip);
                    if (flip && got == X0[plane + (H - 1 - y) * W + x])
                        FAIL("image " << n << " was flipped upside down: a left-right flip reverses each row, "
                                         "Y[y, x] = X[y, W - 1 - x]");
                    if (got == X0[plane + y * W + (flip ? x : W - 1 - x)])
                        FAIL("image " << n
                                      << (flip ? "'s draw was true but it was not flipped"
                                               : " was flipped though its draw was false")
                                      << ": draw rng.bernoulli(p) once per image, in order, and flip when it is true");
                    FAIL("pixel (" << y << ", " << x << ") of channel " << c << " of image " << n << " holds " << got
                                   << ", expected " << want);
                }
    }
    CAPTURE(flipped);
    REQUIRE((flipped > 80 && flipped < 160));   // about 0.4 · 300 = 120: the replay matched real draws
}

TEST_CASE("ch04.random_flip_lr with p 0 changes nothing, with p 1 flips every image, twice is the identity",
          "[ch04][exercise]") {
    Tensor X = testing::random_tensor<float>({4, 3, 6, 4}, 74);   // W = 4: even, every column moves
    const Tensor X0 = X;
    Rng rng(5);
    random_flip_lr(X, 0.0, rng);
    for (std::size_t i = 0; i < X.size(); ++i) REQUIRE(X[i] == X0[i]);
    random_flip_lr(X, 1.0, rng);
    for (std::size_t i = 0; i < X.size(); ++i) {
        const std::size_t x = i % 4;
        CAPTURE(i);
        REQUIRE(X[i] == X0[i - x + 3 - x]);
    }
    random_flip_lr(X, 1.0, rng);
    for (std::size_t i = 0; i < X.size(); ++i) REQUIRE(X[i] == X0[i]);
}

TEST_CASE("ch04.random_flip_lr rejects a tensor that is not [N, C, H, W] and p outside [0, 1]", "[ch04][exercise]") {
    Rng rng(6);
    Tensor three({2, 5, 5}), good({1, 1, 5, 5});
    REQUIRE(testing::throws_error([&] { random_flip_lr(three, 0.5, rng); }));
    REQUIRE(testing::throws_error([&] { random_flip_lr(good, -0.1, rng); }));
    REQUIRE(testing::throws_error([&] { random_flip_lr(good, 1.5, rng); }));
}
