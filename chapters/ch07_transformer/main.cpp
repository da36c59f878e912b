// Chapter 7: a character-level Transformer (decoder-only, GPT's shape) on the King James Bible (or
// any text, --text FILE): 4 blocks of 4-head causal self-attention and a 4x MLP, width 128, a
// context of 128 characters, learned position embeddings; AdamW 1e-3 (weight decay 0.01) with 100
// warm-up steps and cosine decay, clipping at norm 1, batches of 32 random windows, 2,000 steps.
// Prints the validation loss in nats and bits per character and a generated sample at every
// evaluation, and draws what the last block's heads attend to in a sentence.
// --optimizer adam --lr-schedule none --warmup-steps 0 --weight-decay 0 is the recipe of PyTorch
// running the same model (bench/transformer-side-by-side; with adam a weight decay would be
// chapter 4's L2 penalty).
//
// Other modes:
//   --resume FILE --generate "PROMPT"   continue PROMPT with a saved model (no training)
//
// Writes to --out: metrics.csv (a row per evaluation, with its step), summary.json, curves.png,
// samples.txt, attention.png (the attention maps) and attention.csv (their weights).
#include "dl/data/text.hpp"
#include "dl/nn/transformer.hpp"
#include "dl/train/lm_run.hpp"
#include "dl/train/metrics.hpp"
#include "dl/train/cli.hpp"
#include "dl/train/exchange.hpp"
#include "dl/util/json.hpp"
#include "dl/util/plot.hpp"
#include "dl/util/progress.hpp"

#include <cmath>
#include <fstream>
#include <iostream>
#include <numbers>

using namespace dl;
namespace po = boost::program_options;

