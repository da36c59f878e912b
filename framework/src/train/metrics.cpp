#include "dl/train/metrics.hpp"

#include <algorithm>

#include "dl/error.hpp"

#include <sys/stat.h>

#include <exception>
#include <iomanip>
#include <sstream>

namespace dl::train {

namespace {
// Which file is at `path` now: its inode and modification time ("" when there is none). An atomic
// write puts a new file (a new inode) in place.
std::string identity(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return "";
    return std::to_string(st.st_ino) + ":" + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}
}  // namespace

MetricsCsv::MetricsCsv(const std::filesystem::path& path, bool with_run_column, bool with_step_column)
    : lock_(path.has_parent_path() ? path.parent_path() : std::filesystem::path(".")), file_(path),
      with_run_(with_run_column), with_step_(with_step_column),
      summary_((path.has_parent_path() ? path.parent_path() : std::filesystem::path(".")) / "summary.json"),
      earlier_summary_(identity(summary_)), exceptions_at_start_(std::uncaught_exceptions()) {}

MetricsCsv::~MetricsCsv() {
    // The rows replace metrics.csv only when the run ends well (file_'s destructor, after this).
    if (std::uncaught_exceptions() > exceptions_at_start_ || file_.empty()) return;
    if (!earlier_summary_.empty() && identity(summary_) == earlier_summary_) {
        std::error_code ignored;
        std::filesystem::remove(summary_, ignored);
    }
}

void MetricsCsv::write(const EpochMetrics& m, const std::string& run) {
    std::ostringstream out;
    if (file_.empty()) {
        if (with_run_) out << "run,";
        out << (with_step_ ? "epoch,step," : "epoch,") << "train_loss,train_acc,val_loss,val_acc,seconds,examples_per_s,lr\n";
    }
    if (with_run_) out << run << ',';
    out << m.epoch << ',';
    if (with_step_) out << m.step << ',';
    out << std::setprecision(6) << m.train_loss << ',' << m.train_acc << ',' << m.val_loss << ',' << m.val_acc << ','
        << m.seconds << ',' << std::setprecision(8) << m.examples_per_s << ',' << std::setprecision(6) << m.lr << '\n';
    file_.write(out.str());
}

bool plot_training_curves(const std::vector<RunHistory>& runs, const std::filesystem::path& png,
                          util::PlotMode mode, const std::string& title, const std::string& csv_hint,
                          bool by_step) {
    // An imported model evaluated as it is (--epochs 0) has one row at 0 and no training to draw.
    const bool trained = std::any_of(runs.begin(), runs.end(), [by_step](const RunHistory& r) {
        return std::any_of(r.epochs.begin(), r.epochs.end(), [by_step](const EpochMetrics& e) { return (by_step ? e.step : e.epoch) > 0; });
    });
    if (!trained) return false;
    const char* x_label = by_step ? "step" : "epoch";
    util::Panel loss{"loss", x_label, "loss", {}}, acc{"accuracy", x_label, "accuracy", {}};
    for (const auto& r : runs) {
        util::Series tl{r.run + " train", {}, {}}, vl{r.run + " val", {}, {}};
        util::Series ta = tl, va = vl;
        for (const auto& e : r.epochs) {
            const auto x = static_cast<double>(by_step ? e.step : e.epoch);
            tl.x.push_back(x), tl.y.push_back(e.train_loss), vl.x.push_back(x), vl.y.push_back(e.val_loss);
            ta.x.push_back(x), ta.y.push_back(e.train_acc), va.x.push_back(x), va.y.push_back(e.val_acc);
        }
        loss.series.push_back(tl), loss.series.push_back(vl);
        acc.series.push_back(ta), acc.series.push_back(va);
    }
    return util::plot_panels({loss, acc}, png, mode, title, csv_hint);
}

const char* git_revision() {
#ifdef DLFS_GIT_REV
    return DLFS_GIT_REV;
#else
    return "unknown";
#endif
}

util::Json summary_header(const std::string& program, std::uint64_t seed) {
    util::Json j = util::Json::object();
    j.set("program", program);
    j.set("git_rev", git_revision());
    j.set("seed", static_cast<std::int64_t>(seed));
#ifdef DLFS_SOLUTIONS_LIST
    j.set("solutions", DLFS_SOLUTIONS_LIST);
#endif
    return j;
}

util::Json summary_header(const std::string& program, const train::CommonOptions& o) {
    util::Json j = summary_header(program, o.seed);
    util::Json settings = util::Json::object();
    settings.set("optimizer", o.optimizer).set("lr", o.lr).set("momentum", o.momentum).set("beta1", o.beta1);
    settings.set("beta2", o.beta2).set("eps", o.eps).set("rho", o.rho).set("weight_decay", o.weight_decay);
    settings.set("lr_schedule", o.schedule.kind).set("lr_step", o.schedule.step_epochs).set("lr_gamma", o.schedule.gamma);
    settings.set("lr_min", o.schedule.min_lr).set("warmup_steps", static_cast<std::int64_t>(o.schedule.warmup_steps));
    settings.set("early_stop", o.early_stop).set("clip_norm", o.clip_norm).set("clip_value", o.clip_value);
    settings.set("epochs", o.epochs).set("batch_size", static_cast<std::int64_t>(o.batch_size)).set("quick", o.quick);
    j.set("settings", settings);
    return j;
}

}  // namespace dl::train
