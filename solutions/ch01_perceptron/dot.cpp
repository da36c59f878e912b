#include "dl/ops/dot.hpp"

#include "dl/exercise.hpp"
#include "dl/tensor.hpp"

#include <cstddef>

namespace dl {

// x · y = Σ_i x_i y_i, one element at a time.
template <class T>
T dot_naive(std::span<const T> x, std::span<const T> y) {
    DL_CHECK(x.size() == y.size(), "dot_naive: x has " << x.size() << " elements but y has " << y.size());
    T sum = 0;
    for (std::size_t i = 0; i < x.size(); ++i) sum += x[i] * y[i];
    return sum;
}

// x · y with 4 × 16 = 64 partial sums. One accumulator makes every add wait for the previous one
// (4 cycles of latency each); 64 independent ones fill the FMA units: the inner loop of 16 is what
// the vectoriser turns into one 512-bit FMA (or two 256-bit ones), four chains of it in flight. Summing in a different order changes
// the rounding, so the result differs from dot_naive in the last bits.
template <class T>
T dot_unrolled(std::span<const T> x, std::span<const T> y) {
    DL_CHECK(x.size() == y.size(), "dot_unrolled: x has " << x.size() << " elements but y has " << y.size());
    constexpr std::size_t lanes = 16, chains = 4, step = lanes * chains;
    const std::size_t n = x.size(), main = n - n % step;
    T acc[chains][lanes] = {};
    for (std::size_t i = 0; i < main; i += step)
        for (std::size_t c = 0; c < chains; ++c)
            for (std::size_t l = 0; l < lanes; ++l) acc[c][l] += x[i + c * lanes + l] * y[i + c * lanes + l];
    T sum = 0;
    for (std::size_t c = 0; c < chains; ++c)
        for (std::size_t l = 0; l < lanes; ++l) sum += acc[c][l];
    for (std::size_t i = main; i < n; ++i) sum += x[i] * y[i];   // the tail that does not fill a step
    return sum;
}

template float dot_naive(std::span<const float>, std::span<const float>);
template double dot_naive(std::span<const double>, std::span<const double>);
template float dot_unrolled(std::span<const float>, std::span<const float>);
template double dot_unrolled(std::span<const double>, std::span<const double>);

}  // namespace dl
