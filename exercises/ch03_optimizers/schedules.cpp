#include "dl/ops/schedules.hpp"

#include "dl/error.hpp"
#include "dl/exercise.hpp"

#include <cmath>
#include <numbers>

namespace dl {

// η · γ^⌊t / s⌋: the rate is multiplied by γ every s epochs.
double step_decay(double base_lr, int epoch, int step_size, double gamma) {
    // Hint: DL_CHECK the arguments; integer division gives ⌊t / s⌋ for t ≥ 0.
    DL_TODO("ch03.step_decay");   // lesson: chapters/ch03_optimizers/README.md#step-decay
}

// η · γ^t
double exponential_decay(double base_lr, int epoch, double gamma) {
    // Hint: one std::pow, after checking t ≥ 0 and γ > 0.
    DL_TODO("ch03.exponential_decay");   // lesson: chapters/ch03_optimizers/README.md#exponential-decay
}

// η_min + ½ (η − η_min) (1 + cos(π t / T)) for t ≤ T, then η_min.
double cosine_annealing(double base_lr, double min_lr, long step, long total_steps) {
    // Hint: divide in double, not in long; std::numbers::pi is π. Past T the rate stays at η_min.
    DL_TODO("ch03.cosine_annealing");   // lesson: chapters/ch03_optimizers/README.md#cosine-annealing
}

// η · (t + 1) / W for t < W, then η. W = 0 is no warm-up.
double linear_warmup(double base_lr, long step, long warmup_steps) {
    // Hint: t + 1, so the first step trains at η / W, not at 0; test t ≥ W first so W = 0 never divides.
    DL_TODO("ch03.linear_warmup");   // lesson: chapters/ch03_optimizers/README.md#linear-warmup
}

}  // namespace dl
