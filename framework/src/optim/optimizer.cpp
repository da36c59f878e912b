#include "dl/optim/optimizer.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/l2.hpp"
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
    if (l2_ > 0)
        for (auto* p : params) l2_backward(p->grad, p->value, static_cast<float>(l2_));
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
    const double eps = o.eps > 0 ? o.eps : (o.name == "adadelta" ? 1e-6 : 1e-8);
    std::unique_ptr<Optimizer> optimizer;
    if (o.name == "sgd") optimizer = std::make_unique<GradientDescent>(o.lr);
    else if (o.name == "momentum") optimizer = std::make_unique<Momentum>(o.lr, o.momentum);
    else if (o.name == "nesterov") optimizer = std::make_unique<Nesterov>(o.lr, o.momentum);
    else if (o.name == "adagrad") optimizer = std::make_unique<AdaGrad>(o.lr, eps);
    else if (o.name == "rmsprop") optimizer = std::make_unique<RMSProp>(o.lr, o.rho, eps);
    else if (o.name == "adadelta") optimizer = std::make_unique<AdaDelta>(o.lr, o.rho, eps);
    else if (o.name == "adam") optimizer = std::make_unique<Adam>(o.lr, o.beta1, o.beta2, eps);
    else return std::make_unique<AdamW>(o.lr, o.beta1, o.beta2, eps, o.weight_decay);   // decoupled decay
    optimizer->set_l2(o.weight_decay);   // every other optimizer: the L2 penalty's gradient, coupled
    return optimizer;
}

}  // namespace dl::optim
