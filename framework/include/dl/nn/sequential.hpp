#pragma once
// A stack of layers applied in order, and its Keras-like summary.

#include "dl/nn/layer.hpp"

#include <memory>
#include <string>
#include <vector>

namespace dl::nn {

template <class T>
class SequentialT final : public LayerT<T> {
public:
    // input_shape: one example's shape (no batch axis), e.g. {1, 28, 28}; each added layer is
    // checked against the output shape of the one before, so a misfit fails when the model is built.
    explicit SequentialT(Shape input_shape) : input_shape_(std::move(input_shape)) {}

    template <class L, class... Args>
    L& add(Args&&... args) {
        auto layer = std::make_unique<L>(std::forward<Args>(args)...);
        L& ref = *layer;
        const Shape in = layers_.empty() ? input_shape_ : output_shapes_.back();
        output_shapes_.push_back(layer->output_shape(in));
        layers_.push_back(std::move(layer));
        return ref;
    }

    std::string kind() const override { return "Sequential"; }
    Shape output_shape(const Shape& input) const override {
        check_shape(input, input_shape_, "Sequential", "input");
        return output_shapes_.empty() ? input_shape_ : output_shapes_.back();
    }
    const TensorT<T>& forward(const TensorT<T>& X, Mode mode) override {
        const TensorT<T>* x = &X;
        for (auto& layer : layers_) x = &layer->forward(*x, mode);
        return *x;
    }
    // Stops at the first layer whose dX nobody needs (see set_input_grad_needed).
    const TensorT<T>& backward(const TensorT<T>& dY) override {
        const TensorT<T>* d = &dY;
        for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
            d = &(*it)->backward(*d);
            if (!(*it)->input_grad_needed()) break;
        }
        return *d;
    }
    // Layer i needs dX when the model's input gradient is needed or a layer before it learns.
    void set_input_grad_needed(bool needed) override {
        LayerT<T>::set_input_grad_needed(needed);
        bool learns_before = false;
        for (auto& layer : layers_) {
            layer->set_input_grad_needed(needed || learns_before);
            learns_before = learns_before || !layer->parameters().empty();
        }
    }
    std::vector<ParameterT<T>*> parameters() override {
        std::vector<ParameterT<T>*> all;
        for (auto& layer : layers_)
            for (auto* p : layer->parameters()) all.push_back(p);
        return all;
    }
    std::vector<TensorT<T>*> buffers() override {
        std::vector<TensorT<T>*> all;
        for (auto& layer : layers_)
            for (auto* b : layer->buffers()) all.push_back(b);
        return all;
    }
    std::vector<Rng*> generators() override {
        std::vector<Rng*> all;
        for (auto& layer : layers_)
            for (auto* g : layer->generators()) all.push_back(g);
        return all;
    }
    void zero_grad() {
        for (auto* p : parameters()) p->zero_grad();
    }

    std::size_t size() const { return layers_.size(); }
    LayerT<T>& layer(std::size_t i) { return *layers_.at(i); }
    const Shape& input_shape() const { return input_shape_; }
    const Shape& layer_output_shape(std::size_t i) const { return output_shapes_.at(i); }

private:
    Shape input_shape_;
    std::vector<std::unique_ptr<LayerT<T>>> layers_;
    std::vector<Shape> output_shapes_;
};

using Sequential = SequentialT<float>;

// A table like Keras's model.summary():
//   Layer (type)        Output Shape          Param #
//   ==================================================
//   logistic (Logistic) (None, 1)             785
//   ==================================================
//   Total params: 785
std::string summary(SequentialT<float>& model);

// The same table for any model, one row per layer: "lstm_1 (LSTM)", "(None, 64, 256)", 328704.
struct SummaryRow {
    std::string layer, output_shape;
    std::size_t params = 0;
};
std::string summary_table(const std::string& model_name, const std::vector<SummaryRow>& rows);

}  // namespace dl::nn
