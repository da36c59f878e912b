#include "dl/train/language_model.hpp"

#include "dl/nn/loss.hpp"
#include "dl/train/resume.hpp"
#include "dl/util/progress.hpp"
#include "supervised_step.hpp"

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

namespace {

// A language model's side of the loop: windows of the text (random, or streams that carry the
// recurrent state from batch to batch), an evaluation every eval_every steps.
class LanguageModelTask final : public Task {
public:
    LanguageModelTask(nn::LanguageModel& model, optim::Optimizer& optimizer, std::span<const int> train,
                      const std::vector<data::TokenBatch>& validation, const LmFitOptions& options, Rng& rng)
        : model_(model), optimizer_(optimizer), train_(train), validation_(validation), options_(options), rng_(rng),
          update_{{model.parameters(), &optimizer, 0.0}} {
        if (options.batching == "streams") streams_.emplace(train, options.batch_size, options.seq_len);
    }

    // Restores the run in `checkpoint`: the model, optimizer and generator, and the streams' place.
    RunState restore(const util::Checkpoint& checkpoint, const std::string& source) {
        LmRunState lm = restore_lm_checkpoint(checkpoint, source, options_.checkpoints.kind, model_, &optimizer_, &rng_);
        if (streams_) streams_->set_position(lm.position % streams_->batches_per_epoch());
        model_.set_carried_state(lm.carried);
        return {.epoch = lm.evaluations, .step = lm.step, .history = std::move(lm.history)};
    }

    BatchResult step(double lr, const StepOptions& options) override {
        const std::size_t B = options_.batch_size, T = options_.seq_len;
        bool carry = false;
        if (streams_) {
            bool restarted = false;
            streams_->next(batch_, restarted);
            carry = !restarted;
        } else {
            data::random_windows(batch_, train_, B, T, rng_);
        }
        update_[0].lr = lr;
        DataParallel* const parallel = options_.data_parallel;
        if (parallel == nullptr)
            return detail::supervised_step(
                update_, loss_, batch_.targets,
                [&]() -> const Tensor& { return model_.forward(batch_.inputs, B, T, carry); },
                [&](const Tensor& dlogits) { model_.backward(dlogits); }, options);
        // Chapter 10: every process drew the same B windows (the same generator); it trains on its rows.
        const auto mine = parallel->share(B);
        const std::span<const int> inputs = std::span<const int>(batch_.inputs).subspan(mine.begin * T, mine.size * T);
        const std::span<const int> targets = std::span<const int>(batch_.targets).subspan(mine.begin * T, mine.size * T);
        return detail::supervised_step(
            update_, loss_, targets, [&]() -> const Tensor& { return model_.forward(inputs, mine.size, T, carry); },
            [&](const Tensor& dlogits) { model_.backward(dlogits); }, options, parallel, B * T);
    }

    std::optional<Evaluation> evaluate() override { return evaluate_language_model(model_, validation_); }

    std::vector<Tensor*> weights() override {
        std::vector<Tensor*> saved;
        for (auto* p : update_[0].params) saved.push_back(&p->value);
        return saved;
    }

    util::Checkpoint checkpoint(const RunState& run) override {
        const LmRunState lm{.step = run.step,
                            .evaluations = run.epoch,
                            .position = streams_ ? streams_->position() : 0,
                            .carried = streams_ ? model_.carried_state() : std::vector<Tensor>{},
                            .history = run.history};
        util::Checkpoint c = make_lm_checkpoint(options_.checkpoints.kind, model_, optimizer_, rng_, lm);
        if (options_.save_extra) options_.save_extra(c);
        return c;
    }

    void report(const EpochMetrics& m, long length) override {
        std::cout << "step " << m.step << '/' << length << "  loss " << util::format_fixed(m.train_loss, 4)
                  << "  val_loss " << util::format_fixed(m.val_loss, 4) << " nats/char ("
                  << util::format_fixed(m.val_loss / std::numbers::ln2, 3) << " bits/char)  val_acc "
                  << util::format_fixed(m.val_acc, 4) << "  " << util::format_fixed(m.seconds, 1) << " s  "
                  << static_cast<long long>(m.examples_per_s) << " chars/s" << std::endl;
    }

private:
    nn::LanguageModel& model_;
    optim::Optimizer& optimizer_;
    std::span<const int> train_;
    const std::vector<data::TokenBatch>& validation_;
    const LmFitOptions& options_;
    Rng& rng_;
    std::optional<data::StreamBatches> streams_;
    std::vector<Update> update_;
    nn::SoftmaxCrossEntropy loss_;
    data::TokenBatch batch_;
};

}  // namespace

std::vector<EpochMetrics> fit_language_model(nn::LanguageModel& model, optim::Optimizer& optimizer,
                                             std::span<const int> train,
                                             const std::vector<data::TokenBatch>& validation,
                                             const LmFitOptions& options, Rng& rng) {
    if (options.batching != "streams" && options.batching != "random")
        DL_THROW(UsageError, "--batching must be streams or random, got '" << options.batching << "'");
    DL_CHECK(options.eval_every >= 1, "--eval-every must be at least 1, got " << options.eval_every);
    DL_CHECK(options.data_parallel == nullptr || options.batching == "random",
             "data-parallel training takes random windows: streams carry each row's state from batch to batch");
    LanguageModelTask task(model, optimizer, train, validation, options, rng);
    const Checkpoints& ck = options.checkpoints;
    RunState run;
    if (!ck.resume.empty()) {
        const util::Checkpoint saved = util::read_checkpoint(ck.resume);
        run = task.restore(saved, ck.resume);
        if (options.restore_extra) options.restore_extra(saved, run.history);
    }
    return run_loop(task,
                    {.unit = LoopOptions::Unit::steps,
                     .length = options.steps,
                     .steps_per_interval = options.eval_every,
                     .lr = options.lr,
                     .schedule = options.schedule,
                     .step = {.clip_value = options.clip_value, .clip_norm = options.clip_norm},
                     .progress = options.progress,
                     .on_interval = options.on_eval,
                     .replay_restored = !options.restore_extra,
                     .checkpoints = ck},
                    std::move(run));
}

long load_language_model(const std::string& source, const std::string& kind, nn::LanguageModel& model) {
    return restore_lm_checkpoint(util::read_checkpoint(source), source, kind, model, nullptr, nullptr).step;
}

std::string generate_text(nn::LanguageModel& model, const data::TextCorpus& corpus, const std::string& prompt,
                          std::size_t length, double temperature, Rng& rng, const std::function<bool()>& stop) {
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
    for (std::size_t i = 0; i < length; ++i) {
        if (stop && stop()) break;
        ids.push_back(sample_next<float>(next_logits(i == 0), temperature, rng));
    }
    model.set_carried_state(saved);
    return corpus.decode(std::vector<int>(ids.begin() + static_cast<std::ptrdiff_t>(prompt_length), ids.end()));
}

}  // namespace dl::train