namespace {

constexpr const char* program = "ch07_transformer";

// Every head of layer `layer` on `sentence`: the weights each position gives the ones before it.
// Writes attention.csv (layer, head, query, key, weight) and attention.png.
void draw_attention(nn::TransformerLm& model, const data::TextCorpus& corpus, const std::string& sentence,
                    std::size_t layer, const std::filesystem::path& out, util::PlotMode plot_mode) {
    std::vector<int> ids = corpus.encode(sentence, "--attention-text");
    if (ids.size() > model.context()) ids.resize(model.context());
    const std::size_t T = ids.size(), heads = model.options().heads;
    model.forward(ids, 1, T, false);
    const Tensor& P = model.attention_weights(layer);   // [heads, T, T]
    std::vector<std::string> labels;
    for (const int id : ids) labels.push_back(corpus.decode(std::vector<int>{id}));
    std::ostringstream csv;
    csv << "layer,head,query,key,weight\n";
    std::vector<util::HeatMap> maps;
    for (std::size_t h = 0; h < heads; ++h) {
        util::HeatMap map{"layer " + std::to_string(layer + 1) + ", head " + std::to_string(h + 1), T, T, {}, labels,
                          labels};
        for (std::size_t i = 0; i < T; ++i)
            for (std::size_t j = 0; j < T; ++j) {
                const float w = P[(h * T + i) * T + j];
                map.values.push_back(w);
                if (j <= i) csv << layer + 1 << ',' << h + 1 << ',' << i << ',' << j << ',' << w << '\n';
            }
        maps.push_back(std::move(map));
    }
    util::write_file_atomically(out / "attention.csv", csv.str());
    util::plot_heat_maps(maps, out / "attention.png", plot_mode,
                         "what each position attends to (row: the query; column: the key; causal, so below the diagonal)");
}

int run(int argc, const char* const argv[]) {
    train::Cli cli(program, "a character-level Transformer language model of the King James Bible (chapter 7)",
                  {.epochs = 1, .batch_size = 32, .lr = 1e-3, .optimizer = "adamw", .weight_decay = 0.01,
                   .schedule = {.kind = "cosine", .warmup_steps = 100}, .clip_norm = 1.0});
    train::add_language_model_options(cli.chapter_options(), 2000);
    cli.chapter_options().add_options()
        ("layers", po::value<std::size_t>()->default_value(4), "Transformer blocks")
        ("heads", po::value<std::size_t>()->default_value(4), "attention heads per block (they split --width)")
        ("width", po::value<std::size_t>()->default_value(128), "d_model: the width C of every position's vector")
        ("context", po::value<std::size_t>()->default_value(128), "the most characters the model sees at once")
        ("positions", po::value<std::string>()->default_value("learned"),
         "learned (a trained vector per position) | sinusoidal (fixed sines and cosines)")
        ("gelu", po::value<std::string>()->default_value("erf"),
         "erf (the exact GELU, PyTorch's default) | tanh (GPT-2's approximation)")
        ("seq-len", po::value<std::size_t>()->default_value(0), "characters per training window (0: the context)")
        ("attention-text", po::value<std::string>()->default_value("And God said, Let there be light: and there was light."),
         "the sentence whose attention maps attention.png draws")
        ("attention-layer", po::value<std::size_t>()->default_value(0), "the block whose heads it draws (0: the last)");
    train::add_exchange_options(cli);
    if (!cli.parse(argc, argv)) return 0;
    const train::CommonOptions& opt = cli.common();
    const nn::TransformerLmOptions model_options{.layers = cli.get<std::size_t>("layers"),
                                                 .heads = cli.get<std::size_t>("heads"),
                                                 .width = cli.get<std::size_t>("width"),
                                                 .context = cli.get<std::size_t>("context"),
                                                 .positions = cli.get<std::string>("positions"),
                                                 .gelu = cli.get<std::string>("gelu")};
    const std::size_t seq_len = cli.get<std::size_t>("seq-len") == 0 ? model_options.context : cli.get<std::size_t>("seq-len");
    if (seq_len > model_options.context)
        DL_THROW(UsageError, "--seq-len " << seq_len << " is longer than the --context " << model_options.context
                                          << ": the model sees at most its context");
    const train::LmRunSettings run = train::read_language_model_options(cli, seq_len);
    optim::ScheduleOptions schedule = opt.schedule;
    if (opt.quick) schedule.warmup_steps = std::min(schedule.warmup_steps, 6L);   // a warm-up of 100 would never end
    std::size_t attention_layer = cli.get<std::size_t>("attention-layer");
    if (attention_layer > model_options.layers)
        DL_THROW(UsageError, "--attention-layer " << attention_layer << ": the model has " << model_options.layers
                                                  << " blocks (1.." << model_options.layers << ", or 0 for the last)");
    attention_layer = (attention_layer == 0 ? model_options.layers : attention_layer) - 1;
    const std::filesystem::path out = opt.out;
    const util::PlotMode plot_mode = util::parse_plot_mode(opt.plot);

    // Check everything that can fail on bad input before writing to --out.
    optim::make_optimizer(opt.optimizer_options());
    const data::TextCorpus corpus = data::text_or_bible(run.text);
    train::check_exchange_options(cli);
    Rng rng(opt.seed);
    nn::TransformerLm model(corpus.vocab_size(), model_options, rng);
    const std::string kind = train::checkpoint_kind(program, corpus, model);
    if (run.generate) {
        train::generate_from_checkpoint(model, corpus, kind, opt, run, rng);
        return 0;
    }
    const std::string attention_text = cli.get<std::string>("attention-text");
    corpus.encode(attention_text, "--attention-text");

    const train::LmFitOptions fit{.batching = "random", .clip_norm = opt.clip_norm, .clip_value = opt.clip_value,
                                  .schedule = schedule};
    train::import_weights(cli, model.state_dict(), train::language_model_metadata(program, model, corpus));
    const auto history = train::train_with_samples(model, corpus, opt, run, fit, kind, out, rng);
    train::export_weights(cli, model.state_dict(), train::language_model_metadata(program, model, corpus));
    train::export_logits(cli, model, corpus);
    util::Json summary = train::report_language_model(program, opt, run, history, model, corpus);
    summary.set("layers", static_cast<std::int64_t>(model_options.layers));
    summary.set("heads", static_cast<std::int64_t>(model_options.heads)).set("width", static_cast<std::int64_t>(model_options.width));
    summary.set("context", static_cast<std::int64_t>(model_options.context)).set("positions", model_options.positions);
    summary.set("gelu", model_options.gelu);
    util::write_file_atomically(out / "summary.json", summary.dump());

    draw_attention(model, corpus, attention_text, attention_layer, out, plot_mode);
    const bool plotted = train::plot_training_curves({{"Transformer", history}}, out / "curves.png", plot_mode,
                                                     "character Transformer: loss in nats/char, by evaluation",
                                                     (out / "metrics.csv").string(), /*by_step=*/true);
    std::cout << "wrote " << (out / "metrics.csv").string() << ", " << (out / "summary.json").string() << ", "
              << (out / "samples.txt").string() << ", " << (out / "attention.csv").string();
    if (plotted && plot_mode == util::PlotMode::png)
        std::cout << ", " << (out / "curves.png").string() << ", " << (out / "attention.png").string();
    std::cout << '\n';
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return train::run_main(program, [&] { return run(argc, argv); });
}
