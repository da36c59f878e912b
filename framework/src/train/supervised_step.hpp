#pragma once
// The training step of the two trainers (trainer.cpp, language_model.cpp): a model scored by a loss
// against labels. Internal to dl_framework.

#include "dl/nn/loss.hpp"
#include "dl/train/loop.hpp"
#include "dl/train/step.hpp"
#include "dl/train/trainer.hpp"

#include <functional>
#include <span>
#include <vector>

namespace dl::train::detail {

// train_step with forward = loss(model's output on the batch, labels) and backward = the model's
// backward from the loss's gradient; counts the batch's examples and right predictions.
// With `parallel` (chapter 10), `labels` are this process's share of a global batch of
// `global_examples`: the loss and the counts returned are the whole batch's, and the gradients are
// averaged across the processes before clipping and the optimizer step (dl/train/data_parallel.hpp).
inline BatchResult supervised_step(std::span<const Update> updates, nn::Loss& loss, std::span<const int> labels,
                                   const std::function<const Tensor&()>& forward,
                                   const std::function<void(const Tensor& dout)>& backward,
                                   const StepOptions& options, DataParallel* parallel = nullptr,
                                   std::size_t global_examples = 0) {
    BatchResult r{0, labels.size(), 0};
    const Tensor* out = nullptr;
    StepOptions step_options = options;
    double weight = 1;   // n_r / B: this process's part of the batch's mean loss
    if (parallel != nullptr) {
        weight = static_cast<double>(labels.size()) / static_cast<double>(global_examples);
        step_options.after_backward = [&, then = options.after_backward](std::span<const Update> u) {
            parallel->average_gradients(u, weight);
            if (then) then(u);
        };
    }
    r.loss = train_step(
        updates,
        [&] {
            out = &forward();
            const float mine = loss.forward(*out, labels);
            return parallel != nullptr ? static_cast<float>(parallel->sum(weight * static_cast<double>(mine))) : mine;
        },
        [&] {
            r.correct = count_correct(loss.predict(*out), labels);
            backward(loss.backward());
        },
        step_options);
    if (parallel != nullptr) {
        r.correct = static_cast<std::size_t>(parallel->sum(static_cast<double>(r.correct)));
        r.examples = global_examples;
    }
    return r;
}

}  // namespace dl::train::detail
