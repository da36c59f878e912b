// Chapter 4: regularization.
//
// An over-sized MLP (784-512-512-10, ReLU) trained on a small part of Fashion-MNIST (1,000 images)
// overfits: its training accuracy runs to 100% while the validation accuracy stalls. It is trained
// again with each regularizer alone (weight decay, dropout, batch norm, early stopping, random
// shifts of the images) and with all of them, each run from the same initial weights on the same
// batches, and all of that again for each of --seeds seeds (one seed's noise is the size of the
// effects). --sweep trains one regularizer at a range of strengths instead. Writes to --out:
// metrics.csv (one run per regularizer and seed), summary.json (every run, and each regularizer's
// mean and range over the seeds), curves.png (the first seed's training and validation accuracy,
// validation loss), and for --sweep sweep.png (accuracy against the strength).
#include "dl/data/fashion_mnist.hpp"
#include "dl/nn/loss.hpp"
#include "dl/nn/models.hpp"
#include "dl/train/exchange.hpp"
#include "dl/train/runs.hpp"
#include "dl/util/plot.hpp"
#include "dl/util/progress.hpp"

#include <algorithm>
#include <cstdint>
#include <iomanip>
#include <map>
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
    double input_dropout = 0;  // on the pixels, before the first Dense layer
    bool batch_norm = false;   // after each hidden Dense layer
    int early_stop = 0;        // patience, epochs
    int shift = 0;             // random shifts of up to this many pixels
};

// The runs, each with its regularizer switched on (the strengths come from the options).
const std::vector<Regime>& regimes() {
    static const std::vector<Regime> all{
        {"none"},
        {"weight_decay", 1},
        {"dropout", 0, 1, 1},
        {"batch_norm", 0, 0, 0, true},
        {"early_stop", 0, 0, 0, false, 1},
        {"augment", 0, 0, 0, false, 0, 1},
        {"all", 1, 1, 1, true, 1, 1},
    };
    return all;
}

// The strengths the options give to the regularizers a run switches on.
struct Strengths {
    double decay, dropout, input_dropout;
    int patience, shift;
};
Regime with_strengths(Regime r, const Strengths& s) {
    if (r.weight_decay > 0) r.weight_decay = s.decay;
    if (r.dropout > 0) r.dropout = s.dropout, r.input_dropout = s.input_dropout;
    if (r.early_stop > 0) r.early_stop = s.patience;
    if (r.shift > 0) r.shift = s.shift;
    return r;
}

