#pragma once
// The training loop every chapter shares. It runs a Task (the chapter's side: its model, its
// batches, its evaluation and its checkpoints) in intervals: an epoch of a dataset (chapters 1-5),
// or a number of steps between evaluations of a language model (chapters 6 and 7). The loop owns
// what every run does the same way:
//
//   the learning-rate schedule (the rate of each step is an argument of the step),
//   the metrics of each interval and the progress bar, evaluation after each interval,
//   early stopping, checkpoints (atomically, every --save-every intervals, the last, and the last
//   good one on Ctrl-C or when the loss diverges), and resuming.
//
// A step itself is train_step() (dl/train/step.hpp), called by the task.

#include "dl/ops/early_stopping.hpp"
#include "dl/optim/schedule.hpp"
#include "dl/tensor.hpp"
#include "dl/train/step.hpp"
#include "dl/util/checkpoint.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dl::train {

// One row of metrics.csv.
struct EpochMetrics {
    int epoch = 0;                          // the interval's number, from 1 (an epoch, or an evaluation)
    double train_loss = 0, train_acc = 0;   // averaged over the interval's batches, as they trained
    double val_loss = 0, val_acc = 0;       // on the validation set after the interval
    double seconds = 0;                     // training time of the interval (evaluation excluded)
    double examples_per_s = 0;
    double lr = 0;                          // the learning rate of the interval's last step
    long step = 0;                          // optimizer steps so far (the language models' x axis)
};

struct Evaluation {
    double loss = 0, accuracy = 0;
};

// What one step of a task returns: the batch's mean loss, how many examples (or predicted
// characters) it averaged over, and how many of their predictions were right.
struct BatchResult {
    float loss = 0;
    std::size_t examples = 0, correct = 0;
};

// The loop's own state between intervals (what a checkpoint keeps of it).
struct RunState {
    int epoch = 0;        // intervals completed (epochs, or evaluations)
    long step = 0;        // optimizer steps taken
    std::vector<EpochMetrics> history;
    EarlyStoppingState stopping;
    std::vector<Tensor> best_weights;   // early stopping's best interval: Task::weights()' values
};

// Checkpoints of a run. `save`: written after every `save_every`-th interval and after the last,
// atomically (a crash mid-write leaves the previous one whole); with `save` set, Ctrl-C writes the
// last finished interval's state there and stops. `resume`: continue the run that file holds; the
// run's length stays the total, so resuming after 3 of 10 epochs trains 7 more. `kind` names the
// model (program and summary): a checkpoint of another model or optimizer is refused.
struct Checkpoints {
    int save_every = 1;
    std::string save, resume, kind;
};

// The chapter's side of the loop.
class Task {
public:
    virtual ~Task() = default;
    // One training step on the next batch at rate lr: usually one train_step() of the task's model.
    virtual BatchResult step(double lr, const StepOptions& options) = 0;
    // Loss and accuracy on the validation data after an interval (nothing: there is none).
    virtual std::optional<Evaluation> evaluate() = 0;
    // What early stopping keeps of the best interval (the parameters, then the buffers).
    virtual std::vector<Tensor*> weights() = 0;
    // Everything needed to continue exactly from here (called between intervals).
    virtual util::Checkpoint checkpoint(const RunState& run) = 0;
    // The line printed after an interval of a run of `length` epochs or steps.
    virtual void report(const EpochMetrics& m, long length) = 0;
};

struct LoopOptions {
    enum class Unit { epochs, steps };
    Unit unit = Unit::epochs;      // what the run's length counts; an interval is one epoch, or
                                   // steps_per_interval steps between evaluations
    long length = 1;               // --epochs or --steps (0 after a resume: evaluate only)
    long steps_per_interval = 1;   // the batches of an epoch, or --eval-every
    double lr = 0.1;               // the base rate η the schedule starts from
    optim::ScheduleOptions schedule = {};
    StepOptions step = {};         // clipping and the hook between backward and the optimizer step
    int early_stop_patience = 0;   // stop when the validation loss has not improved for this many
                                   // intervals, and end with the best interval's weights (0: off)
    bool progress = true;          // a progress bar on a terminal, and one line per interval
    std::function<void(const EpochMetrics&)> on_interval = {};   // after each (print, CSV, sample)
    bool replay_restored = true;   // a resumed run's restored intervals go through on_interval first
    Checkpoints checkpoints = {};  // `resume` names where `run` came from, for the messages
};

// Runs `task` from `run` (a fresh RunState, or one restored from options.checkpoints.resume) to the
// end of the run. Returns every interval's metrics, those restored included.
std::vector<EpochMetrics> run_loop(Task& task, const LoopOptions& options, RunState run);

}  // namespace dl::train
