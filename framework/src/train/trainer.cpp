#include "dl/train/trainer.hpp"

#include "dl/data/batches.hpp"
#include "dl/ops/augment.hpp"
#include "dl/train/resume.hpp"
#include "dl/util/progress.hpp"
#include "supervised_step.hpp"

#include <cctype>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

namespace dl::train {

std::size_t count_correct(const std::vector<int>& predicted, std::span<const int> labels) {
    DL_CHECK(predicted.size() == labels.size(), "count_correct: " << predicted.size() << " predictions for "
                                                                   << labels.size() << " labels");
    std::size_t correct = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) correct += predicted[i] == labels[i] ? 1 : 0;
    return correct;
}

std::function<void(Tensor& batch, long step)> image_augmentation(int shift, double flip, float background,
                                                                 std::uint64_t seed) {
    DL_CHECK(shift >= 0 && flip >= 0 && flip <= 1, "image_augmentation: shift " << shift << ", flip " << flip);
    if (shift == 0 && flip == 0) return {};
    return [=](Tensor& x, long step) {
        Rng g(seed + 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(step + 1));   // this step's own draws
        if (shift > 0) {
            // Shifting fills the border with 0, and background is the standardised 0 pixel: so shift
            // x - background and add the background back. (A flip moves no pixel off the image.)
            for (auto& v : x) v -= background;
            random_shift(x, shift, g);
            for (auto& v : x) v += background;
        }
        if (flip > 0) random_flip_lr(x, flip, g);
    };
}

data::ImageSplits check_optimizer_and_load_images(const train::CommonOptions& common) {
    optim::make_optimizer(common.optimizer_options());
    return data::load_image_dataset({.data_dir = common.data, .max_train = common.quick ? 6000u : 0u,
                                     .max_test = common.quick ? 2000u : 0u, .seed = common.seed});
}

Evaluation evaluate(nn::Sequential& model, nn::Loss& loss, const data::Dataset& data, std::size_t batch_size) {
    DL_CHECK(data.size() > 0, "evaluate: the dataset '" << data.name << "' is empty");
    data::BatchIterator batches(data.size(), batch_size);
    Tensor x;
    std::vector<int> labels;
    double loss_sum = 0;
    std::size_t correct = 0;
    for (auto idx = batches.next(); !idx.empty(); idx = batches.next()) {
        data::gather(x, labels, data, idx);
        const Tensor& out = model.forward(x, nn::Mode::eval);
        loss_sum += static_cast<double>(loss.forward(out, labels)) * static_cast<double>(idx.size());
        correct += count_correct(loss.predict(out), labels);
    }
    const auto n = static_cast<double>(data.size());
    return {loss_sum / n, static_cast<double>(correct) / n};
}

FitOptions with_common_options(FitOptions options, const train::CommonOptions& common) {
    options.lr = common.lr;
    options.schedule = common.schedule;
    options.early_stop_patience = common.early_stop;
    options.clip_value = common.clip_value;
    options.clip_norm = common.clip_norm;
    options.checkpoints.save = common.save;
    options.checkpoints.save_every = common.save_every;
    options.checkpoints.resume = common.resume;
    return options;
}

std::string run_checkpoint_path(const std::string& file, const std::string& run) {
    std::string name;   // the run's name as a file name: letters, digits, '-' and '_'
    for (const char c : run) name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
    std::filesystem::path path(file);
    path.replace_filename(path.stem().string() + "-" + name + path.extension().string());
    return path.string();
}

FitOptions with_run_checkpoints(FitOptions options, const train::CommonOptions& common, const std::string& run,
                                const std::string& kind) {
    FitOptions::Checkpoints& ck = options.checkpoints;
    ck.save = common.save.empty() ? "" : run_checkpoint_path(common.save, run);
    ck.resume = "";
    ck.kind = kind;
    if (!common.resume.empty()) {
        const std::string path = run_checkpoint_path(common.resume, run);
        if (std::filesystem::exists(path))
            ck.resume = path;
        else if (options.epochs == 0)
            DL_THROW(DataError, path << ": no such checkpoint, and --epochs 0 only evaluates saved runs (run " << run
                                     << " had not started: give --epochs to train it)");
    }
    return options;
}

void check_run_checkpoints(const train::CommonOptions& common, const std::vector<std::string>& runs) {
    if (common.resume.empty()) return;
    std::string expected;
    for (const auto& run : runs) {
        const std::string path = run_checkpoint_path(common.resume, run);
        if (std::filesystem::exists(path)) return;
        expected += (expected.empty() ? "" : ", ") + path;
    }
    DL_THROW(DataError, "--resume " << common.resume << ": this program trains several models and keeps one checkpoint "
                                       "per run, but none of them exists (expected "
                                    << expected << ")");
}

