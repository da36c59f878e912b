#include "dl/train/loop.hpp"

#include "dl/error.hpp"

#include "dl/util/files.hpp"
#include "dl/util/progress.hpp"
#include "dl/util/timer.hpp"
#include "interrupt.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>

namespace dl::train {

std::vector<EpochMetrics> run_loop(Task& task, const LoopOptions& options, RunState run) {
    const bool by_epoch = options.unit == LoopOptions::Unit::epochs;
    const char* unit = by_epoch ? "epoch" : "step";
    const char* interval = by_epoch ? "epoch" : "evaluation";   // what early stopping counts
    const long per = options.steps_per_interval;
    const Checkpoints& ck = options.checkpoints;
    DL_CHECK(per >= 1, "run_loop: an interval of " << per << " steps");
    DL_CHECK(ck.save_every >= 1, "--save-every must be at least 1, got " << ck.save_every);
    DL_CHECK(options.early_stop_patience >= 0, "early_stop_patience must be >= 0");
    if (!ck.resume.empty()) {
        const long done = by_epoch ? run.epoch : run.step;
        if (options.length != 0 && done > options.length)
            DL_THROW(UsageError, ck.resume << " holds " << done << ' ' << unit << "s, more than --" << unit << "s "
                                           << options.length << ": --" << unit
                                           << "s is the total, counting those (give at least " << done << ", or --"
                                           << unit << "s 0 to evaluate the saved model)");
        if (options.progress)
            std::cout << "resumed from " << ck.resume << " after " << unit << ' ' << done
                      << (by_epoch ? " (step " + std::to_string(run.step) + ")" : "") << std::endl;
        if (options.on_interval && options.replay_restored)
            for (const auto& m : run.history) options.on_interval(m);
    }
    // A length of 0 without --resume: weights from elsewhere (--import-safetensors), evaluated as they
    // are, in one row at interval 0 with no training figures.
    if (options.length == 0 && ck.resume.empty()) {
        EpochMetrics m;
        m.train_loss = m.train_acc = std::numeric_limits<double>::quiet_NaN();
        if (const auto v = task.evaluate()) m.val_loss = v->loss, m.val_acc = v->accuracy;
        if (!std::isfinite(m.val_loss))
            DL_THROW(DataError, "the imported weights give a validation loss of "
                                    << m.val_loss << ": they are finite, but the model's outputs are not (weights far "
                                                     "too large for this model?)");
        if (options.on_interval) options.on_interval(m);
        return {m};
    }
    // A length of 0 with --resume: nothing more to train (the caller evaluates the saved model).
    const long length = options.length == 0 && !ck.resume.empty() ? (by_epoch ? run.epoch : run.step) : options.length;
    DL_CHECK(length >= 1, "--" << unit << "s must be at least 1, got " << options.length);
    const long total_steps = by_epoch ? length * per : length;
    const long intervals = by_epoch ? length : (length + per - 1) / per;
    const optim::LrSchedule schedule(options.schedule, options.lr, static_cast<int>(intervals), per);
    const bool early_stopping = options.early_stop_patience > 0;
    run.stopping.patience = options.early_stop_patience;
    const std::vector<Tensor*> weights = early_stopping ? task.weights() : std::vector<Tensor*>{};

    // The state after the last finished interval: written on Ctrl-C and when the loss diverges.
    std::optional<util::Checkpoint> last;
    std::optional<util::DirectoryLock> save_lock;   // two runs saving to one file would replace each other's state
    if (!ck.save.empty()) save_lock.emplace(ck.save, "--save");
    const detail::InterruptGuard guard(!ck.save.empty());
    if (!ck.save.empty()) last = task.checkpoint(run);
    // "epoch 4" / "step 41": where the run is; "epoch 3" / "step 40": where the last checkpoint is.
    auto after_last = [&] { return std::string(unit) + ' ' + std::to_string(by_epoch ? last->epoch : last->step); };
    const long first_step = run.step;   // this run's first: the weights as they came (fresh, imported or resumed)
    while (by_epoch ? run.epoch < length : run.step < total_steps) {
        const long end = by_epoch ? run.step + per : std::min(total_steps, static_cast<long>(run.epoch + 1) * per);
        std::ostringstream label;
        if (by_epoch) label << "epoch " << run.epoch + 1 << '/' << length;
        else label << "steps " << run.step + 1 << '-' << end << '/' << total_steps;
        util::ProgressBar bar(static_cast<std::size_t>(end - run.step), label.str(), options.progress);
        util::Timer timer;
        double loss_sum = 0, lr = options.lr;
        std::size_t correct = 0, seen = 0;
        for (; run.step < end; ++run.step) {
            lr = schedule.lr(run.epoch, run.step);
            BatchResult batch;
            try {
                batch = task.step(lr, options.step);
            } catch (const Diverged& e) {
                bar.finish();
                std::string kept;
                if (last) {   // the last finished interval's state, for a --resume with a lower rate
                    util::write_checkpoint(ck.save, *last);
                    kept = "; " + ck.save + " keeps the state after " + after_last();
                }
                const std::string where = (by_epoch ? "epoch " + std::to_string(run.epoch + 1) + ", " : "") + "step " +
                                          std::to_string(run.step + 1);
                // The loss is computed before the step's update: on this run's first step no rate has
                // touched the weights yet, so the rate cannot be the cause.
                if (run.step == first_step)
                    DL_THROW(Error, "training diverged: " << e.what() << " at " << where
                                                          << ", the first step of this run, before any update: the "
                                                             "weights it started from give it, whatever the rate (check "
                                                             "the file of --import-safetensors or --resume; from a fresh "
                                                             "model, check the forward pass and the initialisation)");
                DL_THROW(Error, "training diverged: " << e.what() << " at " << where << " (learning rate " << lr
                                                      << "); the rate is probably too high: try --lr " << lr / 10
                                                      << " (or --clip-norm, or --lr-schedule with --warmup-steps)" << kept);
            }
            loss_sum += static_cast<double>(batch.loss) * static_cast<double>(batch.examples);
            seen += batch.examples;
            correct += batch.correct;
            bar.advance("loss " + util::format_fixed(loss_sum / static_cast<double>(seen), 4));
            if (last && detail::interrupted != 0) {   // Ctrl-C: keep the last finished interval, then stop
                bar.finish();
                util::write_checkpoint(ck.save, *last);
                DL_THROW(Error, "interrupted " << (by_epoch ? "in epoch " + std::to_string(run.epoch + 1)
                                                            : "at step " + std::to_string(run.step + 1))
                                               << ": saved the state after " << after_last() << " to " << ck.save
                                               << " (--resume " << ck.save << " continues from there)");
            }
        }
        EpochMetrics m;
        m.seconds = timer.seconds();
        bar.finish();
        m.epoch = ++run.epoch;
        m.step = run.step;
        m.train_loss = loss_sum / static_cast<double>(seen);
        m.train_acc = static_cast<double>(correct) / static_cast<double>(seen);
        m.examples_per_s = static_cast<double>(seen) / m.seconds;
        m.lr = lr;
        if (const auto v = task.evaluate()) m.val_loss = v->loss, m.val_acc = v->accuracy;
        run.history.push_back(m);
        if (options.progress) task.report(m, length);
        if (options.on_interval) options.on_interval(m);
        bool stop = false;
        if (early_stopping) {
            stop = early_stopping_update(run.stopping, m.epoch, m.val_loss);
            if (run.stopping.best_epoch == m.epoch) {
                run.best_weights.clear();
                for (const auto* t : weights) run.best_weights.push_back(*t);
            }
        }
        if (!ck.save.empty()) {
            last = task.checkpoint(run);
            if (run.epoch % ck.save_every == 0 || run.step == total_steps || stop) util::write_checkpoint(ck.save, *last);
        }
        // Ctrl-C during the evaluation or the sample: this interval is whole, and its checkpoint now saved.
        if (last && detail::interrupted != 0 && !stop && run.step < total_steps) {
            util::write_checkpoint(ck.save, *last);
            DL_THROW(Error, "interrupted after " << after_last() << ": saved the state after " << after_last() << " to "
                                                 << ck.save << " (--resume " << ck.save << " continues from there)");
        }
        if (stop) {
            if (options.progress)
                std::cout << "early stop: no better validation loss for " << options.early_stop_patience << ' '
                          << interval << "s" << std::endl;
            break;
        }
    }
    if (early_stopping && !run.best_weights.empty()) {   // end with the best interval's weights
        for (std::size_t i = 0; i < weights.size(); ++i) *weights[i] = run.best_weights[i];
        if (options.progress && run.stopping.best_epoch != static_cast<int>(run.history.size()))
            std::cout << "restored the weights of " << interval << ' ' << run.stopping.best_epoch << " (validation loss "
                      << util::format_fixed(run.stopping.best_loss, 4) << ")" << std::endl;
    }
    return run.history;
}

}  // namespace dl::train
