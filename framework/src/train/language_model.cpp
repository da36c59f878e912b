#include "dl/train/language_model.hpp"

#include "dl/nn/loss.hpp"
#include "dl/ops/clipping.hpp"
#include "dl/train/resume.hpp"
#include "dl/util/progress.hpp"
#include "dl/util/timer.hpp"
#include "interrupt.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <numbers>
#include <optional>
#include <sstream>

namespace dl::train {

Evaluation evaluate_language_model(nn::LanguageModel& model, const std::vector<data::TokenBatch>& windows) {
    DL_CHECK(!windows.empty(), "evaluate_language_model: no validation windows");
    std::vector<Tensor> carried = model.carried_state();   // set aside: evaluation starts from zero
    nn::SoftmaxCrossEntropy loss;
    double loss_sum = 0;
    std::size_t correct = 0, seen = 0;
    for (const auto& w : windows) {
        const Tensor& logits = model.forward(w.inputs, w.batch, w.steps, false);
        loss_sum += static_cast<double>(loss.forward(logits, w.targets)) * static_cast<double>(w.targets.size());
        correct += count_correct(loss.predict(logits), w.targets);
        seen += w.targets.size();
    }
    model.set_carried_state(std::move(carried));
    return {loss_sum / static_cast<double>(seen), static_cast<double>(correct) / static_cast<double>(seen)};
}

std::vector<EpochMetrics> fit_language_model(nn::LanguageModel& model, optim::Optimizer& optimizer,
                                             std::span<const int> train,
                                             const std::vector<data::TokenBatch>& validation,
                                             const LmFitOptions& options, Rng& rng) {
    DL_CHECK(options.batching == "streams" || options.batching == "random",
             "--batching must be streams or random, got '" << options.batching << "'");
    DL_CHECK(options.eval_every >= 1, "--eval-every must be at least 1, got " << options.eval_every);
    const FitOptions::Checkpoints& ck = options.checkpoints;
    DL_CHECK(ck.save_every >= 1, "--save-every must be at least 1, got " << ck.save_every);
    const bool streaming = options.batching == "streams";
    const std::size_t B = options.batch_size, T = options.seq_len;
    std::optional<data::StreamBatches> streams;
    if (streaming) streams.emplace(train, B, T);
    const auto params = model.parameters();
    std::vector<Tensor*> grads;
    for (auto* p : params) grads.push_back(&p->grad);
    const double base_lr = optimizer.lr();

    LmRunState run;
    if (!ck.resume.empty()) {
        run = restore_lm_checkpoint(util::read_checkpoint(ck.resume), ck.resume, ck.kind, model, &optimizer, &rng);
        if (streams) streams->set_position(run.position % streams->batches_per_epoch());
        model.set_carried_state(run.carried);
        DL_CHECK(options.steps == 0 || run.step <= options.steps,
                 ck.resume << " holds " << run.step << " steps, more than --steps " << options.steps
                           << " (the total, counting those; --steps 0 only evaluates)");
        if (options.progress)
            std::cout << "resumed from " << ck.resume << " after step " << run.step << std::endl;
        if (options.on_eval)
            for (const auto& m : run.history) options.on_eval(m);
    }
    const long total_steps = options.steps == 0 && !ck.resume.empty() ? run.step : options.steps;
    DL_CHECK(total_steps >= 1, "--steps must be at least 1, got " << options.steps);
    const long intervals = (total_steps + options.eval_every - 1) / options.eval_every;
    const optim::LrSchedule schedule(options.schedule, base_lr, static_cast<int>(intervals), options.eval_every);

    // The state after the last evaluation: written on Ctrl-C and when the loss diverges.
    std::optional<util::Checkpoint> last;
    const detail::InterruptGuard guard(!ck.save.empty());
    if (!ck.save.empty()) last = make_lm_checkpoint(ck.kind, model, optimizer, rng, run);
    nn::SoftmaxCrossEntropy loss;
    data::TokenBatch batch;
    while (run.step < total_steps) {
        const long end = std::min(total_steps, static_cast<long>(run.evaluations + 1) * options.eval_every);
        std::ostringstream label;
        label << "steps " << run.step + 1 << '-' << end << '/' << total_steps;
        util::ProgressBar bar(static_cast<std::size_t>(end - run.step), label.str(), options.progress);
        util::Timer timer;
        double loss_sum = 0;
        std::size_t correct = 0, seen = 0;
        for (; run.step < end; ++run.step) {
            bool carry = false;
            if (streams) {
                bool restarted = false;
                streams->next(batch, restarted);
                carry = !restarted;
            } else {
                data::random_windows(batch, train, B, T, rng);
            }
            optimizer.zero_grad(params);
            const Tensor& logits = model.forward(batch.inputs, B, T, carry);
            const float batch_loss = loss.forward(logits, batch.targets);
            if (!std::isfinite(batch_loss)) {   // one NaN poisons every weight it reaches: stop here
                bar.finish();
                std::string kept;
                if (last) {
                    util::write_checkpoint(ck.save, *last);
                    kept = "; " + ck.save + " keeps the state after step " + std::to_string(last->step);
                }
                DL_THROW(Error, "training diverged: the loss is " << batch_loss << " at step " << run.step + 1
                                                                   << " (learning rate " << optimizer.lr()
                                                                   << "); the rate is probably too high: try --lr "
                                                                   << optimizer.lr() / 10 << " or --clip-norm 1"
                                                                   << kept);
            }
            correct += count_correct(loss.predict(logits), batch.targets);
            model.backward(loss.backward());
            if (options.clip_value > 0) clip_grad_value(grads, static_cast<float>(options.clip_value));
            if (options.clip_norm > 0) clip_grad_norm(grads, static_cast<float>(options.clip_norm));
            if (schedule.active()) optimizer.set_lr(schedule.lr(run.evaluations, run.step));
            optimizer.step(params);
            loss_sum += static_cast<double>(batch_loss) * static_cast<double>(batch.targets.size());
            seen += batch.targets.size();
            bar.advance("loss " + util::format_fixed(loss_sum / static_cast<double>(seen), 4));
            if (last && detail::interrupted != 0) {   // Ctrl-C: keep the last evaluation's state, then stop
                bar.finish();
                util::write_checkpoint(ck.save, *last);
                DL_THROW(Error, "interrupted at step " << run.step + 1 << ": saved the state after step " << last->step
                                                       << " to " << ck.save << " (--resume " << ck.save
                                                       << " continues from there)");
            }
        }
        EpochMetrics m;
        m.seconds = timer.seconds();
        bar.finish();
        m.epoch = ++run.evaluations;
        m.step = run.step;
        m.train_loss = loss_sum / static_cast<double>(seen);
        m.train_acc = static_cast<double>(correct) / static_cast<double>(seen);
        m.examples_per_s = static_cast<double>(seen) / m.seconds;
        m.lr = optimizer.lr();
        const Evaluation v = evaluate_language_model(model, validation);
        m.val_loss = v.loss;
        m.val_acc = v.accuracy;
        run.history.push_back(m);
        if (options.progress)
            std::cout << "step " << m.step << '/' << total_steps << "  loss " << util::format_fixed(m.train_loss, 4)
                      << "  val_loss " << util::format_fixed(m.val_loss, 4) << " nats/char ("
                      << util::format_fixed(m.val_loss / std::numbers::ln2, 3) << " bits/char)  val_acc "
                      << util::format_fixed(m.val_acc, 4) << "  " << util::format_fixed(m.seconds, 1) << " s  "
                      << static_cast<long long>(m.examples_per_s) << " chars/s" << std::endl;
        if (options.on_eval) options.on_eval(m);
        run.position = streams ? streams->position() : 0;
        run.carried = streams ? model.carried_state() : std::vector<Tensor>{};
        if (!ck.save.empty()) {
            last = make_lm_checkpoint(ck.kind, model, optimizer, rng, run);
            if (run.evaluations % ck.save_every == 0 || run.step == total_steps) util::write_checkpoint(ck.save, *last);
        }
    }
    optimizer.set_lr(base_lr);
    return run.history;
}

long load_language_model(const std::string& source, const std::string& kind, nn::LanguageModel& model) {
    return restore_lm_checkpoint(util::read_checkpoint(source), source, kind, model, nullptr, nullptr).step;
}

std::string generate_text(nn::LanguageModel& model, const data::TextCorpus& corpus, const std::string& prompt,
                          std::size_t length, double temperature, Rng& rng) {
    std::vector<int> ids = corpus.encode(prompt, "the prompt");
    if (ids.empty()) ids.push_back(corpus.id_of(U'\n') >= 0 ? corpus.id_of(U'\n') : 0);
    const std::vector<Tensor> saved = model.carried_state();
    const std::size_t window = model.context();
    // The logits of the character after the last one of `ids`.
    auto next_logits = [&](bool first) -> std::span<const float> {
        const Tensor* logits = nullptr;
        if (window == 0)
            logits = first ? &model.forward(ids, 1, ids.size(), false)
                           : &model.forward(std::span<const int>(&ids.back(), 1), 1, 1, true);
        else {
            const std::size_t n = std::min(window, ids.size());
            logits = &model.forward(std::span<const int>(ids).last(n), 1, n, false);
        }
        return logits->row(logits->dim(0) - 1);
    };
    const std::size_t prompt_length = ids.size();
    for (std::size_t i = 0; i < length; ++i) ids.push_back(sample_next<float>(next_logits(i == 0), temperature, rng));
    model.set_carried_state(saved);
    return corpus.decode(std::vector<int>(ids.begin() + static_cast<std::ptrdiff_t>(prompt_length), ids.end()));
}

}  // namespace dl::train
