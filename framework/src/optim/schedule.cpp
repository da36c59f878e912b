#include "dl/optim/schedule.hpp"

#include "dl/error.hpp"
#include "dl/ops/schedules.hpp"

namespace dl::optim {

LrSchedule::LrSchedule(const ScheduleOptions& options, double base_lr, int epochs, long steps_per_epoch)
    : options_(options), base_lr_(base_lr), total_steps_(static_cast<long>(epochs) * steps_per_epoch) {
    check_schedule_options(options_);
    DL_CHECK(epochs >= 1 && steps_per_epoch >= 1, "LrSchedule: " << epochs << " epochs of " << steps_per_epoch
                                                                  << " steps");
    if (options_.kind == "cosine")
        DL_CHECK(options_.min_lr <= base_lr_, "--lr-min " << options_.min_lr << " is above --lr " << base_lr_);
}

double LrSchedule::lr(int epoch, long step) const {
    double rate = base_lr_;
    if (options_.kind == "step") rate = step_decay(base_lr_, epoch, options_.step_epochs, options_.gamma);
    else if (options_.kind == "exponential") rate = exponential_decay(base_lr_, epoch, options_.gamma);
    else if (options_.kind == "cosine") rate = cosine_annealing(base_lr_, options_.min_lr, step, total_steps_);
    if (options_.warmup_steps > 0) rate = linear_warmup(rate, step, options_.warmup_steps);
    return rate;
}

}  // namespace dl::optim
