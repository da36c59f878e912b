#include "dl/ops/augment.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dl {

// Y[n, c, y, x] = X[n, c, y − dy, x − dx] when that pixel exists, else 0;  dy, dx ∈ {−s, ..., s} per image.
template <class T>
void random_shift(TensorT<T>& X, int max_shift, Rng& rng) {
    DL_CHECK(X.rank() == 4, "random_shift: X has shape " << to_string(X.shape()) << ", expected [N, C, H, W]");
    DL_CHECK(max_shift >= 0, "random_shift: max_shift = " << max_shift << " must be 0 or more");
    // Signed sizes: y − dy is negative for pixels shifted in from above.
    const auto n_images = static_cast<std::ptrdiff_t>(X.dim(0)), channels = static_cast<std::ptrdiff_t>(X.dim(1));
    const auto H = static_cast<std::ptrdiff_t>(X.dim(2)), W = static_cast<std::ptrdiff_t>(X.dim(3));
    const auto span = static_cast<std::uint64_t>(2 * max_shift + 1);
    std::vector<T> source(static_cast<std::size_t>(H * W));   // one channel before the shift
    for (std::ptrdiff_t n = 0; n < n_images; ++n) {
        const std::ptrdiff_t dy = static_cast<std::ptrdiff_t>(rng.below(span)) - max_shift;
        const std::ptrdiff_t dx = static_cast<std::ptrdiff_t>(rng.below(span)) - max_shift;
        if (dy == 0 && dx == 0) continue;
        for (std::ptrdiff_t c = 0; c < channels; ++c) {
            T* plane = X.data() + (n * channels + c) * H * W;
            // In place: copy the channel first, since the shift reads pixels it has already overwritten.
            std::copy(plane, plane + H * W, source.begin());
            for (std::ptrdiff_t y = 0; y < H; ++y) {
                for (std::ptrdiff_t x = 0; x < W; ++x) {
                    const std::ptrdiff_t sy = y - dy, sx = x - dx;
                    const bool inside = sy >= 0 && sy < H && sx >= 0 && sx < W;
                    plane[y * W + x] = inside ? source[static_cast<std::size_t>(sy * W + sx)] : T(0);
                }
            }
        }
    }
}

template void random_shift(TensorT<float>&, int, Rng&);
template void random_shift(TensorT<double>&, int, Rng&);

// Y[n, c, y, x] = X[n, c, y, W − 1 − x] for the images whose draw rng.bernoulli(p) is true, else X.
template <class T>
void random_flip_lr(TensorT<T>& X, double p, Rng& rng) {
    DL_CHECK(X.rank() == 4, "random_flip_lr: X has shape " << to_string(X.shape()) << ", expected [N, C, H, W]");
    DL_CHECK(p >= 0 && p <= 1, "random_flip_lr: p = " << p << " must be in [0, 1]");
    const std::size_t n_images = X.dim(0), rows = X.dim(1) * X.dim(2), W = X.dim(3);
    for (std::size_t n = 0; n < n_images; ++n) {
        if (!rng.bernoulli(p)) continue;   // drawn for every image, flipped or not
        T* image = X.data() + n * rows * W;
        // Each row of each channel, reversed.
        for (std::size_t r = 0; r < rows; ++r) std::reverse(image + r * W, image + (r + 1) * W);
    }
}

template void random_flip_lr(TensorT<float>&, double, Rng&);
template void random_flip_lr(TensorT<double>&, double, Rng&);

}  // namespace dl
