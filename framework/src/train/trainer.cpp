#include "dl/train/trainer.hpp"

#include "dl/data/batches.hpp"
#include "dl/ops/clipping.hpp"
#include "dl/ops/early_stopping.hpp"
#include "dl/train/resume.hpp"
#include "dl/util/progress.hpp"
#include "dl/util/timer.hpp"
#include "interrupt.hpp"

#include <cctype>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

namespace dl::train {

using detail::interrupted;
using detail::InterruptGuard;

std::size_t count_correct(const std::vector<int>& predicted, std::span<const int> labels) {
    DL_CHECK(predicted.size() == labels.size(), "count_correct: " << predicted.size() << " predictions for "
                                                                   << labels.size() << " labels");
    std::size_t correct = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) correct += predicted[i] == labels[i] ? 1 : 0;
    return correct;
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

std::vector<EpochMetrics> fit(nn::Sequential& model, nn::Loss& loss, optim::Optimizer& optimizer,
                              const data::Dataset& train, const data::Dataset& validation,
                              const FitOptions& options, Rng& rng) {
    DL_CHECK(train.size() > 0, "fit: the training set is empty");
    model.set_input_grad_needed(false);   // nothing before the model learns: skip the first dX
    const auto params = model.parameters();
    data::BatchIterator batches(train.size(), options.batch_size, rng);
    const double base_lr = optimizer.lr();
    std::vector<Tensor*> grads;
    for (auto* p : params) grads.push_back(&p->grad);
    // Early stopping: the rule (chapter 4's exercise) and a copy of the best epoch's weights.
    DL_CHECK(options.early_stop_patience >= 0, "fit: early_stop_patience must be >= 0");
    const bool early_stopping = options.early_stop_patience > 0;
    DL_CHECK(!early_stopping || validation.size() > 0, "fit: early stopping needs a validation set");
    RunState run;
    run.stopping.patience = options.early_stop_patience;
    std::vector<Tensor*> saved;   // what early stopping keeps: the parameters, then the buffers
    for (auto* p : params) saved.push_back(&p->value);
    for (auto* b : model.buffers()) saved.push_back(b);
    const FitOptions::Checkpoints& ck = options.checkpoints;
    DL_CHECK(ck.save_every >= 1, "--save-every must be at least 1, got " << ck.save_every);
    if (!ck.resume.empty()) {
        run = restore_run_checkpoint(util::read_checkpoint(ck.resume), ck.resume, ck.kind, model, optimizer, rng, batches);
        run.stopping.patience = options.early_stop_patience;
        DL_CHECK(options.epochs == 0 || run.epoch <= options.epochs,
                 ck.resume << " holds " << run.epoch << " epochs, more than --epochs " << options.epochs
                           << " (the total, counting those; --epochs 0 only evaluates)");
        if (options.progress)
            std::cout << "resumed from " << ck.resume << " after epoch " << run.epoch << " (step " << run.step << ")"
                      << std::endl;
        if (options.on_epoch)
            for (const auto& m : run.history) options.on_epoch(m);
    }
    // --epochs 0 with --resume: nothing more to train (the caller evaluates the saved model).
    const int total_epochs = options.epochs == 0 && !ck.resume.empty() ? run.epoch : options.epochs;
    DL_CHECK(total_epochs >= 1, "fit: epochs must be at least 1");
    const optim::LrSchedule schedule(options.schedule, base_lr, total_epochs,
                                     static_cast<long>(batches.batches_per_epoch()));
    long& step = run.step;
    std::vector<EpochMetrics>& history = run.history;
    EarlyStoppingState& stopping = run.stopping;
    std::vector<Tensor>& best_weights = run.best_weights;
    // The state after the last finished epoch, kept for Ctrl-C (written only then).
    std::optional<util::Checkpoint> last;
    const InterruptGuard guard(!ck.save.empty());
    if (!ck.save.empty()) last = make_run_checkpoint(ck.kind, model, optimizer, rng, batches, run);
    Tensor x;   // the batch, its buffers reused from batch to batch
    std::vector<int> labels;
    for (int epoch = run.epoch + 1; epoch <= total_epochs; ++epoch) {
        std::ostringstream label;
        label << "epoch " << epoch << '/' << total_epochs;
        util::ProgressBar bar(batches.batches_per_epoch(), label.str(), options.progress);
        util::Timer timer;
        double loss_sum = 0;
        std::size_t correct = 0, seen = 0;
        for (auto idx = batches.next(); !idx.empty(); idx = batches.next()) {
            data::gather(x, labels, train, idx);
            if (options.augment) options.augment(x);
            optimizer.zero_grad(params);
            const Tensor& out = model.forward(x, nn::Mode::train);
            const float batch_loss = loss.forward(out, labels);
            if (!std::isfinite(batch_loss)) {   // one NaN poisons every weight it reaches: stop here
                bar.finish();
                std::string kept;
                if (last) {   // the last finished epoch's state, for a --resume with a lower rate
                    util::write_checkpoint(ck.save, *last);
                    kept = "; " + ck.save + " keeps the state after epoch " + std::to_string(last->epoch);
                }
                DL_THROW(Error, "training diverged: the loss is " << batch_loss << " at epoch " << epoch << ", step "
                                                                   << step + 1 << " (learning rate " << optimizer.lr()
                                                                   << "); the rate is probably too high: try --lr "
                                                                   << optimizer.lr() / 10
                                                                   << " (or --clip-norm, or --lr-schedule with --warmup-steps)"
                                                                   << kept);
            }
            correct += count_correct(loss.predict(out), labels);
            model.backward(loss.backward());
            if (options.clip_value > 0) clip_grad_value(grads, static_cast<float>(options.clip_value));
            if (options.clip_norm > 0) clip_grad_norm(grads, static_cast<float>(options.clip_norm));
            if (schedule.active()) optimizer.set_lr(schedule.lr(epoch - 1, step));
            optimizer.step(params);
            ++step;
            loss_sum += static_cast<double>(batch_loss) * static_cast<double>(idx.size());
            seen += idx.size();
            bar.advance("loss " + util::format_fixed(loss_sum / static_cast<double>(seen), 4));
            if (!ck.save.empty() && interrupted != 0) {   // Ctrl-C: keep the last finished epoch, then stop
                bar.finish();
                util::write_checkpoint(ck.save, *last);
                DL_THROW(Error, "interrupted in epoch " << epoch << ": saved the state after epoch " << last->epoch << " to "
                                                       << ck.save << " (--resume " << ck.save << " continues from there)");
            }
        }
        EpochMetrics m;
        m.epoch = epoch;
        m.seconds = timer.seconds();
        m.train_loss = loss_sum / static_cast<double>(seen);
        m.train_acc = static_cast<double>(correct) / static_cast<double>(seen);
        m.examples_per_s = static_cast<double>(seen) / m.seconds;
        m.lr = optimizer.lr();
        m.step = step;
        bar.finish();
        if (validation.size() > 0) {
            const Evaluation v = evaluate(model, loss, validation);
            m.val_loss = v.loss;
            m.val_acc = v.accuracy;
        }
        history.push_back(m);
        if (options.progress)
            std::cout << label.str() << "  loss " << util::format_fixed(m.train_loss, 4) << "  acc "
                      << util::format_fixed(m.train_acc, 4) << "  val_loss " << util::format_fixed(m.val_loss, 4)
                      << "  val_acc " << util::format_fixed(m.val_acc, 4) << "  " << util::format_fixed(m.seconds, 2)
                      << " s  " << static_cast<long long>(m.examples_per_s) << " examples/s" << std::endl;
        if (options.on_epoch) options.on_epoch(m);
        bool stop = false;
        if (early_stopping) {
            stop = early_stopping_update(stopping, epoch, m.val_loss);
            if (stopping.best_epoch == epoch) {
                best_weights.clear();
                for (const auto* t : saved) best_weights.push_back(*t);
            }
        }
        run.epoch = epoch;
        if (!ck.save.empty()) {
            last = make_run_checkpoint(ck.kind, model, optimizer, rng, batches, run);
            if (epoch % ck.save_every == 0 || epoch == total_epochs || stop) util::write_checkpoint(ck.save, *last);
        }
        if (early_stopping) {
            if (stop) {
                if (options.progress)
                    std::cout << "early stop: no better validation loss for " << options.early_stop_patience
                              << " epochs" << std::endl;
                break;
            }
        }
    }
    if (early_stopping && !best_weights.empty()) {   // end with the best epoch's weights
        for (std::size_t i = 0; i < saved.size(); ++i) *saved[i] = best_weights[i];
        if (options.progress && stopping.best_epoch != static_cast<int>(history.size()))
            std::cout << "restored the weights of epoch " << stopping.best_epoch << " (validation loss "
                      << util::format_fixed(stopping.best_loss, 4) << ")" << std::endl;
    }
    optimizer.set_lr(base_lr);   // a schedule changed it step by step; the next fit starts from η again
    return history;
}

}  // namespace dl::train