namespace {

// A classifier's side of the loop: shuffled mini-batches of a dataset, one epoch an interval.
class ClassifierTask final : public Task {
public:
    ClassifierTask(nn::Sequential& model, nn::Loss& loss, optim::Optimizer& optimizer, const data::Dataset& train,
                   const data::Dataset& validation, const FitOptions& options, Rng& rng)
        : model_(model), loss_(loss), optimizer_(optimizer), train_(train), validation_(validation),
          options_(options), rng_(rng), batches_(train.size(), options.batch_size, rng),
          update_{{model.parameters(), &optimizer, 0.0}} {}

    data::BatchIterator& batches() { return batches_; }
    void set_steps(long steps) { steps_ = steps; }   // a resumed run's steps so far

    BatchResult step(double lr, const StepOptions& options) override {
        auto idx = batches_.next_across_epochs();
        const std::size_t global = idx.size();
        DataParallel* const parallel = options_.data_parallel;
        if (parallel != nullptr) {   // chapter 10: this process's share of the global batch
            const auto mine = parallel->share(global);
            idx = idx.subspan(mine.begin, mine.size);
        }
        data::gather(x_, labels_, train_, idx);
        if (options_.augment) options_.augment(x_, steps_);
        ++steps_;
        update_[0].lr = lr;
        return detail::supervised_step(
            update_, loss_, labels_, [&]() -> const Tensor& { return model_.forward(x_, nn::Mode::train); },
            [&](const Tensor& dout) { model_.backward(dout); }, options, parallel, global);
    }

    std::optional<Evaluation> evaluate() override {
        if (validation_.size() == 0) return std::nullopt;
        return train::evaluate(model_, loss_, validation_);
    }

    std::vector<Tensor*> weights() override {
        std::vector<Tensor*> saved;   // the parameters, then the buffers (batch norm's running statistics)
        for (auto* p : update_[0].params) saved.push_back(&p->value);
        for (auto* b : model_.buffers()) saved.push_back(b);
        return saved;
    }

    util::Checkpoint checkpoint(const RunState& run) override {
        return make_run_checkpoint(options_.checkpoints.kind, model_, optimizer_, rng_, batches_, run);
    }

    void report(const EpochMetrics& m, long length) override {
        std::cout << "epoch " << m.epoch << '/' << length << "  loss " << util::format_fixed(m.train_loss, 4)
                  << "  acc " << util::format_fixed(m.train_acc, 4) << "  val_loss " << util::format_fixed(m.val_loss, 4)
                  << "  val_acc " << util::format_fixed(m.val_acc, 4) << "  " << util::format_fixed(m.seconds, 2)
                  << " s  " << static_cast<long long>(m.examples_per_s) << " examples/s" << std::endl;
    }

private:
    nn::Sequential& model_;
    nn::Loss& loss_;
    optim::Optimizer& optimizer_;
    const data::Dataset &train_, &validation_;
    const FitOptions& options_;
    Rng& rng_;
    data::BatchIterator batches_;
    std::vector<Update> update_;
    Tensor x_;   // the batch, its buffers reused from batch to batch
    std::vector<int> labels_;
    long steps_ = 0;   // the steps taken, for the augment hook
};

}  // namespace

std::vector<EpochMetrics> fit(nn::Sequential& model, nn::Loss& loss, optim::Optimizer& optimizer,
                              const data::Dataset& train, const data::Dataset& validation,
                              const FitOptions& options, Rng& rng) {
    DL_CHECK(train.size() > 0, "fit: the training set is empty");
    DL_CHECK(options.early_stop_patience >= 0, "fit: early_stop_patience must be >= 0");
    DL_CHECK(options.early_stop_patience == 0 || validation.size() > 0, "fit: early stopping needs a validation set");
    model.set_input_grad_needed(false);   // nothing before the model learns: skip the first dX
    ClassifierTask task(model, loss, optimizer, train, validation, options, rng);
    const Checkpoints& ck = options.checkpoints;
    RunState run;
    if (!ck.resume.empty())
        run = restore_run_checkpoint(util::read_checkpoint(ck.resume), ck.resume, ck.kind, model, optimizer, rng,
                                     task.batches());
    task.set_steps(run.step);
    return run_loop(task,
                    {.unit = LoopOptions::Unit::epochs,
                     .length = options.epochs,
                     .steps_per_interval = static_cast<long>(task.batches().batches_per_epoch()),
                     .lr = options.lr,
                     .schedule = options.schedule,
                     .step = {.clip_value = options.clip_value, .clip_norm = options.clip_norm},
                     .early_stop_patience = options.early_stop_patience,
                     .progress = options.progress,
                     .on_interval = options.on_epoch,
                     .checkpoints = ck},
                    std::move(run));
}

}  // namespace dl::train
