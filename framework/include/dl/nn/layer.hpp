#pragma once
// The building blocks of a model: Parameter (a value and its gradient) and Layer (a forward and a
// backward pass). Layers hold what their backward pass needs from the forward one, so a layer
// instance is used for one batch at a time: forward(x), then backward(dY).
//
// Conventions: the first axis is the batch. backward() returns dX (overwritten) and ACCUMULATES
// into every parameter's grad (the optimizer zeroes them), because a parameter may be used more
// than once (an RNN's weights at every time step).

#include "dl/rng.hpp"
#include "dl/tensor.hpp"

#include <string>
#include <vector>

namespace dl::nn {

template <class T>
struct ParameterT {
    std::string name;   // "w", "b"
    TensorT<T> value;
    TensorT<T> grad;    // same shape as value

    ParameterT(std::string n, TensorT<T> v) : name(std::move(n)), value(std::move(v)), grad(value.shape()) {}
    void zero_grad() { grad.fill(T(0)); }
};

// Training mode matters for layers such as dropout and batch norm.
enum class Mode { train, eval };

template <class T>
class LayerT {
public:
    LayerT() = default;
    LayerT(const LayerT&) = delete;   // a layer holds its forward's saved tensors: no accidental copies
    LayerT& operator=(const LayerT&) = delete;
    LayerT(LayerT&&) noexcept = default;
    LayerT& operator=(LayerT&&) noexcept = default;
    virtual ~LayerT() = default;

    // The layer's kind as the summary prints it: "Logistic", "Dense", "ReLU".
    virtual std::string kind() const = 0;
    // One example's output shape from one example's input shape (no batch axis); throws
    // ShapeError when the input shape does not fit the layer.
    virtual Shape output_shape(const Shape& input) const = 0;
    // Y = layer(X) for a batch X [N, ...]; keeps what backward needs.
    virtual const TensorT<T>& forward(const TensorT<T>& X, Mode mode) = 0;
    // dX from dY [N, ...output]; accumulates the parameters' gradients.
    virtual const TensorT<T>& backward(const TensorT<T>& dY) = 0;
    virtual std::vector<ParameterT<T>*> parameters() { return {}; }
    // State that is not learned by gradients but belongs to the model all the same (batch norm's
    // running statistics): saved and restored with the parameters (early stopping, checkpoints).
    virtual std::vector<TensorT<T>*> buffers() { return {}; }
    // The random generators the layer draws from while training (dropout's masks): a checkpoint
    // saves their states, so a resumed run draws the same masks as an unbroken one.
    virtual std::vector<Rng*> generators() { return {}; }

    // Whether backward() must compute dX. The first layers of a model (up to and including the
    // first one with parameters) need not: nothing before them learns. A layer that may skip the
    // work returns an empty tensor from backward() when this is false.
    virtual void set_input_grad_needed(bool needed) { input_grad_needed_ = needed; }
    bool input_grad_needed() const { return input_grad_needed_; }

private:
    bool input_grad_needed_ = true;
};

template <class T>
std::size_t count_parameters(LayerT<T>& layer) {
    std::size_t n = 0;
    for (const auto* p : layer.parameters()) n += p->value.size();
    return n;
}

using Parameter = ParameterT<float>;
using Layer = LayerT<float>;

}  // namespace dl::nn
