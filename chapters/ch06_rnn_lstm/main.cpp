// Chapter 6: a character-level language model of the King James Bible (or any text, --text FILE):
//   Embedding(V, 64) → LSTM(256) → Dense(V), trained with Adam 2e-3 and clipping at norm 1 on
//   batches of 32 windows of 64 characters for 3,000 steps, with chapter 3's cosine schedule:
//   1.417 nats per character on the validation text (one thread, seed 42).
// Prints the validation loss in nats and bits per character and a generated sample at every
// evaluation. The windows are drawn at random and each starts from the zero state, as the
// evaluation's do; --batching streams trains by truncated backpropagation through time instead
// (the state carried from batch to batch: 1.450 after the same 3,000 steps, because a model that
// always has the previous batch's state to lean on is then measured from a zero state).
// --lr-schedule none --steps 2000 is the recipe of PyTorch running the same model
// (bench/lstm-side-by-side).
//
// Other modes:
//   --resume FILE --generate "PROMPT"   continue PROMPT with a saved model (no training)
//   --mode gradients                    the vanishing gradient: how much of the loss's gradient at the
//                                       last step reaches the input k steps back, RNN against LSTM
//
// Writes to --out: metrics.csv (a row per evaluation, with its step), summary.json, curves.png,
// samples.txt; in gradients mode gradients.csv and gradients.png.
#include "dl/data/text.hpp"
#include "dl/nn/language_model.hpp"
#include "dl/ops/softmax_cross_entropy.hpp"
#include "dl/train/language_model.hpp"
#include "dl/train/lm_run.hpp"
#include "dl/train/metrics.hpp"
#include "dl/train/cli.hpp"
#include "dl/train/exchange.hpp"
#include "dl/util/json.hpp"
#include "dl/util/plot.hpp"
#include "dl/util/progress.hpp"

#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <numbers>

using namespace dl;
namespace po = boost::program_options;

