#pragma once
// Training a classifier (chapters 1-5): epochs of shuffled mini-batches of a dataset, each a
// train_step() of the model (dl/train/step.hpp) inside the shared loop (dl/train/loop.hpp).

#include "dl/data/dataset.hpp"
#include "dl/data/fashion_mnist.hpp"
#include "dl/nn/loss.hpp"
#include "dl/nn/sequential.hpp"
#include "dl/optim/optimizer.hpp"
#include "dl/optim/schedule.hpp"
#include "dl/rng.hpp"
#include "dl/train/data_parallel.hpp"
#include "dl/train/loop.hpp"
#include "dl/train/cli.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace dl::train {

struct FitOptions {
    int epochs = 10;
    std::size_t batch_size = 32;
    double lr = 0.1;        // the base learning rate η (the schedule's start)
    bool progress = true;   // a progress bar on a terminal, and one line per epoch (on any output)
    std::function<void(const EpochMetrics&)> on_epoch = {};   // after each epoch (print, write CSV)
    // Chapter 4: stop when the validation loss has not improved for this many epochs, and end with
    // the best epoch's weights (0: off).
    int early_stop_patience = 0;
    // Chapter 4: gradient clipping before each step, by value then by global norm (0: off).
    double clip_value = 0, clip_norm = 0;
    // Chapters 4 and 5: applied to every training batch [N, ...] before the forward pass (random
    // shifts and flips: image_augmentation below), with the optimizer steps taken before the batch.
    // It draws from its own generator, so the batches are the same with it as without; one seeded
    // from `step` augments a resumed run exactly as the uninterrupted one.
    std::function<void(Tensor& batch, long step)> augment = {};
    optim::ScheduleOptions schedule = {};   // chapter 3: the learning rate by epoch and step (default: constant)
    // Checkpoints (dl/train/loop.hpp, dl/train/resume.hpp); save_every counts epochs. Resuming
    // after 3 of 10 epochs trains 7 more, and the metrics returned are all 10 epochs'.
    using Checkpoints = train::Checkpoints;
    Checkpoints checkpoints = {};
    // Chapter 10: this process's part in data-parallel training (dl/train/data_parallel.hpp):
    // batch_size is the global batch, of which this process trains on its share (nullptr: alone).
    DataParallel* data_parallel = nullptr;
};

// Chapters 4 and 5's augmentation of standardised images [N, C, H, W], a FitOptions::augment hook:
// random shifts of up to `shift` pixels (random_shift), then left-right flips with probability
// `flip` (random_flip_lr), drawn from a generator seeded with `seed` and the step. `background` is
// the value of a pixel that was 0 before standardising: what the shifted-in border must hold.
// Empty (no hook) when shift and flip are both 0.
std::function<void(Tensor& batch, long step)> image_augmentation(int shift, double flip, float background,
                                                                 std::uint64_t seed);

// The options every chapter's command line sets (--lr, --lr-schedule ..., --early-stop, --clip-norm,
// --clip-value, --save, --save-every, --resume) copied into `options`, which keeps everything else.
FitOptions with_common_options(FitOptions options, const train::CommonOptions& common);

// How many of the predicted classes equal the labels (the numerator of an accuracy).
std::size_t count_correct(const std::vector<int>& predicted, std::span<const int> labels);

// The checkpoints of an executable that trains several models (chapters 1, 3 and 4): one file per
// run, --save/--resume FILE with "-<run>" before its extension (runs/ck.ckpt → runs/ck-dropout.ckpt).
// `options` gets that run's save and resume paths and `kind`. On --resume, a run whose file does not
// exist had not started: it trains from the beginning (check_run_checkpoints has made sure that
// some run's file exists, so a mistyped --resume is an error, not a silent restart).
std::string run_checkpoint_path(const std::string& file, const std::string& run);
FitOptions with_run_checkpoints(FitOptions options, const train::CommonOptions& common, const std::string& run,
                                const std::string& kind);
void check_run_checkpoints(const train::CommonOptions& common, const std::vector<std::string>& runs);

// What chapters 2, 4 and 8 check and load before they write to --out: the optimizer options
// (make_optimizer throws UsageError naming a bad one), then the image dataset of --data split with
// --seed, with --quick its first 6,000 training and 2,000 test images.
data::ImageSplits check_optimizer_and_load_images(const train::CommonOptions& common);

// Loss and accuracy over a dataset, in batches, in eval mode.
Evaluation evaluate(nn::Sequential& model, nn::Loss& loss, const data::Dataset& data, std::size_t batch_size = 256);

// Trains for options.epochs epochs; the batches are shuffled with rng. Returns every epoch's metrics.
// A NaN or infinite loss stops with an error naming the epoch and step; with checkpoints.save set,
// the last finished epoch's state is written first, as it is on Ctrl-C.
std::vector<EpochMetrics> fit(nn::Sequential& model, nn::Loss& loss, optim::Optimizer& optimizer,
                              const data::Dataset& train, const data::Dataset& validation,
                              const FitOptions& options, Rng& rng);

}  // namespace dl::train
