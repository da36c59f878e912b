#include "dl/train/step.hpp"

#include "dl/ops/clipping.hpp"

#include <cmath>
#include <sstream>

namespace dl::train {

namespace {
std::string loss_text(float loss) {
    std::ostringstream out;
    out << "the loss is " << loss;
    return out.str();
}
}  // namespace

Diverged::Diverged(float loss) : Error(loss_text(loss)), loss_(loss) {}

float train_step(std::span<const Update> updates, const std::function<float()>& forward,
                 const std::function<void()>& backward, const StepOptions& options) {
    for (const auto& u : updates) u.optimizer->zero_grad(u.params);
    const float loss = forward();
    if (!std::isfinite(loss)) throw Diverged(loss);   // one NaN poisons every weight it reaches: stop here
    backward();
    if (options.after_backward) options.after_backward(updates);
    for (const auto& u : updates) {
        if (options.clip_value <= 0 && options.clip_norm <= 0) break;
        std::vector<Tensor*> grads;
        for (auto* p : u.params) grads.push_back(&p->grad);
        if (options.clip_value > 0) clip_grad_value(grads, static_cast<float>(options.clip_value));
        if (options.clip_norm > 0) clip_grad_norm(grads, static_cast<float>(options.clip_norm));
    }
    for (const auto& u : updates) u.optimizer->step(u.params, u.lr);
    return loss;
}

}  // namespace dl::train
