#pragma once
// An optimizer updates parameters from their gradients. It keeps any per-parameter state itself
// (momentum buffers, Adam's moments), keyed by the parameter's position in the list it is given.

#include "dl/nn/layer.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace dl::optim {

class Optimizer {
public:
    virtual ~Optimizer() = default;
    virtual std::string name() const = 0;
    // One update of every parameter from its gradient (the gradients are left as they are).
    virtual void step(const std::vector<nn::Parameter*>& params) = 0;
    void zero_grad(const std::vector<nn::Parameter*>& params) {
        for (auto* p : params) p->zero_grad();
    }
    double lr() const { return lr_; }
    void set_lr(double lr) { lr_ = lr; }

protected:
    explicit Optimizer(double lr) : lr_(lr) {}
    double lr_;
};

// Plain gradient descent, θ ← θ − η ∇θ (chapter 1's gradient_descent_step). On mini-batches this
// is stochastic gradient descent, so its command-line name is "sgd".
class GradientDescent final : public Optimizer {
public:
    explicit GradientDescent(double lr) : Optimizer(lr) {}
    std::string name() const override { return "sgd"; }
    void step(const std::vector<nn::Parameter*>& params) override;
};

// The settings every optimizer may read (the common CLI fills them).
struct OptimizerOptions {
    std::string name = "sgd";
    double lr = 0.1;
    double momentum = 0.9, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
};

// The optimizer named by --optimizer. An unknown name throws UsageError listing the known ones; a
// known one whose chapter is not built yet throws NotImplemented naming that chapter.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options);

// The names --optimizer accepts, in the order the lessons teach them.
inline const std::vector<std::string>& optimizer_names() {
    static const std::vector<std::string> names{"sgd",     "momentum", "nesterov", "adagrad",
                                                "rmsprop", "adadelta", "adam",     "adamw"};
    return names;
}

// Throws UsageError "--optimizer: unknown optimizer 'x' (choose sgd|momentum|...)" for a name
// that is not in optimizer_names().
inline void check_optimizer_name(const std::string& name) {
    const auto& names = optimizer_names();
    if (std::find(names.begin(), names.end(), name) != names.end()) return;
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : "|") + n;
    DL_THROW(UsageError, "--optimizer: unknown optimizer '" << name << "' (choose " << known << ")");
}

}  // namespace dl::optim
