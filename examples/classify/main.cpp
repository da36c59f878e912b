// Classifies one Fashion-MNIST test image with chapter 2's MLP as ch02_backprop exported it
// (--export-safetensors FILE): the weights and the pixels' scaling come from the file.
//   classify MODEL.safetensors INDEX
#include "dl/data/fashion_mnist.hpp"
#include "dl/data/idx.hpp"
#include "dl/nn/models.hpp"
#include "dl/nn/state_dict.hpp"

#include <algorithm>
#include <charconv>
#include <iostream>
#include <string>
#include <string_view>

int main(int argc, char** argv) try {
    if (argc != 3) return std::cerr << "usage: classify MODEL.safetensors INDEX\n", 2;
    dl::Rng rng(1);
    dl::nn::Sequential model = dl::nn::mlp({1, 28, 28}, {128}, 10, dl::nn::Activation::relu, rng);
    const auto metadata = dl::nn::import_safetensors(dl::nn::state_dict(model), argv[1]);
    const auto images = dl::data::read_idx(dl::data::find_image_dataset("") / "t10k-images-idx3-ubyte.gz");
    std::size_t index = 0;
    const std::string_view text(argv[2]);
    if (std::from_chars(text.data(), text.data() + text.size(), index).ptr != text.data() + text.size() || text.empty())
        return std::cerr << "classify: INDEX must be a test image's number, 0 to 9999, got '" << text << "'\n", 2;
    const std::size_t pixels = 28 * 28;
    if (index >= images.dims[0]) return std::cerr << "classify: the test set has " << images.dims[0] << " images\n", 2;
    dl::Tensor x({1, 1, 28, 28});
    const float mean = std::stof(metadata.at("input_mean")), stddev = std::stof(metadata.at("input_std"));
    for (std::size_t p = 0; p < pixels; ++p) x[p] = (images.values[index * pixels + p] / 255.0f - mean) / stddev;
    const dl::Tensor& logits = model.forward(x, dl::nn::Mode::eval);
    const auto best = static_cast<std::size_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    std::cout << "test image " << index << ": " << dl::data::fashion_mnist_class_names()[best] << '\n';
} catch (const std::exception& e) {
    std::cerr << "classify: " << e.what() << '\n';
    return 1;
}
