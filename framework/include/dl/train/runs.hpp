#pragma once
// A program that trains several models and compares them (chapters 1, 3 and 4): one metrics.csv
// with a run column, a checkpoint per run (--save/--resume FILE becomes FILE-<run>.ckpt), each
// run's outcome, summary.json's "runs", and curves with one series per run. Each chapter's main
// then says only what its runs are and what it prints of them.
//
//   train::Runs runs(program, opt, names);                 // checks --resume, before any output
//   train::FitOptions fit = runs.fit_options(name, {.epochs = 10, ...}, description);
//   auto history = train::fit(model, loss, *optimizer, train, validation, fit, rng);
//   runs.add({name, history, test.accuracy, test.loss, details});
//   summary.set("runs", runs.summary());

#include "dl/train/cli.hpp"
#include "dl/train/loop.hpp"
#include "dl/train/metrics.hpp"
#include "dl/train/trainer.hpp"
#include "dl/util/json.hpp"
#include "dl/util/plot.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace dl::train {

// One run's outcome.
struct RunResult {
    std::string name;
    std::vector<EpochMetrics> history;
    double test_accuracy = 0, test_loss = 0;
    util::Json details = util::Json::object();   // the run's entry in summary.json's "runs"
};

class Runs {
public:
    // `names`: the runs the program will train. With --resume, one of their checkpoints must exist
    // (a mistyped --resume is an error, not a silent restart). metrics.csv (in --out) is opened, and
    // written from the first row on.
    Runs(std::string program, const CommonOptions& options, const std::vector<std::string>& names);

    // Run `name`'s fit options: `base` (epochs, batch size, progress) with the common options
    // (with_common_options), the run's checkpoint files, and its metrics rows going to metrics.csv.
    // `description` (what it trains on and the model's summary) goes into its checkpoints' kind.
    FitOptions fit_options(const std::string& name, FitOptions base, const std::string& description);
    // The rows of a run trained outside train::fit (chapter 1's perceptrons).
    void write_rows(const std::string& name, const std::vector<EpochMetrics>& history);

    void add(RunResult result) { results_.push_back(std::move(result)); }
    const std::vector<RunResult>& results() const { return results_; }
    // The run named `name`, or nullptr when it did not run.
    const RunResult* find(const std::string& name) const;
    // summary.json's "runs": each run's details, by name.
    util::Json summary() const;
    // `metric` (for example &EpochMetrics::val_acc) against the epoch, a series per run (or per run
    // named in `only`, when it is given).
    util::Panel panel(const std::string& title, const std::string& ylabel, double EpochMetrics::*metric,
                      const std::vector<std::string>& only = {}) const;
    std::string csv_path() const { return csv_->path().string(); }

private:
    std::string program_;
    const CommonOptions& options_;
    std::unique_ptr<MetricsCsv> csv_;
    std::vector<RunResult> results_;
};

}  // namespace dl::train
