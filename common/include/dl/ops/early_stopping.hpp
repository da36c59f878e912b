#pragma once
// Chapter 4's early stopping: stop when the validation loss has not improved for `patience` epochs,
// and go back to the weights of the best epoch.

#include <limits>

namespace dl {

struct EarlyStoppingState {
    int patience = 5;                                         // epochs without improvement allowed
    double best_loss = std::numeric_limits<double>::infinity();
    int best_epoch = 0;                                       // 0: none yet
    int epochs_without_improvement = 0;
};

// Called after each epoch with its validation loss (epochs count from 1). An epoch improves when its
// loss is strictly below the best so far: then it becomes the best and the count restarts at 0;
// otherwise the count grows by one. Returns true when training should stop: the count has reached
// `patience`. (The caller saves the weights when state.best_epoch == epoch.) A NaN loss never improves.
// A patience below 1 (or an epoch below 1) throws dl::Error.
bool early_stopping_update(EarlyStoppingState& state, int epoch, double val_loss);

}  // namespace dl
