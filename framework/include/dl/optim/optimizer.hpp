#pragma once
// An optimizer updates parameters from their gradients. It keeps any per-parameter state itself
// (momentum buffers, Adam's moments), keyed by the parameter's position in the list it is given.

#include "dl/nn/layer.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dl::optim {

// What an optimizer remembers between steps: the steps taken and, for each parameter in the order
// of the list step() is given, its state tensors (none for plain gradient descent; Adam: m, v).
// state() and load_state() round-trip it, so a checkpoint can save and restore it exactly.
struct OptimizerState {
    std::string optimizer;              // name(): loading into another optimizer is refused
    std::int64_t steps = 0;
    std::vector<std::vector<Tensor>> per_parameter;
};

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
    std::int64_t steps() const { return steps_; }
    // Chapter 4's L2 penalty, coupled: each step first adds λθ to every gradient (l2_backward), so
    // the update rule sees it like any other gradient. (AdamW decays the weights itself, decoupled.)
    void set_l2(double lambda) { l2_ = lambda; }
    double l2() const { return l2_; }

    // Forget every state tensor and the step count: the next step is a first step again.
    void reset() {
        state_.clear();
        steps_ = 0;
    }
    OptimizerState state() const { return {name(), steps_, state_}; }
    // Throws dl::Error when the state is another optimizer's, or its tensors do not fit the parameters
    // (checked at the next step, when the parameters are known).
    void load_state(const OptimizerState& state);

protected:
    Optimizer(double lr, std::size_t tensors_per_parameter) : lr_(lr), tensors_per_parameter_(tensors_per_parameter) {}
    // Counts the step, adds the L2 term to the gradients (when set), and makes sure every parameter
    // has its state tensors, at zero the first time. Returns them: [i][k] is parameter i's k-th.
    std::vector<std::vector<Tensor>>& begin_step(const std::vector<nn::Parameter*>& params);

    double lr_;

private:
    std::size_t tensors_per_parameter_;
    double l2_ = 0;
    std::int64_t steps_ = 0;
    std::vector<std::vector<Tensor>> state_;
};

// Plain gradient descent, θ ← θ − η ∇θ (chapter 1's gradient_descent_step). On mini-batches this
// is stochastic gradient descent, so its command-line name is "sgd".
class GradientDescent final : public Optimizer {
public:
    explicit GradientDescent(double lr) : Optimizer(lr, 0) {}
    std::string name() const override { return "sgd"; }
    void step(const std::vector<nn::Parameter*>& params) override;
};

// Chapter 3's optimizers: each step calls the chapter's update rule (dl/ops/optimizers.hpp) on every
// parameter with that parameter's state tensors.
class Momentum final : public Optimizer {   // state: velocity
public:
    Momentum(double lr, double momentum) : Optimizer(lr, 1), momentum_(momentum) {}
    std::string name() const override { return "momentum"; }
    void step(const std::vector<nn::Parameter*>& params) override;

private:
    double momentum_;
};

class Nesterov final : public Optimizer {   // state: velocity
public:
    Nesterov(double lr, double momentum) : Optimizer(lr, 1), momentum_(momentum) {}
    std::string name() const override { return "nesterov"; }
    void step(const std::vector<nn::Parameter*>& params) override;

private:
    double momentum_;
};

class AdaGrad final : public Optimizer {   // state: sum of squared gradients
public:
    AdaGrad(double lr, double eps) : Optimizer(lr, 1), eps_(eps) {}
    std::string name() const override { return "adagrad"; }
    void step(const std::vector<nn::Parameter*>& params) override;

private:
    double eps_;
};

class RMSProp final : public Optimizer {   // state: mean square of the gradients
public:
    RMSProp(double lr, double rho, double eps) : Optimizer(lr, 1), rho_(rho), eps_(eps) {}
    std::string name() const override { return "rmsprop"; }
    void step(const std::vector<nn::Parameter*>& params) override;

private:
    double rho_, eps_;
};

class AdaDelta final : public Optimizer {   // state: mean squares of the gradients and of the updates
public:
    AdaDelta(double lr, double rho, double eps) : Optimizer(lr, 2), rho_(rho), eps_(eps) {}
    std::string name() const override { return "adadelta"; }
    void step(const std::vector<nn::Parameter*>& params) override;

private:
    double rho_, eps_;
};

class Adam final : public Optimizer {   // state: first and second moments m, v
public:
    Adam(double lr, double beta1, double beta2, double eps) : Optimizer(lr, 2), beta1_(beta1), beta2_(beta2), eps_(eps) {}
    std::string name() const override { return "adam"; }
    void step(const std::vector<nn::Parameter*>& params) override;

private:
    double beta1_, beta2_, eps_;
};

class AdamW final : public Optimizer {   // state: m, v; weight decay decoupled from the gradient
public:
    AdamW(double lr, double beta1, double beta2, double eps, double weight_decay)
        : Optimizer(lr, 2), beta1_(beta1), beta2_(beta2), eps_(eps), weight_decay_(weight_decay) {}
    std::string name() const override { return "adamw"; }
    void step(const std::vector<nn::Parameter*>& params) override;

private:
    double beta1_, beta2_, eps_, weight_decay_;
};

// The settings every optimizer may read (the common CLI fills them). eps = 0 means each optimizer's
// usual value: 1e-6 for AdaDelta (whose first steps are about sqrt(eps) long), 1e-8 for the others.
struct OptimizerOptions {
    std::string name = "sgd";
    double lr = 0.1;
    double momentum = 0.9, beta1 = 0.9, beta2 = 0.999, eps = 0.0, weight_decay = 0.0, rho = 0.9;
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
