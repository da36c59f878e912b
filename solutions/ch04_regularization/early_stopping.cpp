#include "dl/ops/early_stopping.hpp"

#include "dl/exercise.hpp"

namespace dl {

// Improvement (loss < best): best ← (loss, epoch), count ← 0;  otherwise count ← count + 1.
// Stop when count ≥ patience.
bool early_stopping_update(EarlyStoppingState& state, int epoch, double val_loss) {
    DL_CHECK(state.patience >= 1, "early_stopping_update: patience = " << state.patience << " must be at least 1");
    DL_CHECK(epoch >= 1, "early_stopping_update: epoch = " << epoch << " must count from 1");
    // `<` is false for a NaN loss, so a diverged epoch counts against the patience, never as the best.
    if (val_loss < state.best_loss) {
        state.best_loss = val_loss;
        state.best_epoch = epoch;
        state.epochs_without_improvement = 0;
    } else {
        ++state.epochs_without_improvement;
    }
    return state.epochs_without_improvement >= state.patience;
}

}  // namespace dl
