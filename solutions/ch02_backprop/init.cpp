#include "dl/ops/init.hpp"

#include "dl/exercise.hpp"

#include <cmath>

namespace dl {

// W ~ U(−a, a) with a = √(6 / (fan_in + fan_out)): a uniform on (−a, a) has variance a²/3.
template <class T>
void xavier_uniform(TensorT<T>& W, std::size_t fan_in, std::size_t fan_out, Rng& rng) {
    DL_CHECK(fan_in + fan_out > 0, "xavier_uniform: fan_in + fan_out must be positive");
    const double a = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
    for (auto& w : W) w = static_cast<T>(rng.uniform(-a, a));
}

// W ~ N(0, 2 / fan_in).
template <class T>
void he_normal(TensorT<T>& W, std::size_t fan_in, Rng& rng) {
    DL_CHECK(fan_in > 0, "he_normal: fan_in must be positive");
    const double stddev = std::sqrt(2.0 / static_cast<double>(fan_in));
    for (auto& w : W) w = static_cast<T>(rng.normal(0.0, stddev));
}

template void xavier_uniform(TensorT<float>&, std::size_t, std::size_t, Rng&);
template void xavier_uniform(TensorT<double>&, std::size_t, std::size_t, Rng&);
template void he_normal(TensorT<float>&, std::size_t, Rng&);
template void he_normal(TensorT<double>&, std::size_t, Rng&);

}  // namespace dl
