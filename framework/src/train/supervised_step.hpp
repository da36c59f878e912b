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
inline BatchResult supervised_step(std::span<const Update> updates, nn::Loss& loss, std::span<const int> labels,
                                   const std::function<const Tensor&()>& forward,
                                   const std::function<void(const Tensor& dout)>& backward,
                                   const StepOptions& options) {
    BatchResult r{0, labels.size(), 0};
    const Tensor* out = nullptr;
    r.loss = train_step(
        updates,
        [&] {
            out = &forward();
            return loss.forward(*out, labels);
        },
        [&] {
            r.correct = count_correct(loss.predict(*out), labels);
            backward(loss.backward());
        },
        options);
    return r;
}

}  // namespace dl::train::detail
