#include "dl/optim/optimizer.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/logistic.hpp"


namespace dl::optim {

void GradientDescent::step(const std::vector<nn::Parameter*>& params) {
    for (auto* p : params) gradient_descent_step(p->value, p->grad, static_cast<float>(lr_));
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options) {
    check_optimizer_name(options.name);
    if (options.name == "sgd") {
        if (options.weight_decay > 0)
            DL_THROW(NotImplemented, "--weight-decay is taught in chapter 4 (ch04_regularization), which this "
                                     "build does not have yet; leave it at 0");
        return std::make_unique<GradientDescent>(options.lr);
    }
    DL_THROW(NotImplemented, "--optimizer " << options.name
                                            << " is taught in chapter 3 (ch03_optimizers), which this build does not "
                                               "have yet; use --optimizer sgd");
}

}  // namespace dl::optim
