#pragma once
// A trained model to and from the tools a learner uses next: --export-safetensors FILE writes the
// model's tensors under the names of the equivalent PyTorch module (dl/nn/state_dict.hpp), after
// training or after --resume FILE --epochs 0; --import-safetensors FILE loads such a file (one
// PyTorch wrote, or ours) into the model before training, and with --epochs 0 (--steps 0)
// evaluates it as it is. scripts/check-in-pytorch checks both directions against PyTorch.

#include "dl/data/dataset.hpp"
#include "dl/data/text.hpp"
#include "dl/nn/language_model.hpp"
#include "dl/nn/state_dict.hpp"
#include "dl/train/cli.hpp"

#include <map>
#include <string>
#include <vector>

namespace dl::train {

// --export-safetensors FILE, --import-safetensors FILE and --export-logits FILE, among the
// chapter's options.
void add_exchange_options(Cli& cli);
// --export-safetensors FILE alone, for the chapters that train several models (1, 3 and 4): each
// run's model goes to FILE with "-<run>" before its extension, as their checkpoints do
// (run_checkpoint_path: runs/m.safetensors → runs/m-dropout.safetensors). With several models
// there is no one model to import into: those chapters take no --import-safetensors.
void add_export_option(Cli& cli);
// Before anything is written: refuses --import-safetensors with --resume (both would set the
// weights), a file to import that cannot be read, and a file to export that could not be written.
void check_exchange_options(const Cli& cli);
// Writes run `run`'s model to its file of --export-safetensors (if given), and says so.
void export_run_weights(const Cli& cli, const std::string& run, const std::vector<nn::StateEntry>& entries,
                        const std::map<std::string, std::string>& metadata);
// Loads --import-safetensors (if given) into the model's entries, and says so. `expected` is the
// metadata this run would export (classifier_metadata, language_model_metadata): where the file
// has the same key, it must agree (the alphabet, the GELU, the heads, the pixels' scaling, the
// classes: what the weights were trained with and their shapes cannot tell), or it is refused.
void import_weights(const Cli& cli, const std::vector<nn::StateEntry>& entries,
                    const std::map<std::string, std::string>& expected);
// Writes --export-safetensors (if given) with `metadata` (how to rebuild the model and prepare its
// input: see scripts/check-in-pytorch), and says so.
void export_weights(const Cli& cli, const std::vector<nn::StateEntry>& entries,
                    const std::map<std::string, std::string>& metadata);

// --export-logits FILE (if given): what the model computes, for a check against PyTorch with the
// same weights (scripts/check-in-pytorch), as a safetensors file. A classifier's: "logits"
// [N, classes] for the N test images in the test file's order (the first N, with --quick).
void export_logits(const Cli& cli, nn::Sequential& model, const data::Dataset& test);
// A language model's: "ids" [W, T] (W windows of T characters from the start of the text, as
// floats; T = 125, or the context if shorter, and W·T >= 1,000), each window from the zero state,
// and "logits" [W·T, V].
void export_logits(const Cli& cli, nn::LanguageModel& model, const data::TextCorpus& corpus);

// What a classifier's file says about itself, as metadata: the equivalent torch.nn.Sequential
// ("pytorch_modules"; a Logistic layer, which must be the last, is "Linear(n, 1); Sigmoid()"), one example's shape ("input_shape": "1,28,28"), how the pixels are prepared
// ("input_mean", "input_std": x = (pixel / 255 - mean) / std; 0 and 1 for raw pixels) and the
// class names ("classes", comma-separated), and the program that wrote it.
std::map<std::string, std::string> classifier_metadata(const char* program, nn::Sequential& model,
                                                       const data::Dataset& data, const data::Standardization& scaling);
// A language model's: its PyTorch module and arguments (LanguageModel::pytorch_module), the
// alphabet ("alphabet": character i of this UTF-8 text is id i), and the program that wrote it.
std::map<std::string, std::string> language_model_metadata(const char* program, const nn::LanguageModel& model,
                                                           const data::TextCorpus& corpus);

}  // namespace dl::train
