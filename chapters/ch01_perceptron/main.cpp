// Chapter 1: the perceptron and logistic regression.
//
//   1. separable blobs: both models learn them (the perceptron stops making mistakes)
//   2. XOR: neither can, because no line separates it (chapter 2's opening)
//   3. two Fashion-MNIST classes (default: sneaker vs ankle boot), 784 pixels each
//
// Writes to --out: metrics.csv (a row per run and epoch), summary.json (the headline is logistic
// regression on Fashion-MNIST), curves.png (the Fashion-MNIST runs) and boundaries.png.
#include "dl/data/fashion_mnist.hpp"
#include "dl/data/synthetic.hpp"
#include "dl/nn/logistic.hpp"
#include "dl/nn/loss.hpp"
#include "dl/nn/sequential.hpp"
#include "dl/ops/perceptron.hpp"
#include "dl/train/exchange.hpp"
#include "dl/train/runs.hpp"
#include "dl/util/progress.hpp"
#include "dl/util/timer.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <iostream>

using namespace dl;
namespace po = boost::program_options;

namespace {

constexpr const char* program = "ch01_perceptron";

struct Perceptron {
    std::vector<float> w;
    float b = 0;
    int predict(std::span<const float> x) const { return perceptron_predict(std::span<const float>(w), b, x); }
};

double perceptron_accuracy(const Perceptron& p, const data::Dataset& d) {
    std::size_t correct = 0;
    for (std::size_t n = 0; n < d.size(); ++n) correct += p.predict(d.x.row(n)) == d.labels[n] ? 1 : 0;
    return static_cast<double>(correct) / static_cast<double>(d.size());
}

// Rosenblatt's algorithm: every epoch visits the examples in a fresh random order and applies the
// learning rule to each. The "loss" of an epoch is its mistake rate (the 0-1 loss).
std::vector<train::EpochMetrics> train_perceptron(Perceptron& p, const data::Dataset& train, const data::Dataset& val,
                                                  int epochs, Rng& rng) {
    std::vector<train::EpochMetrics> history;
    std::vector<std::size_t> order(train.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (int epoch = 1; epoch <= epochs; ++epoch) {
        rng.shuffle(order);
        util::Timer timer;
        std::size_t mistakes = 0;
        for (const std::size_t n : order)
            mistakes += perceptron_update(std::span<float>(p.w), p.b, train.x.row(n), train.labels[n], 1.0f) ? 1 : 0;
        train::EpochMetrics m;
        m.epoch = epoch;
        m.seconds = timer.seconds();
        m.examples_per_s = static_cast<double>(train.size()) / std::max(m.seconds, 1e-9);
        m.train_loss = static_cast<double>(mistakes) / static_cast<double>(train.size());
        m.train_acc = 1.0 - m.train_loss;
        m.val_acc = perceptron_accuracy(p, val);
        m.val_loss = 1.0 - m.val_acc;
        history.push_back(m);
    }
    return history;
}

int run(int argc, const char* const argv[]) {
    train::Cli cli(program, "the perceptron and logistic regression (chapter 1)",
                  {.epochs = 10, .batch_size = 32, .lr = 0.1});
    cli.chapter_options().add_options()
        ("classes", po::value<std::string>()->default_value("7,9"),
         "the two Fashion-MNIST classes to separate, as NEGATIVE,POSITIVE (7,9: sneaker vs ankle boot)")
        ("synthetic-points", po::value<int>()->default_value(400), "points in each synthetic set");
    train::add_export_option(cli);
    if (!cli.parse(argc, argv)) return 0;
    const train::CommonOptions& opt = cli.common();
    // --save/--resume: a checkpoint per logistic regression (the perceptrons train again: seconds).
    train::Runs runs(program, opt, {"logistic-blobs", "logistic-xor", "logistic-fashion"});
    train::check_exchange_options(cli);
    if (!opt.resume.empty() && opt.epochs == 0)
        DL_THROW(UsageError, "--epochs 0: " << program << " trains its perceptrons again when it resumes (they have no "
                                            "checkpoint): give --epochs as the saved run did");
    int negative = 0, positive = 0;
    if (std::sscanf(cli.get<std::string>("classes").c_str(), "%d,%d", &negative, &positive) != 2 ||
        negative == positive || negative < 0 || positive < 0)
        DL_THROW(UsageError, "--classes must be two different class numbers such as 7,9, got '"
                                 << cli.get<std::string>("classes") << "'");
    const int points = cli.get<int>("synthetic-points");
    if (points < 10) DL_THROW(UsageError, "--synthetic-points must be at least 10, got " << points);
    const int epochs = cli.capped_by_quick(opt.epochs, 3);
    const std::filesystem::path out = opt.out;
    const util::PlotMode plot_mode = util::parse_plot_mode(opt.plot);

    // Everything that can fail on bad input is checked before anything is written to --out, so a
    // mistyped option never truncates the results of the previous run.
    optim::make_optimizer(opt.optimizer_options());
    data::ImageLoadOptions load{.data_dir = opt.data, .max_train = opt.quick ? 6000u : 0u,
                                .max_test = opt.quick ? 2000u : 0u, .seed = opt.seed};
    const data::ImageSplits fashion = data::load_image_dataset(load);
    const int classes = fashion.train.num_classes;
    if (negative >= classes || positive >= classes)
        DL_THROW(UsageError, "--classes: the dataset has classes 0.." << classes - 1 << ", got "
                                                                    << negative << ',' << positive);

    Rng rng(opt.seed);
    std::vector<util::BoundaryPicture> pictures;

    // Logistic regression with the shared training loop; returns its result and the model.
    // (verbose: a line per epoch; used for the Fashion-MNIST run, the synthetic ones take milliseconds)
    auto fit_logistic = [&](const std::string& name, const data::Dataset& tr, const data::Dataset& va,
                            const data::Dataset& te, nn::Sequential& model, bool verbose) {
        nn::BinaryCrossEntropy loss;
        auto optimizer = optim::make_optimizer(opt.optimizer_options());
        const train::FitOptions fit =
            runs.fit_options(name, {.epochs = epochs, .batch_size = opt.batch_size, .progress = verbose},
                             std::to_string(tr.size()) + " training examples\n" + nn::summary(model));
        train::RunResult r{name, train::fit(model, loss, *optimizer, tr, va, fit, rng)};
        train::export_run_weights(cli, name, nn::state_dict(model), train::classifier_metadata(program, model, te, {}));
        const auto test = train::evaluate(model, loss, te);
        r.test_accuracy = test.accuracy, r.test_loss = test.loss;
        return r;
    };
    auto fit_perceptron = [&](const std::string& name, const data::Dataset& tr, const data::Dataset& va,
                              const data::Dataset& te, Perceptron& p) {
        train::RunResult r{name, train_perceptron(p, tr, va, epochs, rng)};
        runs.write_rows(name, r.history);
        r.test_accuracy = perceptron_accuracy(p, te);
        r.test_loss = 1.0 - r.test_accuracy;
        return r;
    };
    auto report = [&](train::RunResult r, const std::string& what) {
        std::cout << "  " << std::left << std::setw(20) << r.name << " train acc " << util::format_fixed(r.history.back().train_acc, 3)
                  << "   test acc " << util::format_fixed(r.test_accuracy, 3) << "   " << what << '\n';
        r.details.set("test_accuracy", r.test_accuracy)
            .set("train_accuracy", r.history.back().train_acc)
            .set("epochs", static_cast<int>(r.history.size()));
        runs.add(std::move(r));
    };

    // 1 and 2: the synthetic sets, each with its own validation and test sets.
    for (const std::string set : {"blobs", "xor"}) {
        const auto n = static_cast<std::size_t>(points);
        const data::Dataset tr = set == "blobs" ? data::make_blobs(n, rng) : data::make_xor(n, rng);
        const data::Dataset va = set == "blobs" ? data::make_blobs(n, rng) : data::make_xor(n, rng);
        const data::Dataset te = set == "blobs" ? data::make_blobs(n, rng) : data::make_xor(n, rng);
        std::cout << set << " (" << n << " training points, 2 features)\n";
        Perceptron p{std::vector<float>(2, 0.0f), 0.0f};
        report(fit_perceptron("perceptron-" + set, tr, va, te, p), "");
        nn::Sequential model({2});
        model.add<nn::Logistic>(2, rng);
        report(fit_logistic("logistic-" + set, tr, va, te, model, false), "");
        pictures.push_back(util::boundary_picture("perceptron, " + set, tr, [&](const Tensor& g) {
            std::vector<double> v(g.dim(0));
            for (std::size_t i = 0; i < v.size(); ++i) v[i] = p.predict(g.row(i));
            return v;
        }));
        pictures.push_back(util::boundary_picture("logistic regression, " + set, tr, [&](const Tensor& g) {
            const Tensor& prob = model.forward(g, nn::Mode::eval);
            return std::vector<double>(prob.begin(), prob.end());
        }));
    }

    // 3: two Fashion-MNIST classes (loaded and checked above).
    // Two classes, relabelled 0 and 1, each image flattened to a row of 784 pixels.
    data::Dataset tr = data::select_classes(fashion.train, {negative, positive});
    data::Dataset va = data::select_classes(fashion.validation, {negative, positive});
    data::Dataset te = data::select_classes(fashion.test, {negative, positive});
    data::flatten(tr), data::flatten(va), data::flatten(te);
    const std::string pair = tr.class_names[0] + " vs " + tr.class_names[1];
    std::cout << "Fashion-MNIST, " << pair << " (" << tr.size() << " train, " << va.size() << " validation, "
              << te.size() << " test, " << tr.x.dim(1) << " pixels)\n";
    Perceptron p{std::vector<float>(tr.x.dim(1), 0.0f), 0.0f};
    report(fit_perceptron("perceptron-fashion", tr, va, te, p), "");
    nn::Sequential model({tr.x.dim(1)});
    model.add<nn::Logistic>(tr.x.dim(1), rng);
    std::cout << nn::summary(model);
    report(fit_logistic("logistic-fashion", tr, va, te, model, true), "(the headline)");

    // summary.json: the headline model at the top, every run under "runs".
    const std::vector<train::RunResult>& results = runs.results();
    const train::RunResult& headline = results.back();
    util::Json summary = train::summary_header(program, opt);
    summary.set("test_accuracy", headline.test_accuracy).set("test_loss", headline.test_loss);
    summary.set("val_loss", headline.history.back().val_loss);
    summary.set("params", count_parameters(model)).set("epochs", epochs);
    summary.set("examples_per_s", headline.history.back().examples_per_s);
    summary.set("classes", pair).set("optimizer", opt.optimizer).set("lr", opt.lr).set("quick", opt.quick);
    summary.set("runs", runs.summary());
    util::write_file_atomically(out / "summary.json", summary.dump());

    // The perceptron has no smooth loss: its "loss" is the error rate (the 0-1 loss), as its legend says.
    const std::vector<train::RunHistory> curves{{"perceptron (error rate)", results[results.size() - 2].history},
                                                {"logistic (cross-entropy)", headline.history}};
    const bool plotted = train::plot_training_curves(curves, out / "curves.png", plot_mode,
                                                     "Fashion-MNIST " + pair, runs.csv_path());
    if (plotted) util::plot_decision_boundaries(pictures, out / "boundaries.png", plot_mode);
    std::cout << "test accuracy (logistic regression, " << pair << "): " << util::format_fixed(headline.test_accuracy, 4)
              << "\nwrote " << (out / "metrics.csv").string() << ", " << (out / "summary.json").string();
    if (plotted && plot_mode == util::PlotMode::png)
        std::cout << ", " << (out / "curves.png").string() << ", " << (out / "boundaries.png").string();
    std::cout << '\n';
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return train::run_main(program, [&] { return run(argc, argv); });
}