namespace {

constexpr const char* program = "ch06_rnn_lstm";

// ‖∂L/∂x_(T−1−k)‖ for k = 0 .. T−1, L the loss of the last step only, averaged over the batch's
// rows: how much of the gradient travels k steps back through the recurrence.
std::vector<double> gradient_reach(nn::RecurrentLm& model, const data::TokenBatch& batch) {
    const std::size_t B = batch.batch, T = batch.steps, V = model.vocab_size();
    const Tensor& logits = model.forward(batch.inputs, B, T, false);
    Tensor last({B, V}), P, dlast;
    std::vector<int> targets(B);
    for (std::size_t n = 0; n < B; ++n) {
        std::copy_n(logits.row(n * T + T - 1).begin(), V, last.row(n).begin());
        targets[n] = batch.targets[n * T + T - 1];
    }
    softmax_cross_entropy_forward(P, last, targets);
    softmax_cross_entropy_backward(dlast, P, targets);
    Tensor dlogits({B * T, V});
    for (std::size_t n = 0; n < B; ++n) std::copy_n(dlast.row(n).begin(), V, dlogits.row(n * T + T - 1).begin());
    for (auto* p : model.parameters()) p->zero_grad();
    model.backward(dlogits);
    const Tensor& dx = model.embedded_grad();   // [B, T, D]
    const std::size_t D = dx.dim(2);
    std::vector<double> reach(T, 0.0);
    for (std::size_t k = 0; k < T; ++k) {
        for (std::size_t n = 0; n < B; ++n) {
            double sq = 0;
            for (std::size_t d = 0; d < D; ++d) {
                const auto v = static_cast<double>(dx[(n * T + (T - 1 - k)) * D + d]);
                sq += v * v;
            }
            reach[k] += std::sqrt(sq) / static_cast<double>(B);
        }
    }
    return reach;
}

// Both cells, at initialisation and after `train_steps` steps of training (Adam, clipping, streams
// of the text, as the chapter trains): the gradient reaching k steps back, relative to k = 0.
int gradients_mode(const train::CommonOptions& opt, const data::TextCorpus& corpus, const nn::RecurrentLmOptions& base,
                   long train_steps, const std::filesystem::path& out, util::PlotMode plot_mode) {
    const std::size_t window = 100;
    Rng data_rng(opt.seed);
    data::TokenBatch batch;
    const data::TextSplit split = data::split_by_position(corpus.ids, 0.9);
    data::random_windows(batch, split.validation, opt.batch_size, window, data_rng);
    const auto validation = data::evaluation_windows(split.validation, 64, opt.batch_size, 64);
    util::Panel panel{"gradient reaching k steps back (loss at the last step only)", "k (steps back)",
                      "mean ||dL/dx(T-1-k)|| / mean ||dL/dx(T-1)||", {}, true};
    std::filesystem::create_directories(out);
    std::ostringstream csv;
    csv << "cell,trained_steps,k,gradient_norm,relative\n";
    for (const std::string cell : {"rnn", "lstm"}) {
        Rng rng(opt.seed);
        nn::RecurrentLmOptions o = base;
        o.cell = cell;
        nn::RecurrentLm model(corpus.vocab_size(), o, rng);
        for (const long trained : {0L, train_steps}) {
            if (trained > 0) {
                auto optimizer = optim::make_optimizer(opt.optimizer_options());
                std::cout << cell << ": training " << trained << " steps..." << std::endl;
                train::fit_language_model(model, *optimizer, split.train, validation,
                                          {.steps = trained, .eval_every = trained, .batch_size = opt.batch_size,
                                           .seq_len = 64, .lr = opt.lr, .clip_norm = opt.clip_norm, .progress = false},
                                          rng);
            }
            const std::vector<double> reach = gradient_reach(model, batch);
            const std::string name = std::string(cell == "rnn" ? "vanilla RNN (tanh)" : "LSTM") +
                                     (trained == 0 ? ", initialised" : ", after " + std::to_string(trained) + " steps");
            util::Series s{name, {}, {}};
            for (std::size_t k = 0; k < reach.size(); ++k) {
                csv << cell << ',' << trained << ',' << k << ',' << reach[k] << ',' << reach[k] / reach[0] << '\n';
                s.x.push_back(static_cast<double>(k)), s.y.push_back(reach[k] / reach[0]);
            }
            std::cout << name << ": the gradient 10 steps back is " << std::setprecision(2) << reach[10] / reach[0]
                      << " of the last step's, 50 back " << reach[50] / reach[0] << ", 99 back " << reach[99] / reach[0]
                      << std::endl;
            panel.series.push_back(std::move(s));
        }
    }
    util::write_file_atomically(out / "gradients.csv", csv.str());
    const bool plotted = util::plot_panels({panel}, out / "gradients.png", plot_mode,
                                           "the vanishing gradient: " + std::to_string(opt.batch_size) +
                                               " windows of 100 characters",
                                           (out / "gradients.csv").string());
    std::cout << "wrote " << (out / "gradients.csv").string();
    if (plotted && plot_mode == util::PlotMode::png) std::cout << ", " << (out / "gradients.png").string();
    std::cout << '\n';
    return 0;
}

int run(int argc, const char* const argv[]) {
    train::Cli cli(program, "a character-level LSTM language model of the King James Bible (chapter 6)",
                  {.epochs = 1, .batch_size = 32, .lr = 2e-3, .optimizer = "adam", .schedule = {.kind = "cosine"},
                   .clip_norm = 1.0});
    train::add_language_model_options(cli.chapter_options(), 3000);
    cli.chapter_options().add_options()
        ("mode", po::value<std::string>()->default_value("train"), "train|gradients (the vanishing gradient, RNN vs LSTM)")
        ("cell", po::value<std::string>()->default_value("lstm"), "lstm|rnn: the recurrent layers' cell")
        ("embed", po::value<std::size_t>()->default_value(64), "embedding size D")
        ("hidden", po::value<std::size_t>()->default_value(256), "hidden units H per recurrent layer")
        ("layers", po::value<std::size_t>()->default_value(1), "recurrent layers")
        ("seq-len", po::value<std::size_t>()->default_value(64), "time steps T per sequence (BPTT length)")
        ("batching", po::value<std::string>()->default_value("random"),
         "random (windows at random places, each from the zero state) | streams (truncated BPTT: the state carried)")
        ("gradient-steps", po::value<long>()->default_value(1000),
         "--mode gradients: measure again after this many steps of training");
    train::add_exchange_options(cli);
    if (!cli.parse(argc, argv)) return 0;
    const train::CommonOptions& opt = cli.common();
    const train::LmRunSettings run = train::read_language_model_options(cli, cli.get<std::size_t>("seq-len"));
    const nn::RecurrentLmOptions model_options{.cell = cli.get<std::string>("cell"), .embed = cli.get<std::size_t>("embed"),
                                               .hidden = cli.get<std::size_t>("hidden"),
                                               .layers = cli.get<std::size_t>("layers")};
    const std::string mode = cli.get<std::string>("mode");
    if (mode != "train" && mode != "gradients") DL_THROW(UsageError, "--mode must be train or gradients, got '" << mode << "'");
    const std::string batching = cli.get<std::string>("batching");
    if (batching != "random" && batching != "streams")
        DL_THROW(UsageError, "--batching must be random or streams, got '" << batching << "'");
    const std::filesystem::path out = opt.out;
    const util::PlotMode plot_mode = util::parse_plot_mode(opt.plot);

    // Check everything that can fail on bad input before writing to --out.
    optim::make_optimizer(opt.optimizer_options());
    const data::TextCorpus corpus = data::text_or_bible(run.text);
    train::check_exchange_options(cli);
    Rng rng(opt.seed);
    nn::RecurrentLm model(corpus.vocab_size(), model_options, rng);
    const std::string kind = train::checkpoint_kind(program, corpus, model);

    if (mode == "gradients")
        return gradients_mode(opt, corpus, model_options, opt.quick ? 20 : cli.get<long>("gradient-steps"), out, plot_mode);
    if (run.generate) {
        train::generate_from_checkpoint(model, corpus, kind, opt, run, rng);
        return 0;
    }

    const train::LmFitOptions fit{.batching = batching, .clip_norm = opt.clip_norm,
                                  .clip_value = opt.clip_value, .schedule = opt.schedule};
    train::import_weights(cli, model.state_dict(), train::language_model_metadata(program, model, corpus));
    const auto history = train::train_with_samples(model, corpus, opt, run, fit, kind, out, rng);
    train::export_weights(cli, model.state_dict(), train::language_model_metadata(program, model, corpus));
    train::export_logits(cli, model, corpus);
    util::Json summary = train::report_language_model(program, opt, run, history, model, corpus);
    summary.set("cell", model_options.cell).set("hidden", static_cast<std::int64_t>(model_options.hidden));
    summary.set("embed", static_cast<std::int64_t>(model_options.embed)).set("layers", static_cast<std::int64_t>(model_options.layers));
    summary.set("batching", fit.batching);
    util::write_file_atomically(out / "summary.json", summary.dump());

    const bool plotted = train::plot_training_curves({{model_options.cell == "lstm" ? "LSTM" : "RNN", history}},
                                                     out / "curves.png", plot_mode,
                                                     "character language model: loss in nats/char, by evaluation",
                                                     (out / "metrics.csv").string(), /*by_step=*/true);
    std::cout << "wrote " << (out / "metrics.csv").string() << ", " << (out / "summary.json").string() << ", "
              << (out / "samples.txt").string();
    if (plotted && plot_mode == util::PlotMode::png) std::cout << ", " << (out / "curves.png").string();
    std::cout << '\n';
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return train::run_main(program, [&] { return run(argc, argv); });
}
