#pragma once
// The learning-rate schedule of a training run (chapter 3), built from the common options
// --lr-schedule, --lr-step, --lr-gamma, --lr-min and --warmup-steps:
//
//   none          η for every step
//   step          η · γ^⌊epoch / s⌋                              (s = --lr-step epochs)
//   exponential   η · γ^epoch
//   cosine        η_min + ½ (η − η_min)(1 + cos(π t / T))        (t the step, T the run's steps)
//
// and with --warmup-steps W > 0, the first W steps ramp up linearly to that: rate · (t + 1) / W.
// The rates come from chapter 3's schedule exercises (dl/ops/schedules.hpp).

#include "dl/error.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace dl::optim {

struct ScheduleOptions {
    std::string kind = "none";   // none | step | exponential | cosine
    int step_epochs = 5;         // step: decay every this many epochs
    double gamma = 0.5;          // step and exponential: the factor
    double min_lr = 0.0;         // cosine: the floor
    long warmup_steps = 0;       // linear warm-up over this many steps (0: none)
};

inline const std::vector<std::string>& schedule_names() {
    static const std::vector<std::string> names{"none", "step", "exponential", "cosine"};
    return names;
}

// Throws UsageError naming the option for an unknown kind or a value out of range.
inline void check_schedule_options(const ScheduleOptions& o) {
    const auto& names = schedule_names();
    if (std::find(names.begin(), names.end(), o.kind) == names.end())
        DL_THROW(UsageError, "--lr-schedule: unknown schedule '" << o.kind << "' (choose none|step|exponential|cosine)");
    if (o.step_epochs < 1) DL_THROW(UsageError, "--lr-step must be at least 1 epoch, got " << o.step_epochs);
    if (!(o.gamma > 0 && o.gamma <= 1)) DL_THROW(UsageError, "--lr-gamma must be in (0, 1], got " << o.gamma);
    if (!(o.min_lr >= 0)) DL_THROW(UsageError, "--lr-min must be >= 0, got " << o.min_lr);
    if (o.warmup_steps < 0) DL_THROW(UsageError, "--warmup-steps must be >= 0, got " << o.warmup_steps);
}

class LrSchedule {
public:
    // base_lr: η; the run is `epochs` epochs of `steps_per_epoch` steps.
    LrSchedule(const ScheduleOptions& options, double base_lr, int epochs, long steps_per_epoch);
    // The rate of global step `step` (from 0), which falls in epoch `epoch` (from 0).
    double lr(int epoch, long step) const;
    // Whether the rate ever differs from the base rate (no schedule and no warm-up: it does not).
    bool active() const { return options_.kind != "none" || options_.warmup_steps > 0; }

private:
    ScheduleOptions options_;
    double base_lr_;
    long total_steps_;
};

}  // namespace dl::optim
