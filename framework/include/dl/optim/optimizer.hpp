#pragma once
// An optimizer updates parameters from their gradients, at the learning rate it is handed for that
// step (the schedule belongs to the training loop, so the optimizer keeps no rate of its own). It
// keeps any per-parameter state itself (momentum buffers, Adam's moments), keyed by the
// parameter's position in the list it is given.
//
// Every optimizer is one row of the registry below (its name, state, defaults and update rule);
// make_optimizer, the --optimizer check and help, and chapter 3 all read that table. A new
// optimizer is its rule in dl/ops/optimizers.hpp (stub and solution) and one row in optimizer.cpp.

#include "dl/nn/layer.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace dl::optim {

// The settings every optimizer may read (the common CLI fills them). eps = 0 means the optimizer's
// usual value (its registry row's default_eps).
struct OptimizerOptions {
    std::string name = "sgd";
    double momentum = 0.9, beta1 = 0.9, beta2 = 0.999, eps = 0.0, weight_decay = 0.0, rho = 0.9;
};

// What an update rule reads at one step, besides the parameter, its gradient and its state.
struct UpdateSettings {
    float lr;              // this step's learning rate
    std::int64_t t;        // the step's number, from 1 (Adam's bias correction)
    float momentum, beta1, beta2, eps, rho, weight_decay;
};

// One optimizer: everything the program knows about it.
struct OptimizerRow {
    std::string name;             // --optimizer NAME
    std::size_t state_tensors;    // per parameter, each shaped like it (Adam: m and v)
    double default_eps;           // for --eps auto
    double usual_lr;              // chapter 3's rate for chapter 2's MLP
    bool decoupled_weight_decay;  // true: the rule decays the weights itself (AdamW); false: --weight-decay
                                  // is the L2 penalty, added to the gradient before the rule (coupled)
    // θ ← rule(θ, state, ∇θ): the chapter's update rule (dl/ops/optimizers.hpp).
    void (*update)(Tensor& param, std::span<Tensor> state, const Tensor& grad, const UpdateSettings& s);
};

// Every optimizer, in the order the lessons teach them.
const std::vector<OptimizerRow>& optimizer_registry();
// The row named `name`; throws UsageError "--optimizer: unknown optimizer 'x' (choose sgd|...)".
const OptimizerRow& find_optimizer(const std::string& name);
// The names --optimizer accepts, in the registry's order, and the same joined with '|' for --help.
std::vector<std::string> optimizer_names();
std::string optimizer_choices();
// Throws UsageError naming the known optimizers when `name` is not one of them.
inline void check_optimizer_name(const std::string& name) { find_optimizer(name); }

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
    // The optimizer named options.name (its registry row); throws UsageError for an unknown name.
    explicit Optimizer(const OptimizerOptions& options);
    const std::string& name() const { return row_.name; }
    std::size_t state_tensors() const { return row_.state_tensors; }   // per parameter

    // One update of every parameter from its gradient at rate lr (the gradients are left as they
    // are; with --weight-decay and a coupled optimizer they first get the L2 term λθ added).
    void step(const std::vector<nn::Parameter*>& params, double lr);
    void zero_grad(const std::vector<nn::Parameter*>& params) {
        for (auto* p : params) p->zero_grad();
    }
    std::int64_t steps() const { return steps_; }

    // Forget every state tensor and the step count: the next step is a first step again.
    void reset() {
        state_.clear();
        steps_ = 0;
    }
    OptimizerState state() const { return {name(), steps_, state_}; }
    // Throws dl::Error when the state is another optimizer's, or its tensors do not fit the parameters
    // (checked at the next step, when the parameters are known).
    void load_state(const OptimizerState& state);

private:
    const OptimizerRow& row_;
    OptimizerOptions options_;
    std::int64_t steps_ = 0;
    std::vector<std::vector<Tensor>> state_;
};

// The optimizer named by options.name. An unknown name throws UsageError listing the known ones; a
// known one whose chapter is not built yet throws NotImplemented naming that chapter at its first step.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options);

}  // namespace dl::optim
