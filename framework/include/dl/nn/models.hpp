#pragma once
// Model builders the chapters share.

#include "dl/nn/sequential.hpp"
#include "dl/rng.hpp"

#include <string>
#include <vector>

namespace dl::nn {

enum class Activation { relu, tanh, sigmoid };
Activation parse_activation(const std::string& name);   // "relu" | "tanh" | "sigmoid"; else UsageError

// A multilayer perceptron: Flatten (when the input has more than one axis), then for each hidden
// width a Dense layer and the activation, then a Dense layer to `classes` logits (the softmax is in
// the loss). Weights: He for ReLU layers, Xavier otherwise.
//   mlp({1, 28, 28}, {128}, 10, Activation::relu, rng)  ->  the classic Keras model for Fashion-MNIST (chapter 2)
Sequential mlp(const Shape& input, const std::vector<std::size_t>& hidden, std::size_t classes,
               Activation activation, Rng& rng);

// Chapter 4's regularizers inside the MLP: after each hidden Dense layer a BatchNorm (before the
// activation, as in Ioffe and Szegedy), after each activation a Dropout(dropout) when dropout > 0,
// and a Dropout(input_dropout) on the input itself when input_dropout > 0 (Srivastava et al.: 0.2).
struct MlpOptions {
    double dropout = 0.0;
    bool batch_norm = false;
    double input_dropout = 0.0;
};
Sequential mlp(const Shape& input, const std::vector<std::size_t>& hidden, std::size_t classes,
               Activation activation, Rng& rng, const MlpOptions& options);

// Chapter 5: the classic Keras convolutional network for Fashion-MNIST, for [C, H, W] images:
//   Conv2D(32, 3×3) ReLU, MaxPool(2), Conv2D(64, 3×3) ReLU, MaxPool(2), Flatten, Dense(128) ReLU,
//   Dropout(p), Dense(classes)
// On 28×28 Fashion-MNIST: 320 + 18,496 + 204,928 + 1,290 = 225,034 parameters. He initialisation for
// the ReLU layers, Xavier for the last. `conv` picks the convolution (naive or im2col).
// With batch_norm, a BatchNorm before each of the three ReLUs (per channel after a convolution):
// 2 · (32 + 64 + 128) = 448 more parameters, 225,482 (chapter 5's --recipe best).
struct CnnOptions {
    double dropout = 0.5;
    std::string conv = "im2col";
    bool batch_norm = false;
};
Sequential course_cnn(const Shape& input, std::size_t classes, Rng& rng, const CnnOptions& options);

}  // namespace dl::nn
