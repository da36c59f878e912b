#include "dl/ops/rnn.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace dl {

// p_k = exp((l_k − max l) / τ) / Σ_j exp((l_j − max l) / τ), then the first k whose cumulative
// probability exceeds one uniform draw (inverse-CDF sampling). Subtracting the maximum keeps exp
// from overflowing and changes nothing after normalising.
template <class T>
int sample_next(std::span<const T> logits, double temperature, Rng& rng) {
    DL_CHECK(!logits.empty(), "sample_next: no logits");
    DL_CHECK(temperature >= 0 && std::isfinite(temperature),
             "sample_next: the temperature must be 0 (argmax) or positive, got " << temperature);
    const auto best = std::max_element(logits.begin(), logits.end());
    const int argmax = static_cast<int>(best - logits.begin());
    if (temperature == 0) return argmax;
    const double top = static_cast<double>(*best);
    std::vector<double> p(logits.size());
    double sum = 0;
    for (std::size_t k = 0; k < p.size(); ++k) sum += p[k] = std::exp((static_cast<double>(logits[k]) - top) / temperature);
    const double u = rng.uniform() * sum;
    double cumulative = 0;
    for (std::size_t k = 0; k < p.size(); ++k) {
        cumulative += p[k];
        if (u < cumulative) return static_cast<int>(k);
    }
    return argmax;   // u landed on the rounding error at the very end
}

template int sample_next(std::span<const float>, double, Rng&);
template int sample_next(std::span<const double>, double, Rng&);

}  // namespace dl
