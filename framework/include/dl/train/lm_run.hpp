#pragma once
// What the language-model chapters (6 and 7) share around their models: the command line's text
// and sampling options and their checks, generation from a saved model, the training run with a
// sample at every evaluation, and the final report. A chapter adds its model's options, builds
// its model, and calls these in order:
//   add_language_model_options → cli.parse → read_language_model_options → (text_or_bible, model)
//   → generate_from_checkpoint (with --generate) or train_with_samples → report_language_model

#include "dl/data/text.hpp"
#include "dl/nn/language_model.hpp"
#include "dl/train/language_model.hpp"
#include "dl/train/cli.hpp"
#include "dl/util/json.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace dl::train {

struct LmRunSettings {
    std::string text;                      // --text ("" = the King James Bible)
    long steps = 0, eval_every = 0;        // after --quick
    std::size_t eval_windows = 0, seq_len = 0, sample_length = 0;
    double temperature = 0.8;
    std::string prompt;
    std::optional<std::string> generate;   // --generate PROMPT
};

// --text --steps --eval-every --eval-windows --temperature --sample-length --prompt --generate.
void add_language_model_options(boost::program_options::options_description& options, long default_steps);

// Reads them for windows of `seq_len` characters. Refuses --epochs, --data and --early-stop (with
// what to use instead), checks every value (UsageError), and applies --quick: 60 steps, an
// evaluation every 30, 64 validation windows.
LmRunSettings read_language_model_options(const train::Cli& cli, std::size_t seq_len);

// What a checkpoint of this run must match: the program, the text's alphabet and the model.
std::string checkpoint_kind(const char* program, const data::TextCorpus& corpus, const nn::LanguageModel& model);

// --resume FILE --generate PROMPT: loads the model (refusing another model's checkpoint), prints
// the PROMPT and its continuation. Throws UsageError without --resume.
void generate_from_checkpoint(nn::LanguageModel& model, const data::TextCorpus& corpus, const std::string& kind,
                              const train::CommonOptions& opt, const LmRunSettings& run, Rng& rng);

// Splits the text 90/10, prints what it trains on and the model's summary, and trains with `fit`
// (its steps, evaluations, windows and checkpoints set from the options here): every evaluation
// is a row of out/metrics.csv and prints a sample of `sample_length` characters after the prompt,
// also appended to out/samples.txt. With --resume FILE --steps 0 it evaluates the saved model.
std::vector<EpochMetrics> train_with_samples(nn::LanguageModel& model, const data::TextCorpus& corpus,
                                             const train::CommonOptions& opt, const LmRunSettings& run,
                                             LmFitOptions fit, const std::string& kind,
                                             const std::filesystem::path& out, Rng& rng);

// Prints the last validation loss (nats and bits per character, perplexity) and the speed, and
// returns summary.json's fields that every language model has; the chapter adds its model's.
util::Json report_language_model(const char* program, const train::CommonOptions& opt, const LmRunSettings& run,
                                 const std::vector<EpochMetrics>& history, nn::LanguageModel& model,
                                 const data::TextCorpus& corpus);

}  // namespace dl::train
