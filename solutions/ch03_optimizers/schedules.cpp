#include "dl/ops/schedules.hpp"

#include "dl/error.hpp"
#include "dl/exercise.hpp"

#include <cmath>
#include <numbers>

namespace dl {

// η · γ^⌊t / s⌋: the rate is multiplied by γ every s epochs.
double step_decay(double base_lr, int epoch, int step_size, double gamma) {
    DL_CHECK(epoch >= 0, "step_decay: epoch " << epoch << " must be >= 0");
    DL_CHECK(step_size > 0, "step_decay: step size " << step_size << " must be > 0");
    DL_CHECK(gamma > 0, "step_decay: gamma " << gamma << " must be > 0");
    return base_lr * std::pow(gamma, epoch / step_size);   // integer division: ⌊t / s⌋
}

// η · γ^t
double exponential_decay(double base_lr, int epoch, double gamma) {
    DL_CHECK(epoch >= 0, "exponential_decay: epoch " << epoch << " must be >= 0");
    DL_CHECK(gamma > 0, "exponential_decay: gamma " << gamma << " must be > 0");
    return base_lr * std::pow(gamma, epoch);
}

// η_min + ½ (η − η_min) (1 + cos(π t / T)) for t ≤ T, then η_min.
double cosine_annealing(double base_lr, double min_lr, long step, long total_steps) {
    DL_CHECK(step >= 0, "cosine_annealing: step " << step << " must be >= 0");
    DL_CHECK(total_steps > 0, "cosine_annealing: total steps " << total_steps << " must be > 0");
    if (step >= total_steps) return min_lr;
    const double progress = static_cast<double>(step) / static_cast<double>(total_steps);
    return min_lr + 0.5 * (base_lr - min_lr) * (1.0 + std::cos(std::numbers::pi * progress));
}

// η · (t + 1) / W for t < W, then η. W = 0 is no warm-up.
double linear_warmup(double base_lr, long step, long warmup_steps) {
    DL_CHECK(step >= 0, "linear_warmup: step " << step << " must be >= 0");
    DL_CHECK(warmup_steps >= 0, "linear_warmup: warm-up steps " << warmup_steps << " must be >= 0");
    if (step >= warmup_steps) return base_lr;
    // t + 1, not t: the first step already trains, at η / W rather than at 0.
    return base_lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
}

}  // namespace dl
