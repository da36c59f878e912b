#include "dl/train/runs.hpp"

#include <algorithm>
#include <filesystem>

namespace dl::train {

Runs::Runs(std::string program, const CommonOptions& options, const std::vector<std::string>& names)
    : program_(std::move(program)), options_(options) {
    check_run_checkpoints(options, names);
    csv_ = std::make_unique<MetricsCsv>(std::filesystem::path(options.out) / "metrics.csv", /*with_run_column=*/true);
}

FitOptions Runs::fit_options(const std::string& name, FitOptions base, const std::string& description) {
    base.on_epoch = [this, name](const EpochMetrics& m) { csv_->write(m, name); };
    return with_run_checkpoints(with_common_options(std::move(base), options_), options_, name,
                                program_ + " run " + name + ", " + description);
}

void Runs::write_rows(const std::string& name, const std::vector<EpochMetrics>& history) {
    for (const auto& m : history) csv_->write(m, name);
}

const RunResult* Runs::find(const std::string& name) const {
    for (const auto& r : results_)
        if (r.name == name) return &r;
    return nullptr;
}

util::Json Runs::summary() const {
    util::Json runs = util::Json::object();
    for (const auto& r : results_) runs.set(r.name, r.details);
    return runs;
}

util::Panel Runs::panel(const std::string& title, const std::string& ylabel, double EpochMetrics::*metric,
                        const std::vector<std::string>& only) const {
    util::Panel panel{title, "epoch", ylabel, {}};
    for (const auto& r : results_) {
        if (!only.empty() && std::find(only.begin(), only.end(), r.name) == only.end()) continue;
        util::Series s{r.name, {}, {}};
        for (const auto& m : r.history) s.x.push_back(static_cast<double>(m.epoch)), s.y.push_back(m.*metric);
        panel.series.push_back(std::move(s));
    }
    return panel;
}

}  // namespace dl::train
