#include "dl/nn/models.hpp"

#include "dl/nn/activations.hpp"
#include "dl/nn/dense.hpp"

namespace dl::nn {

Activation parse_activation(const std::string& name) {
    if (name == "relu") return Activation::relu;
    if (name == "tanh") return Activation::tanh;
    if (name == "sigmoid") return Activation::sigmoid;
    DL_THROW(UsageError, "--activation must be relu, tanh or sigmoid, got '" << name << "'");
}

Sequential mlp(const Shape& input, const std::vector<std::size_t>& hidden, std::size_t classes,
               Activation activation, Rng& rng) {
    Sequential model(input);
    if (input.size() > 1) model.add<Flatten>();
    std::size_t width = shape_size(input);
    const Init init = activation == Activation::relu ? Init::he : Init::xavier;
    for (const std::size_t h : hidden) {
        model.add<Dense>(width, h, init, rng);
        if (activation == Activation::relu) model.add<ReLU>();
        if (activation == Activation::tanh) model.add<Tanh>();
        if (activation == Activation::sigmoid) model.add<Sigmoid>();
        width = h;
    }
    model.add<Dense>(width, classes, Init::xavier, rng);
    return model;
}

}  // namespace dl::nn