// 0.5 as "0.5", 3 as "3": a strength in a run's name.
std::string number(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

// --sweep: the strength it varies, and the values it tries unless --sweep-values says otherwise.
struct Sweep {
    std::string name;   // also the option that sets this strength for the runs
    std::string axis;   // what the picture's x axis says
    std::vector<double> values;
};
const std::vector<Sweep>& sweeps() {
    static const std::vector<Sweep> all{
        {"dropout", "dropout's rate after each hidden layer", {0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}},
        {"decay", "AdamW's weight decay λ", {0, 0.03, 0.1, 0.3, 1, 3}},
        {"shift", "the largest random shift, pixels", {0, 1, 2, 3}},
    };
    return all;
}
// The one-regularizer run of the sweep at `value`: hidden dropout alone at rate `value`, and so on.
Regime sweep_point(const std::string& sweep, double value) {
    Regime r{sweep + "=" + number(value)};
    if (sweep == "dropout") r.dropout = value;
    if (sweep == "decay") r.weight_decay = value;
    if (sweep == "shift") r.shift = static_cast<int>(value);
    return r;
}

// "(λ 0.05, dropout 0.5, ...)": the run's settings, for its line of output.
std::string describe(const Regime& r) {
    std::ostringstream out;
    if (r.weight_decay > 0) out << "AdamW λ " << r.weight_decay << ", ";
    if (r.input_dropout > 0) out << "input dropout " << r.input_dropout << ", ";
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
// when), the weights it ends with, the gap between training and validation at the end, and the
// test accuracy of the weights it ends with.
struct RunSummary {
    double best_val_acc = 0, gap = 0, final_train_acc = 0, test_acc = 0;
    int best_epoch = 0, kept_epoch = 0;
};

// One training run: a regime (or a sweep's point) with one seed.
struct Job {
    Regime regime;
    std::string group;   // the regime's name, or the sweep's point: what the seeds are averaged over
    double strength = 0; // the sweep's value
    std::uint64_t seed = 0;
    std::string name;    // the group for the first seed, "<group>-seed<N>" for the others
};

// A quantity over the seeds: the mean and the range.
struct Spread {
    double mean = 0, min = 0, max = 0;
};
Spread spread_of(const std::vector<double>& values) {
    Spread s{0, *std::min_element(values.begin(), values.end()), *std::max_element(values.begin(), values.end())};
    for (const double v : values) s.mean += v / static_cast<double>(values.size());
    return s;
}
util::Json to_json(const Spread& s) { return util::Json::object().set("mean", s.mean).set("min", s.min).set("max", s.max); }
// "83.4% (83.0-83.9)": a mean with its range, or the value alone for one seed.
std::string percent(const Spread& s) {
    std::string text = util::format_fixed(100 * s.mean, 1) + "%";
    if (s.max > s.min) text += " (" + util::format_fixed(100 * s.min, 1) + "-" + util::format_fixed(100 * s.max, 1) + ")";
    return text;
}

// Each group's spreads over its seeds, in the order the groups first appear.
struct GroupResult {
    std::string group;
    double strength = 0;
    std::vector<double> best_val, test, gap, final_train;
};
std::vector<GroupResult> by_group(const std::vector<Job>& jobs, const std::vector<RunSummary>& done) {
    std::vector<GroupResult> groups;
    for (std::size_t i = 0; i < done.size(); ++i) {
        auto it = std::find_if(groups.begin(), groups.end(), [&](const GroupResult& g) { return g.group == jobs[i].group; });
        if (it == groups.end()) it = groups.insert(groups.end(), GroupResult{jobs[i].group, jobs[i].strength, {}, {}, {}, {}});
        it->best_val.push_back(done[i].best_val_acc), it->test.push_back(done[i].test_acc);
        it->gap.push_back(done[i].gap), it->final_train.push_back(done[i].final_train_acc);
    }
    return groups;
}

int run(int argc, const char* const argv[]) {
    train::Cli cli(program, "regularization: an over-sized MLP on 1,000 images, with and without each regularizer (chapter 4)",
                  {.epochs = 150, .batch_size = 32, .lr = 0.001, .optimizer = "adam", .schedule = {.kind = "cosine"}});
    std::string sweep_names;
    for (const Sweep& w : sweeps()) sweep_names += (sweep_names.empty() ? "" : "|") + w.name;
    cli.chapter_options().add_options()
        ("runs", po::value<std::string>()->default_value("all"),
         "all, or some of none,weight_decay,dropout,batch_norm,early_stop,augment,all (comma-separated)")
        ("seeds", po::value<int>()->default_value(3), "train every run with this many seeds, --seed, --seed + 1, ...; the table gives each run's mean and range")
        ("train-size", po::value<int>()->default_value(1000), "training images (a small set, to overfit)")
        ("hidden", po::value<int>()->default_value(512), "width of the two hidden layers")
        ("decay", po::value<double>()->default_value(0.1, "0.1"), "AdamW's decoupled weight decay λ in the weight_decay and all runs")
        ("dropout", po::value<double>()->default_value(0.5, "0.5"), "dropout's rate after each hidden layer, in the dropout and all runs")
        ("input-dropout", po::value<double>()->default_value(0.2, "0.2"), "dropout's rate on the pixels, in the dropout and all runs")
        ("patience", po::value<int>()->default_value(20), "early stopping's patience in epochs, in the early_stop and all runs")
        ("shift", po::value<int>()->default_value(1), "the largest random shift in pixels, in the augment and all runs")
        ("sweep", po::value<std::string>()->default_value(""),
         (sweep_names + ": instead of the runs, train that regularizer alone at a range of strengths (--sweep-values) "
                        "and draw sweep.png").c_str())
        ("sweep-values", po::value<std::string>()->default_value(""), "the strengths --sweep tries, comma-separated (default: a range from none to too much)");
    train::add_export_option(cli);
    if (!cli.parse(argc, argv)) return 0;
    const train::CommonOptions& opt = cli.common();
    const int train_size = cli.get<int>("train-size"), hidden = cli.get<int>("hidden");
    if (train_size < 1) DL_THROW(UsageError, "--train-size must be at least 1, got " << train_size);
    if (hidden < 1) DL_THROW(UsageError, "--hidden must be at least 1, got " << hidden);
    const int asked_seeds = cli.get<int>("seeds");
    if (asked_seeds < 1 || asked_seeds > 100)
        DL_THROW(UsageError, "--seeds must be 1 to 100, got " << asked_seeds
                                                            << " (3 to 5 tell a win from luck; each seed trains every run again)");
    const int seeds = cli.capped_by_quick(asked_seeds, 1, "seeds");
    const Strengths strengths{cli.get<double>("decay"), cli.get<double>("dropout"), cli.get<double>("input-dropout"),
                              cli.get<int>("patience"), cli.get<int>("shift")};
    if (!(strengths.decay >= 0)) DL_THROW(UsageError, "--decay must be 0 or more, got " << strengths.decay);
    for (const auto& [option, rate] : {std::pair{"dropout", strengths.dropout}, {"input-dropout", strengths.input_dropout}})
        if (!(rate >= 0 && rate < 1))
            DL_THROW(UsageError, "--" << option << " is the share of units dropped, from 0 up to but not including 1; got " << rate);
    if (strengths.patience < 1) DL_THROW(UsageError, "--patience must be at least 1 epoch, got " << strengths.patience);
    if (strengths.shift < 0 || strengths.shift > 27) DL_THROW(UsageError, "--shift must be 0 to 27 pixels, got " << strengths.shift);

    // The jobs: every chosen run for every seed, or the sweep's points for every seed.
    const std::string sweep = cli.get<std::string>("sweep");
    std::vector<std::pair<Regime, double>> points;   // a regime and its sweep value (0 outside a sweep)
    std::string sweep_axis;
    if (sweep.empty()) {
        if (!cli.get<std::string>("sweep-values").empty()) DL_THROW(UsageError, "--sweep-values needs --sweep: give both, or neither");
        for (const Regime& r : parse_runs(cli.get<std::string>("runs"))) points.emplace_back(with_strengths(r, strengths), 0.0);
    } else {
        const auto it = std::find_if(sweeps().begin(), sweeps().end(), [&](const Sweep& w) { return w.name == sweep; });
        if (it == sweeps().end()) DL_THROW(UsageError, "--sweep: unknown strength '" << sweep << "' (choose " << sweep_names << ")");
        if (!cli.values()["runs"].defaulted()) DL_THROW(UsageError, "--sweep trains its own runs: leave --runs out");
        sweep_axis = it->axis;
        std::vector<double> values = it->values;
        if (const std::string text = cli.get<std::string>("sweep-values"); !text.empty()) {
            values.clear();
            std::stringstream in(text);
            for (std::string item; std::getline(in, item, ',');) {
                std::size_t used = 0;
                double v = 0;
                try {
                    v = std::stod(item, &used);
                } catch (const std::exception&) {
                    used = 0;
                }
                if (used == 0 || used != item.size() || !(v >= 0) || (sweep == "dropout" && v >= 1) ||
                    (sweep == "shift" && (v != std::floor(v) || v > 27)))
                    DL_THROW(UsageError, "--sweep-values: '" << item << "' is not a " << sweep << " strength (dropout: 0 <= p < 1; "
                                         "decay: λ >= 0; shift: whole pixels 0 to 27)");
                values.push_back(v);
            }
        }
        for (const double v : values) points.emplace_back(sweep_point(sweep, v), v);
    }
    std::vector<Job> jobs;
    for (int k = 0; k < seeds; ++k)
        for (const auto& [regime, strength] : points) {
            const std::uint64_t seed = opt.seed + static_cast<std::uint64_t>(k);
            jobs.push_back({regime, regime.name, strength, seed, k == 0 ? regime.name : regime.name + "-seed" + std::to_string(seed)});
        }
    std::vector<std::string> run_names;
    for (const Job& j : jobs) run_names.push_back(j.name);
    train::Runs runs(program, opt, run_names);   // --save/--resume: a checkpoint per run
    train::check_exchange_options(cli);
    // Every run differs from `none` in its regularizers alone: options that would change some runs
    // and not others, or switch a regularizer on in every run, are refused.
    const bool decays = std::any_of(jobs.begin(), jobs.end(), [](const Job& j) { return j.regime.weight_decay > 0; });
    if (decays && (opt.optimizer != "adam" || opt.weight_decay > 0))
        DL_THROW(UsageError, "the weight_decay and all runs use AdamW, Adam with the decay of --decay, so every run "
                             "uses Adam: remove --optimizer and --weight-decay, or leave those runs out with --runs");
    if (opt.early_stop > 0)
        DL_THROW(UsageError, "--early-stop would stop every run early, the baseline too: the early_stop and all runs "
                             "stop early with the patience of --patience");
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
              << " epochs of " << opt.optimizer << " at lr " << opt.lr
              << (opt.schedule.kind == "none" ? "" : " (" + opt.schedule.kind + " schedule)") << "; " << seeds
              << (seeds == 1 ? " seed" : " seeds") << "\n\n";

    nn::SoftmaxCrossEntropy loss;
    std::vector<RunSummary> summaries;   // one per run of runs.results(), in its order
    std::vector<Job> trained;            // their jobs
    std::size_t params = 0;
    for (const Job& job : jobs) {
        const Regime& r = job.regime;
        Rng rng(job.seed);   // the same initial weights and batches for every run of a seed
        nn::Sequential model =
            nn::mlp(small.example_shape(), {static_cast<std::size_t>(hidden), static_cast<std::size_t>(hidden)},
                    static_cast<std::size_t>(small.num_classes), nn::Activation::relu, rng,
                    {.dropout = r.dropout, .batch_norm = r.batch_norm, .input_dropout = r.input_dropout});
        if (!r.batch_norm) params = count_parameters(model);   // batch norm adds 4 per hidden unit
        optim::OptimizerOptions o = opt.optimizer_options();
        if (r.weight_decay > 0) {
            o.name = "adamw";
            o.weight_decay = r.weight_decay;
        }
        auto optimizer = optim::make_optimizer(o);
        train::FitOptions fit =
            runs.fit_options(job.name, {.epochs = epochs, .batch_size = opt.batch_size, .progress = false},
                             std::to_string(small.size()) + " training images\n" + nn::summary(model));
        if (r.early_stop > 0) fit.early_stop_patience = r.early_stop;
        // The shifted-in border must be background: a 0 pixel, which standardised is -mean/stddev.
        fit.augment = train::image_augmentation(r.shift, 0.0, -standard.mean / standard.stddev, job.seed + 1);
        std::cout << "  " << std::left << std::setw(20) << job.name << std::right << describe(r) << ": " << std::flush;
        train::RunResult run{job.name};
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
        s.final_train_acc = history.back().train_acc;
        s.gap = history.back().train_acc - history.back().val_acc;
        // The weights the run ends with: the last epoch's, or early stopping's best by validation loss.
        s.kept_epoch = static_cast<int>(history.size());
        if (r.early_stop > 0) {
            double best_loss = history.front().val_loss;
            s.kept_epoch = 1;
            for (const auto& m : history)
                if (m.val_loss < best_loss) best_loss = m.val_loss, s.kept_epoch = m.epoch;
        }
        const auto test = train::evaluate(model, loss, fashion.test);
        run.test_accuracy = s.test_acc = test.accuracy, run.test_loss = test.loss;
        std::cout << history.size() << (history.size() == 1 ? " epoch" : " epochs") << ", best validation accuracy " << util::format_fixed(s.best_val_acc, 4)
                  << " (epoch " << s.best_epoch << "), weights of epoch " << s.kept_epoch << " kept, test "
                  << util::format_fixed(run.test_accuracy, 4) << '\n';
        run.details.set("group", job.group)
            .set("seed", static_cast<std::int64_t>(job.seed))
            .set("best_val_accuracy", s.best_val_acc)
            .set("best_epoch", s.best_epoch)
            .set("epochs_run", static_cast<int>(history.size()))
            .set("kept_epoch", s.kept_epoch)
            .set("final_train_accuracy", history.back().train_acc)
            .set("final_val_accuracy", history.back().val_acc)
            .set("gap", s.gap)
            .set("test_accuracy", run.test_accuracy);
        train::export_run_weights(cli, job.name, nn::state_dict(model),
                                  train::classifier_metadata(program, model, fashion.test, standard));
        runs.add(std::move(run));
        summaries.push_back(s);
        trained.push_back(job);
    }
    const std::vector<train::RunResult>& results = runs.results();
    DL_CHECK(!results.empty(), "every run needs an exercise not written yet: see the lines above");

    // Each run (or sweep point) over its seeds: the mean, and the range from the worst seed to the best.
    const std::vector<GroupResult> groups = by_group(trained, summaries);
    std::cout << "\n  " << std::left << std::setw(20) << (sweep.empty() ? "run" : sweep) << std::right << std::setw(24)
              << "best val acc" << std::setw(24) << "test acc" << std::setw(14) << "final train" << std::setw(9)
              << "gap" << "   (mean, and range over " << seeds << (seeds == 1 ? " seed)\n" : " seeds)\n");
    util::Json group_summary = util::Json::object();
    for (const GroupResult& g : groups) {
        const Spread val = spread_of(g.best_val), test = spread_of(g.test), gap = spread_of(g.gap),
                     train_acc = spread_of(g.final_train);
        std::cout << "  " << std::left << std::setw(20) << g.group << std::right << std::setw(24) << percent(val)
                  << std::setw(24) << percent(test) << std::setw(14) << util::format_fixed(100 * train_acc.mean, 1) + "%"
                  << std::setw(9) << util::format_fixed(gap.mean, 3) << '\n';
        util::Json group = util::Json::object().set("seeds", static_cast<int>(g.best_val.size()));
        if (!sweep.empty()) group.set("strength", g.strength);
        group_summary.set(g.group, group.set("best_val_accuracy", to_json(val))
                                       .set("test_accuracy", to_json(test))
                                       .set("final_train_accuracy", to_json(train_acc))
                                       .set("gap", to_json(gap)));
    }

    const train::RunResult& headline = runs.find("all") ? *runs.find("all") : results.back();
    util::Json summary = train::summary_header(program, opt);
    summary.set("headline_run", headline.name).set("test_accuracy", headline.test_accuracy);
    summary.set("test_loss", headline.test_loss).set("val_loss", headline.history.back().val_loss);
    summary.set("params", params).set("train_size", static_cast<int>(small.size())).set("epochs", epochs);
    summary.set("optimizer", opt.optimizer).set("lr", opt.lr).set("batch_size", opt.batch_size).set("hidden", hidden);
    summary.set("seeds", seeds).set("sweep", sweep);
    if (sweep.empty())   // a sweep sets its one strength itself, and leaves the others off
        summary.set("strengths", util::Json::object()
                                     .set("decay", strengths.decay)
                                     .set("dropout", strengths.dropout)
                                     .set("input_dropout", strengths.input_dropout)
                                     .set("patience", strengths.patience)
                                     .set("shift", strengths.shift));
    summary.set("threads", opt.threads).set("quick", opt.quick).set("runs", runs.summary()).set("groups", group_summary);
    util::write_file_atomically(out / "summary.json", summary.dump());

    // The first seed's curves (every seed's would hide each other), or the sweep's accuracies against the strength.
    const std::string model_text = std::to_string(small.size()) + " Fashion-MNIST images, 784-" + std::to_string(hidden) + "-" +
                                   std::to_string(hidden) + "-10 MLP";
    std::vector<std::string> first_seed;
    for (const Job& j : trained)
        if (j.seed == opt.seed) first_seed.push_back(j.name);
    const std::filesystem::path picture = out / (sweep.empty() ? "curves.png" : "sweep.png");
    bool plotted = false;
    if (sweep.empty()) {
        plotted = util::plot_panels({runs.panel("training accuracy", "accuracy", &train::EpochMetrics::train_acc, first_seed),
                                     runs.panel("validation accuracy", "accuracy", &train::EpochMetrics::val_acc, first_seed),
                                     runs.panel("validation loss", "loss", &train::EpochMetrics::val_loss, first_seed)},
                                    picture, plot_mode, model_text + ", with and without each regularizer (seed " +
                                                            std::to_string(opt.seed) + ")",
                                    runs.csv_path());
    } else {
        // Mean over the seeds, with a bar from the worst seed to the best.
        util::Panel accuracy{"accuracy against " + sweep, sweep_axis, "accuracy", {}};
        const auto series = [&](const std::string& title, std::vector<double> GroupResult::*values) {
            util::Series s{title, {}, {}};
            for (const GroupResult& g : groups) {
                const Spread v = spread_of(g.*values);
                s.x.push_back(g.strength), s.y.push_back(v.mean), s.low.push_back(v.min), s.high.push_back(v.max);
            }
            return s;
        };
        accuracy.series = {series("final training accuracy", &GroupResult::final_train),
                           series("best validation accuracy", &GroupResult::best_val),
                           series("test accuracy", &GroupResult::test)};
        util::Panel gap{"the gap at the end", sweep_axis, "training - validation accuracy", {series("gap", &GroupResult::gap)}};
        plotted = util::plot_panels({accuracy, gap}, picture, plot_mode,
                                    model_text + ", " + sweep + " alone at each strength (mean of " + std::to_string(seeds) +
                                        (seeds == 1 ? " seed)" : " seeds, bars from the worst to the best)"),
                                    runs.csv_path());
    }
    std::cout << "wrote " << (out / "metrics.csv").string() << ", " << (out / "summary.json").string();
    if (plotted && plot_mode == util::PlotMode::png) std::cout << ", " << picture.string();
    std::cout << '\n';
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return train::run_main(program, [&] { return run(argc, argv); });
}
