#include "dl/ops/attention.hpp"

#include "dl/exercise.hpp"

#include <cmath>
#include <cstddef>

namespace dl {

// P[t, 2i] = sin(t / 10000^(2i/C)),  P[t, 2i+1] = cos(t / 10000^(2i/C)): each pair of columns a
// clock of its own frequency, from one turn per 2π positions down to one per 2π·10000.
template <class T>
void sinusoidal_positions(TensorT<T>& P, std::size_t positions, std::size_t width) {
    DL_CHECK(positions > 0 && width > 0, "sinusoidal_positions: " << positions << " positions of width " << width);
    P.resize({positions, width});
    for (std::size_t t = 0; t < positions; ++t)
        for (std::size_t c = 0; c < width; ++c) {
            const double pair = static_cast<double>(c - c % 2);   // 2i
            const double angle = static_cast<double>(t) / std::pow(10000.0, pair / static_cast<double>(width));
            P(t, c) = static_cast<T>(c % 2 == 0 ? std::sin(angle) : std::cos(angle));
        }
}

template void sinusoidal_positions(TensorT<float>&, std::size_t, std::size_t);
template void sinusoidal_positions(TensorT<double>&, std::size_t, std::size_t);

}  // namespace dl
