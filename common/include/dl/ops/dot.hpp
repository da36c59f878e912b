#pragma once
// Chapter 1's hot kernel: the dot product x · y = Σ_i x_i y_i, in two variants.
//   dot_naive      the textbook loop: one accumulator, so every addition waits for the previous one
//   dot_unrolled   several independent accumulators, so the CPU (and the compiler's vectoriser)
//                  can keep many additions in flight
// Both take two spans of equal length (a mismatch throws dl::Error, via DL_CHECK).

#include <span>

namespace dl {

template <class T>
T dot_naive(std::span<const T> x, std::span<const T> y);

template <class T>
T dot_unrolled(std::span<const T> x, std::span<const T> y);

// The variants of the kernel, in order of the ladder. Tests and benchmarks loop over this table,
// so a new variant is one new line here and is checked and timed at once.
template <class T>
struct DotVariant {
    const char* name;
    T (*fn)(std::span<const T>, std::span<const T>);
};

template <class T>
inline constexpr DotVariant<T> dot_variants[] = {
    {"naive", &dot_naive<T>},
    {"unrolled", &dot_unrolled<T>},
};

}  // namespace dl
