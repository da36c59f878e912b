#pragma once
// Training a language model (chapters 6 and 7), in the shared loop (dl/train/loop.hpp): steps rather than epochs, an
// evaluation every `eval_every` steps (one row of metrics.csv: an "epoch" is an interval), losses
// in nats per character, and checkpoints that carry the recurrent state and the data position.

#include "dl/data/text.hpp"
#include "dl/nn/language_model.hpp"
#include "dl/optim/optimizer.hpp"
#include "dl/optim/schedule.hpp"
#include "dl/train/trainer.hpp"
#include "dl/util/checkpoint.hpp"

#include <functional>
#include <span>
#include <string>
#include <vector>

namespace dl::train {

// How the training text becomes batches (dl/data/text.hpp):
//   streams   truncated BPTT: B contiguous streams, the state carried from batch to batch
//   random    B windows at random places, each from the zero state (PyTorch's usual recipe)
struct LmFitOptions {
    long steps = 2000;
    long eval_every = 500;
    std::size_t batch_size = 32, seq_len = 64;
    double lr = 1e-3;                                // the base learning rate η (the schedule's start)
    std::string batching = "streams";
    double clip_norm = 1.0, clip_value = 0;          // 0: off
    optim::ScheduleOptions schedule = {};
    bool progress = true;
    std::function<void(const EpochMetrics&)> on_eval = {};   // after each evaluation (print, CSV, sample)
    FitOptions::Checkpoints checkpoints = {};                 // save_every counts evaluations
    // What the run writes besides its metrics (chapters 6 and 7: the samples and their generator):
    // save_extra adds it to every checkpoint; on --resume, restore_extra gets it back with the
    // restored evaluations, which then do not go through on_eval again. So a resumed run writes
    // what an unbroken one does, not samples of the resumed model for the earlier steps.
    std::function<void(util::Checkpoint&)> save_extra = {};
    std::function<void(const util::Checkpoint&, const std::vector<EpochMetrics>& restored)> restore_extra = {};
    // Chapter 10: data-parallel training (batch_size windows in all, each process its share of them;
    // random batching only: streams carry each row's state, so their rows cannot move between processes).
    DataParallel* data_parallel = nullptr;
};

// Mean loss (nats per character) and next-character accuracy over the windows, each from the zero
// state. The model's carried state is left as it was.
Evaluation evaluate_language_model(nn::LanguageModel& model, const std::vector<data::TokenBatch>& windows);

// Trains for options.steps steps on `train` and evaluates on `validation` every eval_every steps
// (and after the last). Returns one EpochMetrics per evaluation (epoch = its number, step, train
// loss and accuracy averaged over the interval, examples_per_s in characters per second).
// A NaN or infinite loss stops with an error naming the step; with checkpoints.save set, the last
// evaluation's state is written first (the last good checkpoint), as it is on Ctrl-C.
std::vector<EpochMetrics> fit_language_model(nn::LanguageModel& model, optim::Optimizer& optimizer,
                                             std::span<const int> train,
                                             const std::vector<data::TokenBatch>& validation,
                                             const LmFitOptions& options, Rng& rng);

// Restores only the parameters of a language model's checkpoint (for --generate, or to evaluate);
// throws naming `source` when it is another model's. Returns the steps it had trained.
long load_language_model(const std::string& source, const std::string& kind, nn::LanguageModel& model);

// Continues `prompt` by `length` characters: the prompt through the model, then one character at
// a time, each sampled (sample_next, at `temperature`) from the last position's logits and fed
// back in. A recurrent model (context() = 0) reads each new character from its carried state; a
// Transformer reads the last context() characters again. The model's carried state is left as it
// was. An empty prompt starts from a newline. Throws UsageError for a character not in the corpus.
// `stop`, when given, is asked before each character; the text ends early once it says true (the
// training loop's Ctrl-C: a run that is saving and stopping should not finish a long sample first).
std::string generate_text(nn::LanguageModel& model, const data::TextCorpus& corpus, const std::string& prompt,
                          std::size_t length, double temperature, Rng& rng,
                          const std::function<bool()>& stop = {});

}  // namespace dl::train
