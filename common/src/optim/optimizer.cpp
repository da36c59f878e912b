#include "dl/optim/optimizer.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/logistic.hpp"
#include "dl/ops/optimizers.hpp"

namespace dl::optim {

void Optimizer::load_state(const OptimizerState& state) {
    DL_CHECK(state.optimizer == name(), "the saved optimizer state is " << state.optimizer << "'s, not " << name()
                                                                        << "'s: use --optimizer " << state.optimizer);
    DL_CHECK(state.steps >= 0, "the saved optimizer state has a negative step count " << state.steps);
    for (const auto& tensors : state.per_parameter)
        DL_CHECK(tensors.size() == tensors_per_parameter_,
                 name() << " keeps " << tensors_per_parameter_ << " state tensors per parameter; the saved state has "
                        << tensors.size());
    steps_ = state.steps;
    state_ = state.per_parameter;
}

std::vector<std::vector<Tensor>>& Optimizer::begin_step(const std::vector<nn::Parameter*>& params) {
    if (state_.empty() && tensors_per_parameter_ > 0) {
        for (const auto* p : params) state_.emplace_back(tensors_per_parameter_, Tensor(p->value.shape(), 0.0f));
    }
    DL_CHECK(tensors_per_parameter_ == 0 || state_.size() == params.size(),
             name() << " has state for " << state_.size() << " parameters but is stepping " << params.size()
                    << " (an optimizer belongs to one model: reset() it, or make a new one)");
    for (std::size_t i = 0; i < state_.size(); ++i)
        for (const Tensor& t : state_[i])
            DL_CHECK(t.shape() == params[i]->value.shape(),
                     name() << ": the state of parameter " << i << " (" << params[i]->name << ") has shape "
                            << to_string(t.shape()) << ", the parameter " << to_string(params[i]->value.shape()));
    ++steps_;
    return state_;
}

void GradientDescent::step(const std::vector<nn::Parameter*>& params) {
    begin_step(params);
    for (auto* p : params) gradient_descent_step(p->value, p->grad, static_cast<float>(lr_));
}

void Momentum::step(const std::vector<nn::Parameter*>& params) {
    auto& s = begin_step(params);
    for (std::size_t i = 0; i < params.size(); ++i)
        momentum_step(params[i]->value, s[i][0], params[i]->grad, static_cast<float>(lr_), static_cast<float>(momentum_));
}

void Nesterov::step(const std::vector<nn::Parameter*>& params) {
    auto& s = begin_step(params);
    for (std::size_t i = 0; i < params.size(); ++i)
        nesterov_step(params[i]->value, s[i][0], params[i]->grad, static_cast<float>(lr_), static_cast<float>(momentum_));
}

void AdaGrad::step(const std::vector<nn::Parameter*>& params) {
    auto& s = begin_step(params);
    for (std::size_t i = 0; i < params.size(); ++i)
        adagrad_step(params[i]->value, s[i][0], params[i]->grad, static_cast<float>(lr_), static_cast<float>(eps_));
}

void RMSProp::step(const std::vector<nn::Parameter*>& params) {
    auto& s = begin_step(params);
    for (std::size_t i = 0; i < params.size(); ++i)
        rmsprop_step(params[i]->value, s[i][0], params[i]->grad, static_cast<float>(lr_), static_cast<float>(rho_),
                     static_cast<float>(eps_));
}

void AdaDelta::step(const std::vector<nn::Parameter*>& params) {
    auto& s = begin_step(params);
    for (std::size_t i = 0; i < params.size(); ++i)
        adadelta_step(params[i]->value, s[i][0], s[i][1], params[i]->grad, static_cast<float>(lr_),
                      static_cast<float>(rho_), static_cast<float>(eps_));
}

void Adam::step(const std::vector<nn::Parameter*>& params) {
    auto& s = begin_step(params);
    for (std::size_t i = 0; i < params.size(); ++i)
        adam_step(params[i]->value, s[i][0], s[i][1], params[i]->grad, steps(), static_cast<float>(lr_),
                  static_cast<float>(beta1_), static_cast<float>(beta2_), static_cast<float>(eps_));
}

void AdamW::step(const std::vector<nn::Parameter*>& params) {
    auto& s = begin_step(params);
    for (std::size_t i = 0; i < params.size(); ++i)
        adamw_step(params[i]->value, s[i][0], s[i][1], params[i]->grad, steps(), static_cast<float>(lr_),
                   static_cast<float>(beta1_), static_cast<float>(beta2_), static_cast<float>(eps_),
                   static_cast<float>(weight_decay_));
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& o) {
    check_optimizer_name(o.name);
    if (o.weight_decay > 0 && o.name != "adamw")
        DL_THROW(NotImplemented, "--weight-decay with --optimizer " << o.name
                                     << " is taught in chapter 4 (ch04_regularization), which this build does not "
                                        "have yet; use --optimizer adamw (decoupled weight decay), or leave it at 0");
    const double eps = o.eps > 0 ? o.eps : (o.name == "adadelta" ? 1e-6 : 1e-8);
    if (o.name == "sgd") return std::make_unique<GradientDescent>(o.lr);
    if (o.name == "momentum") return std::make_unique<Momentum>(o.lr, o.momentum);
    if (o.name == "nesterov") return std::make_unique<Nesterov>(o.lr, o.momentum);
    if (o.name == "adagrad") return std::make_unique<AdaGrad>(o.lr, eps);
    if (o.name == "rmsprop") return std::make_unique<RMSProp>(o.lr, o.rho, eps);
    if (o.name == "adadelta") return std::make_unique<AdaDelta>(o.lr, o.rho, eps);
    if (o.name == "adam") return std::make_unique<Adam>(o.lr, o.beta1, o.beta2, eps);
    return std::make_unique<AdamW>(o.lr, o.beta1, o.beta2, eps, o.weight_decay);
}

}  // namespace dl::optim
