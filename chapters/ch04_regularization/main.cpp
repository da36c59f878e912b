// Chapter 4: regularization.
//
// An over-sized MLP (784-512-512-10, ReLU) trained on a small part of Fashion-MNIST (1,000 images)
// overfits: its training accuracy runs to 100% while the validation accuracy stalls. It is trained
// again with each regularizer alone (weight decay, dropout, batch norm, early stopping, random
// shifts of the images) and with all of them, each run from the same initial weights on the same
// batches. Writes to --out: metrics.csv (one run per regularizer), summary.json (the headline is the
// run with all of them), curves.png (training and validation accuracy, validation loss).
#include "dl/data/fashion_mnist.hpp"
#include "dl/nn/loss.hpp"
#include "dl/nn/models.hpp"
#include "dl/ops/augment.hpp"
#include "dl/train/exchange.hpp"
#include "dl/train/runs.hpp"
#include "dl/util/plot.hpp"
#include "dl/util/progress.hpp"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <sstream>

using namespace dl;
namespace po = boost::program_options;

namespace {

constexpr const char* program = "ch04_regularization";

// One run's regularizers.
struct Regime {
    std::string name;
    double weight_decay = 0;   // AdamW's decoupled decay (chapter 3), λ
    double dropout = 0;        // after each hidden activation
    bool batch_norm = false;   // after each hidden Dense layer
    int early_stop = 0;        // patience, epochs
    int shift = 0;             // random shifts of up to this many pixels
};

const std::vector<Regime>& regimes() {
    static const std::vector<Regime> all{
        {"none"},
        {"weight_decay", 0.05},
        {"dropout", 0, 0.5},
        {"batch_norm", 0, 0, true},
        {"early_stop", 0, 0, false, 10},
        {"augment", 0, 0, false, 0, 2},
        {"all", 0.05, 0.5, true, 10, 2},
    };
    return all;
}

// "(λ 0.05, dropout 0.5, ...)": the run's settings, for its line of output.
std::string describe(const Regime& r) {
    std::ostringstream out;
    if (r.weight_decay > 0) out << "AdamW λ " << r.weight_decay << ", ";
    if (r.dropout > 0) out << "dropout " << r.dropout << ", ";
    if (r.batch_norm) out << "batch norm, ";
    if (r.early_stop > 0) out << "early stop, patience " << r.early_stop << ", ";
    if (r.shift > 0) out << "shifts up to " << r.shift << " px, ";
    std::string text = out.str();
    return text.empty() ? "(no regularizer)" : "(" + text.substr(0, text.size() - 2) + ")";
}

std::vector<Regime> parse_runs(const std::string& text) {
    if (text == "all") return regimes();
    std::vector<Regime> chosen;
    std::stringstream in(text);
    for (std::string name; std::getline(in, name, ',');) {
        const auto it = std::find_if(regimes().begin(), regimes().end(), [&](const Regime& r) { return r.name == name; });
        if (it == regimes().end()) {
            std::string known;
            for (const auto& r : regimes()) known += (known.empty() ? "" : "|") + r.name;
            DL_THROW(UsageError, "--runs: unknown run '" << name << "' (choose all, or a list of " << known << ")");
        }
        chosen.push_back(*it);
    }
    if (chosen.empty()) DL_THROW(UsageError, "--runs names no run: give one or more of the runs --help lists");
    return chosen;
}

// What the comparison shows of a run besides its history: its best validation accuracy (and
// when), the weights it ends with, and the gap between training and validation at the end.
struct RunSummary {
    double best_val_acc = 0, gap = 0;
    int best_epoch = 0, kept_epoch = 0;
};

int run(int argc, const char* const argv[]) {
    train::Cli cli(program, "regularization: an over-sized MLP on 1,000 images, with and without each regularizer (chapter 4)",
                  {.epochs = 60, .batch_size = 32, .lr = 0.001, .optimizer = "adam"});
    cli.chapter_options().add_options()
        ("runs", po::value<std::string>()->default_value("all"),
         "all, or some of none,weight_decay,dropout,batch_norm,early_stop,augment,all (comma-separated)")
        ("train-size", po::value<int>()->default_value(1000), "training images (a small set, to overfit)")
        ("hidden", po::value<int>()->default_value(512), "width of the two hidden layers");
    train::add_export_option(cli);
    if (!cli.parse(argc, argv)) return 0;
    const train::CommonOptions& opt = cli.common();
    const int train_size = cli.get<int>("train-size"), hidden = cli.get<int>("hidden");
    if (train_size < 1) DL_THROW(UsageError, "--train-size must be at least 1, got " << train_size);
    if (hidden < 1) DL_THROW(UsageError, "--hidden must be at least 1, got " << hidden);
    const std::vector<Regime> chosen = parse_runs(cli.get<std::string>("runs"));
    std::vector<std::string> run_names;
    for (const Regime& r : chosen) run_names.push_back(r.name);
    train::Runs runs(program, opt, run_names);   // --save/--resume: a checkpoint per run
    train::check_exchange_options(cli);
    const bool decays = std::any_of(chosen.begin(), chosen.end(), [](const Regime& r) { return r.weight_decay > 0; });
    if (decays && (opt.optimizer == "adamw" || opt.weight_decay > 0))
        DL_THROW(UsageError, "the weight_decay and all runs set the weight decay themselves (AdamW, λ = 0.05): "
                             "leave --optimizer and --weight-decay as they are, or leave those runs out with --runs");
    const int epochs = cli.capped_by_quick(opt.epochs, 5);
    const std::filesystem::path out = opt.out;
    const util::PlotMode plot_mode = util::parse_plot_mode(opt.plot);

    // Check everything that can fail on bad input before writing to --out.
    data::ImageSplits fashion = train::check_optimizer_and_load_images(opt);
    const data::Standardization standard = data::standardize(fashion);
    // The first train_size images of the (already shuffled) training set.
    std::vector<std::size_t> first(std::min<std::size_t>(static_cast<std::size_t>(train_size), fashion.train.size()));
    std::iota(first.begin(), first.end(), std::size_t{0});
    const data::Dataset small = data::subset(fashion.train, first);
    std::cout << "Fashion-MNIST: " << small.size() << " training images (of " << fashion.train.size() << "), "
              << fashion.validation.size() << " validation, " << fashion.test.size() << " test; " << epochs
              << " epochs of " << opt.optimizer << " at lr " << opt.lr << "\n\n";

    nn::SoftmaxCrossEntropy loss;
    std::vector<RunSummary> summaries;   // one per run of runs.results(), in its order
    std::size_t params = 0;
    for (const Regime& r : chosen) {
        Rng rng(opt.seed);   // the same initial weights and batches for every run
        nn::Sequential model =
            nn::mlp(small.example_shape(), {static_cast<std::size_t>(hidden), static_cast<std::size_t>(hidden)},
                    static_cast<std::size_t>(small.num_classes), nn::Activation::relu, rng,
                    {.dropout = r.dropout, .batch_norm = r.batch_norm});
        if (!r.batch_norm) params = count_parameters(model);   // batch norm adds 4 per hidden unit
        optim::OptimizerOptions o = opt.optimizer_options();
        if (r.weight_decay > 0) {
            o.name = "adamw";
            o.weight_decay = r.weight_decay;
        }
        auto optimizer = optim::make_optimizer(o);
        train::FitOptions fit =
            runs.fit_options(r.name, {.epochs = epochs, .batch_size = opt.batch_size, .progress = false},
                                  std::to_string(small.size()) + " training images\n" + nn::summary(model));
        if (r.early_stop > 0) fit.early_stop_patience = r.early_stop;
        if (r.shift > 0) {
            // The shifted-in border must be background: a 0 pixel, which standardised is -mean/stddev.
            // So shift x - background (whose border fills with 0) and add the background back.
            const float background = -standard.mean / standard.stddev;
            fit.augment = [shift = r.shift, background, g = Rng(opt.seed + 1)](Tensor& x) mutable {
                for (auto& v : x) v -= background;
                random_shift(x, shift, g);
                for (auto& v : x) v += background;
            };
        }
        std::cout << "  " << std::left << std::setw(13) << r.name << std::right << describe(r) << ": " << std::flush;
        train::RunResult run{r.name};
        RunSummary s;
        try {
            run.history = train::fit(model, loss, *optimizer, small, fashion.validation, fit, rng);
        } catch (const NotImplemented& e) {   // a learner's exercise not written yet: the other runs still go
            std::cout << "skipped, it needs an exercise not written yet (" << e.what()
                      << "); leave it out with --runs\n";
            continue;
        }
        const std::vector<train::EpochMetrics>& history = run.history;
        for (const auto& m : history)
            if (m.val_acc > s.best_val_acc) s.best_val_acc = m.val_acc, s.best_epoch = m.epoch;
        s.gap = history.back().train_acc - history.back().val_acc;
        // The weights the run ends with: the last epoch's, or early stopping's best by validation loss.
        s.kept_epoch = static_cast<int>(history.size());
        if (r.early_stop > 0 || opt.early_stop > 0) {
            double best_loss = history.front().val_loss;
            s.kept_epoch = 1;
            for (const auto& m : history)
                if (m.val_loss < best_loss) best_loss = m.val_loss, s.kept_epoch = m.epoch;
        }
        const auto test = train::evaluate(model, loss, fashion.test);
        run.test_accuracy = test.accuracy, run.test_loss = test.loss;
        std::cout << history.size() << " epochs, best validation accuracy " << util::format_fixed(s.best_val_acc, 4)
                  << " (epoch " << s.best_epoch << "), weights of epoch " << s.kept_epoch << " kept, test "
                  << util::format_fixed(run.test_accuracy, 4) << '\n';
        run.details.set("best_val_accuracy", s.best_val_acc)
            .set("best_epoch", s.best_epoch)
            .set("epochs_run", static_cast<int>(history.size()))
            .set("kept_epoch", s.kept_epoch)
            .set("final_train_accuracy", history.back().train_acc)
            .set("final_val_accuracy", history.back().val_acc)
            .set("gap", s.gap)
            .set("test_accuracy", run.test_accuracy);
        train::export_run_weights(cli, r.name, nn::state_dict(model),
                                  train::classifier_metadata(program, model, fashion.test, standard));
        runs.add(std::move(run));
        summaries.push_back(s);
    }
    const std::vector<train::RunResult>& results = runs.results();

    std::cout << "\n  run            best val acc  epoch   kept  final train  final val    gap   test acc\n";
    for (std::size_t i = 0; i < results.size(); ++i) {
        const train::RunResult& r = results[i];
        const RunSummary& s = summaries[i];
        std::cout << "  " << std::left << std::setw(13) << r.name << std::right << std::setw(14)
                  << util::format_fixed(s.best_val_acc, 4) << std::setw(7) << s.best_epoch << std::setw(7)
                  << s.kept_epoch << std::setw(13)
                  << util::format_fixed(r.history.back().train_acc, 4) << std::setw(11)
                  << util::format_fixed(r.history.back().val_acc, 4) << std::setw(7) << util::format_fixed(s.gap, 3)
                  << std::setw(11) << util::format_fixed(r.test_accuracy, 4) << '\n';
    }

    DL_CHECK(!results.empty(), "every run needs an exercise not written yet: see the lines above");
    const train::RunResult& headline = runs.find("all") ? *runs.find("all") : results.back();
    util::Json summary = train::summary_header(program, opt);
    summary.set("headline_run", headline.name).set("test_accuracy", headline.test_accuracy);
    summary.set("test_loss", headline.test_loss).set("val_loss", headline.history.back().val_loss);
    summary.set("params", params).set("train_size", static_cast<int>(small.size())).set("epochs", epochs);
    summary.set("optimizer", opt.optimizer).set("lr", opt.lr).set("batch_size", opt.batch_size).set("hidden", hidden);
    summary.set("threads", opt.threads).set("quick", opt.quick).set("runs", runs.summary());
    util::write_file_atomically(out / "summary.json", summary.dump());

    const bool plotted = util::plot_panels({runs.panel("training accuracy", "accuracy", &train::EpochMetrics::train_acc),
                                            runs.panel("validation accuracy", "accuracy", &train::EpochMetrics::val_acc),
                                            runs.panel("validation loss", "loss", &train::EpochMetrics::val_loss)},
                                           out / "curves.png", plot_mode,
                                           std::to_string(small.size()) + " Fashion-MNIST images, 784-" +
                                               std::to_string(hidden) + "-" + std::to_string(hidden) +
                                               "-10 MLP, with and without each regularizer",
                                           runs.csv_path());
    std::cout << "wrote " << (out / "metrics.csv").string() << ", " << (out / "summary.json").string();
    if (plotted && plot_mode == util::PlotMode::png) std::cout << ", " << (out / "curves.png").string();
    std::cout << '\n';
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return train::run_main(program, [&] { return run(argc, argv); });
}
