#include "dl/ops/rnn.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace dl {

// p_k ∝ exp(logit_k / τ); draw u = rng.uniform() once and return the first k with u·Σp < p_0 + … + p_k
template <class T>
int sample_next(std::span<const T> logits, double temperature, Rng& rng) {
    // Hint: τ = 0 returns the argmax without drawing; τ < 0 and empty logits throw (DL_CHECK).
    // Subtract the largest logit before exp (it cancels in the ratio, and exp cannot overflow).
    // Sum in double. Draw exactly one number: the tests replay the same seed.
    DL_TODO("ch06.sample_next");   // lesson: chapters/ch06_rnn_lstm/README.md#sample-next
}

template int sample_next(std::span<const float>, double, Rng&);
template int sample_next(std::span<const double>, double, Rng&);

}  // namespace dl
