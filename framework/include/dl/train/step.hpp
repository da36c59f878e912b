#pragma once
// One training step, the same for every chapter:
//
//   zero the gradients → loss = forward() → stop if the loss is not finite → backward() →
//   after_backward (the public hook) → clip → each optimizer steps its parameters at its rate
//
// forward() and backward() are the caller's: a model's layers (chapters 1-7), or a tape that
// derives the backward pass itself. A step may drive several models, each with its optimizer and
// rate (one Update each); a GAN takes one step for its discriminator and one for its generator.

#include "dl/error.hpp"
#include "dl/nn/layer.hpp"
#include "dl/optim/optimizer.hpp"

#include <functional>
#include <span>
#include <vector>

namespace dl::train {

// What one step updates: a model's parameters, the optimizer that updates them, and at what rate.
struct Update {
    std::vector<nn::Parameter*> params;
    optim::Optimizer* optimizer = nullptr;
    double lr = 0;
};

struct StepOptions {
    // Clipping after backward, by value then by the global norm of each Update's gradients (0: off).
    double clip_value = 0, clip_norm = 0;
    // Called with every gradient computed and none applied, before clipping: the place to average
    // the gradients across processes (data-parallel training), or to look at them.
    std::function<void(std::span<const Update>)> after_backward = {};
};

// The loss was NaN or infinite: the step stopped before backward, so no weight took the NaN.
// The loop adds where it happened and what to do.
class Diverged : public Error {
public:
    explicit Diverged(float loss);
    float loss() const { return loss_; }

private:
    float loss_;
};

// One step, as above. Returns the loss forward() gave; throws Diverged when it is not finite.
float train_step(std::span<const Update> updates, const std::function<float()>& forward,
                 const std::function<void()>& backward, const StepOptions& options);

}  // namespace dl::train
