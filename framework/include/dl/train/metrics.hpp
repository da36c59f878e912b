#pragma once
// What a run leaves in --out: metrics.csv (one row per epoch), summary.json, and the curves.
//
// metrics.csv columns: [run,] epoch, [step,] train_loss, train_acc, val_loss, val_acc, seconds,
// examples_per_s, lr (the run column when the executable trains several models, as chapter 1 does;
// the step column for the language models, whose "epoch" is an evaluation interval and whose
// examples are characters).

#include "dl/train/trainer.hpp"
#include "dl/train/cli.hpp"
#include "dl/util/files.hpp"
#include "dl/util/json.hpp"
#include "dl/util/plot.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace dl::train {

class MetricsCsv {
public:
    // Checks the file can be written (throws if not). The rows go to metrics.csv.partial as they
    // come (flushed: an interrupted run keeps every finished epoch there), and it becomes
    // metrics.csv when the run ends well (util::PendingFile): a run that is refused or fails leaves
    // an earlier run's metrics.csv beside that run's summary.json. Holds the directory for this run
    // (util::DirectoryLock): a second run writing there is refused.
    // metrics.csv and summary.json beside it describe one run. When this run's metrics.csv takes
    // its place and summary.json is still the earlier run's, that summary goes: a failure before
    // this run writes its own then leaves no summary.json, never another run's beside these rows.
    MetricsCsv(const std::filesystem::path& path, bool with_run_column, bool with_step_column = false);
    ~MetricsCsv();
    MetricsCsv(const MetricsCsv&) = delete;
    MetricsCsv& operator=(const MetricsCsv&) = delete;
    void write(const EpochMetrics& m, const std::string& run = "");
    const std::filesystem::path& path() const { return file_.path(); }

private:
    util::DirectoryLock lock_;
    util::PendingFile file_;
    bool with_run_, with_step_;
    std::filesystem::path summary_;
    std::string earlier_summary_;   // the identity (inode, time) of the summary.json found at the start, or ""
    int exceptions_at_start_;
};

// One named run's history, for the curves.
struct RunHistory {
    std::string run;
    std::vector<EpochMetrics> epochs;
};

// Loss and accuracy against epoch (train and validation of every run) in one picture; against the
// step with by_step (the language models).
bool plot_training_curves(const std::vector<RunHistory>& runs, const std::filesystem::path& png,
                          util::PlotMode mode, const std::string& title, const std::string& csv_hint,
                          bool by_step = false);

// The keys every summary.json starts with: "program", "git_rev", "seed", plus the build's
// chapters from solutions/ ("solutions").
util::Json summary_header(const std::string& program, std::uint64_t seed);
// The same, plus "settings": every common option as given (optimizer, schedule, early stopping,
// clipping, epochs, batch size), so that a run can be told from another by its summary alone.
util::Json summary_header(const std::string& program, const train::CommonOptions& options);

// The revision the binary was built from (or "unknown").
const char* git_revision();

}  // namespace dl::train
