#include "dl/nn/state_dict.hpp"

#include "dl/error.hpp"
#include "dl/nn/conv.hpp"
#include "dl/nn/dense.hpp"
#include "dl/nn/generative.hpp"
#include "dl/nn/logistic.hpp"
#include "dl/nn/regularization.hpp"
#include "dl/util/safetensors.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

namespace dl::nn {

StateEntry same_tensor(std::string name, Tensor& tensor) {
    return {std::move(name), tensor.shape(), [&tensor] { return tensor; },
            [&tensor](const Tensor& v) { std::copy(v.begin(), v.end(), tensor.begin()); }};
}

std::vector<StateEntry> state_dict(Sequential& model) {
    std::vector<StateEntry> entries;
    for (std::size_t i = 0; i < model.size(); ++i) {
        Layer& layer = model.layer(i);
        const std::string prefix = std::to_string(i) + ".";
        if (auto* dense = dynamic_cast<Dense*>(&layer)) {
            entries.push_back(same_tensor(prefix + "weight", dense->W().value));
            entries.push_back(same_tensor(prefix + "bias", dense->b().value));
        } else if (auto* conv = dynamic_cast<Conv2D*>(&layer)) {
            entries.push_back(same_tensor(prefix + "weight", conv->W().value));
            entries.push_back(same_tensor(prefix + "bias", conv->b().value));
        } else if (auto* up = dynamic_cast<ConvTranspose2D*>(&layer)) {   // both [C, OC, KH, KW]
            entries.push_back(same_tensor(prefix + "weight", up->W().value));
            entries.push_back(same_tensor(prefix + "bias", up->b().value));
        } else if (auto* norm = dynamic_cast<BatchNorm*>(&layer)) {
            const auto params = norm->parameters();
            const auto buffers = norm->buffers();
            entries.push_back(same_tensor(prefix + "weight", params[0]->value));
            entries.push_back(same_tensor(prefix + "bias", params[1]->value));
            entries.push_back(same_tensor(prefix + "running_mean", *buffers[0]));
            entries.push_back(same_tensor(prefix + "running_var", *buffers[1]));
        } else if (auto* logistic = dynamic_cast<Logistic*>(&layer)) {
            // nn.Linear(in, 1) holds the weight vector as one row.
            Tensor& w = logistic->w().value;
            entries.push_back({prefix + "weight", {1, w.size()},
                               [&w] { Tensor t = w; t.reshape({1, w.size()}); return t; },
                               [&w](const Tensor& v) { std::copy(v.begin(), v.end(), w.begin()); }});
            entries.push_back(same_tensor(prefix + "bias", logistic->b().value));
        } else if (!layer.parameters().empty() || !layer.buffers().empty()) {
            DL_THROW(UsageError, "layer " << i << " (" << layer.kind()
                                          << ") has no PyTorch counterpart here: its tensors cannot be exported");
        }
    }
    return entries;
}

std::string pytorch_modules(Sequential& model) {
    std::ostringstream out;
    Shape shape = model.input_shape();   // of one example, into layer i
    for (std::size_t i = 0; i < model.size(); ++i) {
        Layer& layer = model.layer(i);
        out << (i ? "; " : "");
        if (auto* dense = dynamic_cast<Dense*>(&layer)) {
            out << "Linear(" << dense->W().value.dim(1) << ", " << dense->W().value.dim(0) << ")";
        } else if (auto* conv = dynamic_cast<Conv2D*>(&layer)) {
            const Tensor& W = conv->W().value;
            out << "Conv2d(" << W.dim(1) << ", " << W.dim(0) << ", (" << W.dim(2) << ", " << W.dim(3)
                << "), " << conv->params().stride << ", " << conv->params().padding << ")";
        } else if (auto* pool = dynamic_cast<MaxPool2D*>(&layer)) {
            out << "MaxPool2d(" << pool->size() << ", " << pool->stride() << ")";
        } else if (auto* avg = dynamic_cast<AvgPool2D*>(&layer)) {
            out << "AvgPool2d(" << avg->size() << ", " << avg->stride() << ")";
        } else if (auto* up = dynamic_cast<ConvTranspose2D*>(&layer)) {
            const Tensor& W = up->W().value;
            out << "ConvTranspose2d(" << W.dim(0) << ", " << W.dim(1) << ", (" << W.dim(2) << ", " << W.dim(3) << "), "
                << up->params().stride << ", " << up->params().padding << ", " << up->params().output_padding << ")";
        } else if (auto* norm = dynamic_cast<BatchNorm*>(&layer)) {   // per channel on images
            out << (shape.size() == 3 ? "BatchNorm2d(" : "BatchNorm1d(") << norm->running_mean().size() << ")";
        } else if (auto* leaky = dynamic_cast<LeakyReLU*>(&layer)) {
            out << "LeakyReLU(" << leaky->slope() << ")";
        } else if (layer.kind() == "Unflatten") {
            const Shape to = layer.output_shape(shape);
            out << "Unflatten(1, (" << to[0];
            for (std::size_t d = 1; d < to.size(); ++d) out << ", " << to[d];
            out << (to.size() == 1 ? ",))" : "))");
        } else if (auto* dropout = dynamic_cast<Dropout*>(&layer)) {
            out << "Dropout(" << dropout->p() << ")";
        } else if (auto* logistic = dynamic_cast<Logistic*>(&layer)) {
            // One linear unit and the sigmoid: two modules, so only as the last layer (the indices stay ours).
            if (i + 1 != model.size()) DL_THROW(UsageError, "a Logistic layer has a PyTorch counterpart only as the last layer");
            out << "Linear(" << logistic->w().value.size() << ", 1); Sigmoid()";
        } else if (layer.kind() == "Flatten" || layer.kind() == "ReLU" || layer.kind() == "Tanh" || layer.kind() == "Sigmoid") {
            out << layer.kind() << "()";
        } else {
            DL_THROW(UsageError, "layer " << i << " (" << layer.kind() << ") has no PyTorch module here");
        }
        shape = layer.output_shape(shape);
    }
    return out.str();
}

void export_safetensors(const std::vector<StateEntry>& entries, std::map<std::string, std::string> metadata,
                        const std::filesystem::path& path) {
    util::Safetensors file;
    metadata["format"] = "pt";
    file.metadata = std::move(metadata);
    for (const auto& e : entries) file.tensors.push_back({e.name, e.get()});
    util::write_safetensors(path, file);
}

std::map<std::string, std::string> import_safetensors(const std::vector<StateEntry>& entries,
                                                      const std::filesystem::path& path) {
    const util::Safetensors file = util::read_safetensors(path);
    import_safetensors(entries, file, path.string());
    return file.metadata;
}

void import_safetensors(const std::vector<StateEntry>& entries, const util::Safetensors& file, const std::string& path) {
    check_importable(entries, file, path);
    load_checked(entries, file);
}

void load_checked(const std::vector<StateEntry>& entries, const util::Safetensors& file) {
    for (const auto& e : entries) e.set(*file.find(e.name));
}

void check_importable(const std::vector<StateEntry>& entries, const util::Safetensors& file, const std::string& path) {
    const auto writer = file.metadata.find("program");
    const std::string other_model = writer != file.metadata.end() ? ": it was written by " + writer->second + ", for its model"
                                                                  : ": was it exported from another model?";
    std::set<std::string> expected;
    for (const auto& e : entries) {
        expected.insert(e.name);
        const Tensor* t = file.find(e.name);
        if (t == nullptr)
            DL_THROW(DataError, path << ": no tensor '" << e.name << "' (of shape " << to_string(e.shape)
                                              << "), which this model needs" << other_model);
        if (t->shape() != e.shape)
            DL_THROW(DataError, path << ": tensor '" << e.name << "' has shape " << to_string(t->shape())
                                              << ", this model's is " << to_string(e.shape)
                                              << ": was it exported with other sizes (--hidden, --width, ...)?");
        // A NaN weight can hide behind ReLU or max pooling and train on silently: refuse it here.
        for (std::size_t i = 0; i < t->size(); ++i)
            if (!std::isfinite((*t)[i]))
                DL_THROW(DataError, path << ": tensor '" << e.name << "' holds " << (*t)[i] << " at element " << i
                                                  << " (weights must be finite numbers)");
    }
    for (const auto& t : file.tensors)
        if (!expected.count(t.name))
            DL_THROW(DataError, path << ": tensor '" << t.name
                                              << "' is not one of this model's" << other_model);
}

}  // namespace dl::nn
