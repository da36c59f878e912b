#pragma once
// Chapter 3's learning-rate schedules: the learning rate as a function of where training is.
// Each returns the rate for epoch (or step) t, counting from 0, given the base rate η.
//
//   step decay          η · γ^⌊t / s⌋                       (×γ every s epochs)
//   exponential decay   η · γ^t
//   cosine annealing    η_min + ½ (η − η_min) (1 + cos(π t / T))    for t ≤ T, then η_min
//   linear warm-up      η · (t + 1) / W   for t < W, then η          (W warm-up steps)
//
// Bad arguments (s ≤ 0, T ≤ 0, W < 0, γ ≤ 0, t < 0) throw dl::Error.

namespace dl {

double step_decay(double base_lr, int epoch, int step_size, double gamma);

double exponential_decay(double base_lr, int epoch, double gamma);

double cosine_annealing(double base_lr, double min_lr, long step, long total_steps);

double linear_warmup(double base_lr, long step, long warmup_steps);

}  // namespace dl
