#include "dl/ops/init.hpp"

#include "dl/exercise.hpp"

#include <cmath>

namespace dl {

// W ~ U(−a, a) with a = √(6 / (fan_in + fan_out)).
template <class T>
void xavier_uniform(TensorT<T>& W, std::size_t fan_in, std::size_t fan_out, Rng& rng) {
    // Hint: rng.uniform(lo, hi) draws from U(lo, hi); a uniform on (−a, a) has variance a²/3.
    DL_TODO("ch02.xavier_uniform");   // lesson: chapters/ch02_backprop/README.md#xavier-uniform
}

// W ~ N(0, 2 / fan_in).
template <class T>
void he_normal(TensorT<T>& W, std::size_t fan_in, Rng& rng) {
    // Hint: rng.normal(mean, stddev) takes the standard deviation, not the variance.
    DL_TODO("ch02.he_normal");   // lesson: chapters/ch02_backprop/README.md#he-normal
}

template void xavier_uniform(TensorT<float>&, std::size_t, std::size_t, Rng&);
template void xavier_uniform(TensorT<double>&, std::size_t, std::size_t, Rng&);
template void he_normal(TensorT<float>&, std::size_t, Rng&);
template void he_normal(TensorT<double>&, std::size_t, Rng&);

}  // namespace dl
