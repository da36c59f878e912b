#include "dl/optim/optimizer.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/l2.hpp"
#include "dl/ops/logistic.hpp"
#include "dl/ops/optimizers.hpp"

namespace dl::optim {

// The registry: one row per optimizer. Each rule calls the chapter's update (chapter 1's gradient
// descent, chapter 3's others) with the parameter's state tensors.
const std::vector<OptimizerRow>& optimizer_registry() {
    using S = const UpdateSettings&;
    static const std::vector<OptimizerRow> rows{
        // Plain gradient descent, θ ← θ − η ∇θ; on mini-batches it is stochastic gradient descent.
        {"sgd", 0, 1e-8, 0.05, false,
         [](Tensor& p, std::span<Tensor>, const Tensor& g, S s) { gradient_descent_step(p, g, s.lr); }},
        {"momentum", 1, 1e-8, 0.01, false,   // state: velocity
         [](Tensor& p, std::span<Tensor> st, const Tensor& g, S s) { momentum_step(p, st[0], g, s.lr, s.momentum); }},
        {"nesterov", 1, 1e-8, 0.01, false,   // state: velocity
         [](Tensor& p, std::span<Tensor> st, const Tensor& g, S s) { nesterov_step(p, st[0], g, s.lr, s.momentum); }},
        {"adagrad", 1, 1e-8, 0.01, false,    // state: sum of squared gradients
         [](Tensor& p, std::span<Tensor> st, const Tensor& g, S s) { adagrad_step(p, st[0], g, s.lr, s.eps); }},
        {"rmsprop", 1, 1e-8, 0.001, false,   // state: mean square of the gradients
         [](Tensor& p, std::span<Tensor> st, const Tensor& g, S s) { rmsprop_step(p, st[0], g, s.lr, s.rho, s.eps); }},
        // AdaDelta: its first steps are about sqrt(eps) long, so its eps is larger; its paper's η = 1.
        {"adadelta", 2, 1e-6, 1.0, false,    // state: mean squares of the gradients and of the updates
         [](Tensor& p, std::span<Tensor> st, const Tensor& g, S s) {
             adadelta_step(p, st[0], st[1], g, s.lr, s.rho, s.eps);
         }},
        {"adam", 2, 1e-8, 0.001, false,      // state: first and second moments m, v
         [](Tensor& p, std::span<Tensor> st, const Tensor& g, S s) {
             adam_step(p, st[0], st[1], g, s.t, s.lr, s.beta1, s.beta2, s.eps);
         }},
        {"adamw", 2, 1e-8, 0.001, true,      // state: m, v; weight decay decoupled from the gradient
         [](Tensor& p, std::span<Tensor> st, const Tensor& g, S s) {
             adamw_step(p, st[0], st[1], g, s.t, s.lr, s.beta1, s.beta2, s.eps, s.weight_decay);
         }},
    };
    return rows;
}

std::vector<std::string> optimizer_names() {
    std::vector<std::string> names;
    for (const auto& row : optimizer_registry()) names.push_back(row.name);
    return names;
}

std::string optimizer_choices() {
    std::string known;
    for (const auto& row : optimizer_registry()) known += (known.empty() ? "" : "|") + row.name;
    return known;
}

const OptimizerRow& find_optimizer(const std::string& name) {
    for (const auto& row : optimizer_registry())
        if (row.name == name) return row;
    DL_THROW(UsageError, "--optimizer: unknown optimizer '" << name << "' (choose " << optimizer_choices() << ")");
}

Optimizer::Optimizer(const OptimizerOptions& options) : row_(find_optimizer(options.name)), options_(options) {
    if (options_.eps == 0) options_.eps = row_.default_eps;
}

void Optimizer::load_state(const OptimizerState& state) {
    DL_CHECK(state.optimizer == name(), "the saved optimizer state is " << state.optimizer << "'s, not " << name()
                                                                        << "'s: use --optimizer " << state.optimizer);
    DL_CHECK(state.steps >= 0, "the saved optimizer state has a negative step count " << state.steps);
    for (const auto& tensors : state.per_parameter)
        DL_CHECK(tensors.size() == row_.state_tensors,
                 name() << " keeps " << row_.state_tensors << " state tensors per parameter; the saved state has "
                        << tensors.size());
    steps_ = state.steps;
    state_ = state.per_parameter;
}

void Optimizer::step(const std::vector<nn::Parameter*>& params, double lr) {
    // Every parameter gets its state tensors, at zero, the first time.
    if (state_.empty())
        for (const auto* p : params) state_.emplace_back(row_.state_tensors, Tensor(p->value.shape(), 0.0f));
    DL_CHECK(state_.size() == params.size(),
             name() << " has state for " << state_.size() << " parameters but is stepping " << params.size()
                    << " (an optimizer belongs to one model: reset() it, or make a new one)");
    for (std::size_t i = 0; i < state_.size(); ++i)
        for (const Tensor& t : state_[i])
            DL_CHECK(t.shape() == params[i]->value.shape(),
                     name() << ": the state of parameter " << i << " (" << params[i]->name << ") has shape "
                            << to_string(t.shape()) << ", the parameter " << to_string(params[i]->value.shape()));
    const auto& o = options_;
    if (!row_.decoupled_weight_decay && o.weight_decay > 0)   // chapter 4's L2 penalty, coupled
        for (auto* p : params) l2_backward(p->grad, p->value, static_cast<float>(o.weight_decay));
    ++steps_;
    const UpdateSettings settings{static_cast<float>(lr),         steps_,
                                  static_cast<float>(o.momentum), static_cast<float>(o.beta1),
                                  static_cast<float>(o.beta2),    static_cast<float>(o.eps),
                                  static_cast<float>(o.rho),      static_cast<float>(o.weight_decay)};
    for (std::size_t i = 0; i < params.size(); ++i) row_.update(params[i]->value, state_[i], params[i]->grad, settings);
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options) {
    return std::make_unique<Optimizer>(options);
}

}  // namespace dl::optim
