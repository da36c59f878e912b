#include "dl/ops/dot.hpp"

#include "dl/exercise.hpp"
#include "dl/tensor.hpp"

#include <cstddef>

namespace dl {

// x · y = Σ_i x_i y_i, one element at a time.
template <class T>
T dot_naive(std::span<const T> x, std::span<const T> y) {
    // Hint: check the two lengths agree (DL_CHECK), then one loop and one accumulator.
    DL_TODO("ch01.dot_naive");   // lesson: chapters/ch01_perceptron/README.md#dot-naive
}

// x · y with several independent partial sums, so additions do not wait on each other.
template <class T>
T dot_unrolled(std::span<const T> x, std::span<const T> y) {
    // Hint: keep an array of accumulators (say 4 chains of 16), walk the input in steps that fill
    // them all, add them up at the end, then finish the tail that does not fill a whole step.
    DL_TODO("ch01.dot_unrolled");   // lesson: chapters/ch01_perceptron/README.md#dot-unrolled
}

template float dot_naive(std::span<const float>, std::span<const float>);
template double dot_naive(std::span<const double>, std::span<const double>);
template float dot_unrolled(std::span<const float>, std::span<const float>);
template double dot_unrolled(std::span<const double>, std::span<const double>);

}  // namespace dl
