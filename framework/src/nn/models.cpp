#include "dl/nn/models.hpp"

#include "dl/nn/activations.hpp"
#include "dl/nn/conv.hpp"
#include "dl/nn/dense.hpp"
#include "dl/nn/regularization.hpp"

namespace dl::nn {

Activation parse_activation(const std::string& name) {
    if (name == "relu") return Activation::relu;
    if (name == "tanh") return Activation::tanh;
    if (name == "sigmoid") return Activation::sigmoid;
    DL_THROW(UsageError, "--activation must be relu, tanh or sigmoid, got '" << name << "'");
}

Sequential mlp(const Shape& input, const std::vector<std::size_t>& hidden, std::size_t classes,
               Activation activation, Rng& rng) {
    return mlp(input, hidden, classes, activation, rng, {});
}

Sequential mlp(const Shape& input, const std::vector<std::size_t>& hidden, std::size_t classes,
               Activation activation, Rng& rng, const MlpOptions& options) {
    Sequential model(input);
    std::vector<Dropout*> dropouts;
    if (input.size() > 1) model.add<Flatten>();
    if (options.input_dropout > 0) dropouts.push_back(&model.add<Dropout>(options.input_dropout));
    std::size_t width = shape_size(input);
    const Init init = activation == Activation::relu ? Init::he : Init::xavier;
    for (const std::size_t h : hidden) {
        model.add<Dense>(width, h, init, rng);
        if (options.batch_norm) model.add<BatchNorm>(h);
        if (activation == Activation::relu) model.add<ReLU>();
        if (activation == Activation::tanh) model.add<Tanh>();
        if (activation == Activation::sigmoid) model.add<Sigmoid>();
        if (options.dropout > 0) dropouts.push_back(&model.add<Dropout>(options.dropout));
        width = h;
    }
    model.add<Dense>(width, classes, Init::xavier, rng);
    // Seeded last, so that the Dense layers draw the same initial weights with dropout as without.
    for (Dropout* d : dropouts) d->reseed(rng.next_u64());
    return model;
}

Sequential course_cnn(const Shape& input, std::size_t classes, Rng& rng, const CnnOptions& options) {
    if (input.size() != 3)
        DL_THROW(ShapeError, "course_cnn takes images of shape [C, H, W], got " << to_string(input));
    Sequential model(input);
    const auto normalised = [&](std::size_t features) {   // before the activation, as in mlp
        if (options.batch_norm) model.add<BatchNorm>(features);
        model.add<ReLU>();
    };
    model.add<Conv2D>(input[0], 32, 3, 3, Conv2dParams{}, rng, options.conv);
    normalised(32);
    model.add<MaxPool2D>(2);
    model.add<Conv2D>(32, 64, 3, 3, Conv2dParams{}, rng, options.conv);
    normalised(64);
    model.add<MaxPool2D>(2);
    model.add<Flatten>();
    const std::size_t flat = shape_size(model.layer_output_shape(model.size() - 1));
    model.add<Dense>(flat, 128, Init::he, rng);
    normalised(128);
    Dropout* dropout = options.dropout > 0 ? &model.add<Dropout>(options.dropout) : nullptr;
    model.add<Dense>(128, classes, Init::xavier, rng);
    if (dropout != nullptr) dropout->reseed(rng.next_u64());   // as in mlp: the weights do not depend on p
    return model;
}

}  // namespace dl::nn
