#pragma once
// Data-parallel training (chapter 10): P processes, each holding the whole model, each taking its
// share of every global batch of B examples (n_r of them on rank r). For the step to be the step
// of one process on the whole batch, every process must end backward holding the gradient of the
// whole batch's mean loss,
//
//   L = Σ_r (n_r / B) L_r        so        ∇L = Σ_r (n_r / B) ∇L_r
//
// where L_r is rank r's mean loss over its share. Then every process takes the same optimizer step
// from the same weights, and the weights stay equal on every process without ever being sent.
// The trainers (fit, fit_language_model) call this interface at three points of a step; chapter
// 10 implements it over MPI (chapters/ch10_distributed). dl_framework itself knows nothing of MPI.

#include "dl/train/step.hpp"

#include <cstddef>
#include <span>

namespace dl::train {

class DataParallel {
public:
    virtual ~DataParallel() = default;
    virtual int rank() const = 0;
    virtual int processes() const = 0;
    // [begin, begin + size) of a global batch of `batch` examples: this process's share.
    struct Range {
        std::size_t begin = 0, size = 0;
    };
    virtual Range share(std::size_t batch) const = 0;
    // Σ over the processes of `value` (the loss times n_r / B, the right predictions). Collective:
    // every process calls it at the same point, so a loss that is not finite on one process is
    // seen by all of them, and they stop together instead of waiting for each other for ever.
    virtual double sum(double value) = 0;
    // Every gradient of `updates` ← Σ_r weight_r · gradient_r (weight = n_r / B). Collective.
    virtual void average_gradients(std::span<const Update> updates, double weight) = 0;
};

}  // namespace dl::train
