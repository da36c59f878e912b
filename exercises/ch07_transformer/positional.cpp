#include "dl/ops/attention.hpp"

#include "dl/exercise.hpp"

#include <cmath>
#include <cstddef>

namespace dl {

// P[t, 2i] = sin(t / 10000^(2i/C)),  P[t, 2i+1] = cos(t / 10000^(2i/C))
template <class T>
void sinusoidal_positions(TensorT<T>& P, std::size_t positions, std::size_t width) {
    // Hint: P.resize({positions, width}). Columns 2i and 2i + 1 share one frequency: for column c
    // the exponent is (c − c % 2) / C. Compute the angle in double and cast at the end. Zero
    // positions or width: DL_CHECK.
    DL_TODO("ch07.sinusoidal_positions");   // lesson: chapters/ch07_transformer/README.md#sinusoidal-positions
}

template void sinusoidal_positions(TensorT<float>&, std::size_t, std::size_t);
template void sinusoidal_positions(TensorT<double>&, std::size_t, std::size_t);

}  // namespace dl
