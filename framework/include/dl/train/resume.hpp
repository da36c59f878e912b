#pragma once
// Everything the training loop (dl/train/loop.hpp) needs to continue a run exactly, to and from a checkpoint file
// (dl/util/checkpoint.hpp): the model's parameters, buffers and layer generators (dropout's),
// the optimizer's state, the shuffling generator and the last epoch's order of the examples, the
// epoch and step counts, the metrics so far, and early stopping's state with its best weights.
// Saved between epochs, so training N epochs equals training k, saving, and resuming for N − k,
// bit for bit on one thread.

#include "dl/data/batches.hpp"
#include "dl/nn/language_model.hpp"
#include "dl/nn/sequential.hpp"
#include "dl/ops/early_stopping.hpp"
#include "dl/optim/optimizer.hpp"
#include "dl/rng.hpp"
#include "dl/train/loop.hpp"
#include "dl/train/trainer.hpp"
#include "dl/util/checkpoint.hpp"

#include <optional>
#include <string>
#include <vector>

namespace dl::train {

// The checkpoint of a run after run.epoch epochs. `kind` names the model (the program and its
// summary); the optimizer's name is added to it.
util::Checkpoint make_run_checkpoint(const std::string& kind, nn::Sequential& model, optim::Optimizer& optimizer,
                                     const Rng& rng, const data::BatchIterator& batches, const RunState& run);

// Restores model, optimizer, rng and batches from `checkpoint` and returns the run's state. Throws
// dl::Error naming `source` when the checkpoint is another model's or another optimizer's (its kind
// differs), or its tensors do not fit this model.
RunState restore_run_checkpoint(const util::Checkpoint& checkpoint, const std::string& source, const std::string& kind,
                                nn::Sequential& model, optim::Optimizer& optimizer, Rng& rng,
                                data::BatchIterator& batches);

// A second model with its own optimizer in the same checkpoint (chapter 9: the GAN's generator
// beside its discriminator, which make_run_checkpoint saves with the run): its parameters,
// buffers, optimizer state and layer generators, each entry's name prefixed by `name` and a dot,
// and a line naming its optimizer added to the checkpoint's kind. To restore, restore the second
// model first (it throws naming `source` when the checkpoint has no such model or it does not fit),
// then give without_second_model(checkpoint) to restore_run_checkpoint.
void put_second_model(util::Checkpoint& c, const std::string& name, nn::Sequential& model,
                      const optim::Optimizer& optimizer);
void restore_second_model(const util::Checkpoint& c, const std::string& source, const std::string& name,
                          nn::Sequential& model, optim::Optimizer& optimizer);
util::Checkpoint without_second_model(util::Checkpoint c, const std::string& name);

// A language model's run (dl/train/language_model.hpp) between evaluations: the steps, the
// evaluations done, the stream batches' position and the carried recurrent state.
struct LmRunState {
    long step = 0;
    int evaluations = 0;
    std::size_t position = 0;
    std::vector<Tensor> carried;
    std::vector<EpochMetrics> history;
};

// What else a program keeps in its run's checkpoint (chapters 6 and 7: the samples written so far
// and their generator): a generator's state, and a text (one float per byte, exact), by name. The
// readers return nothing when the checkpoint has no such entry, and throw naming `source` when
// it is malformed.
void put_rng(util::Checkpoint& c, const std::string& name, const RngState& state);
std::optional<RngState> read_rng(const util::Checkpoint& c, const std::string& name, const std::string& source);
void put_text(util::Checkpoint& c, const std::string& name, const std::string& text);
std::optional<std::string> read_text(const util::Checkpoint& c, const std::string& name, const std::string& source);

util::Checkpoint make_lm_checkpoint(const std::string& kind, nn::LanguageModel& model, optim::Optimizer& optimizer,
                                    const Rng& rng, const LmRunState& run);
// With optimizer and rng null, only the parameters are restored (and the kind is compared
// without the optimizer's name): for --generate and evaluation.
LmRunState restore_lm_checkpoint(const util::Checkpoint& checkpoint, const std::string& source, const std::string& kind,
                                 nn::LanguageModel& model, optim::Optimizer* optimizer, Rng* rng);

}  // namespace dl::train
