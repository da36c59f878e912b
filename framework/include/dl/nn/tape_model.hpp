#pragma once
// Chapter 8's tape inside the framework: models written in tape ops over the parameters of the
// chapters' own layers (borrowed, so both see the same numbers and gradients), and TapeModelT, a
// layer whose backward pass the tape derives. Through it the trainer, the checkpoints and the
// metrics of chapters 2-7 serve a model with no hand-written backward at all.

#include "dl/nn/layer.hpp"
#include "dl/nn/models.hpp"
#include "dl/nn/transformer.hpp"
#include "dl/ops/tape_ops.hpp"

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace dl::nn {

// One leaf per parameter, over the parameter's own value and grad (Var::borrow).
template <class T>
std::vector<Var<T>> borrow_parameters(const std::vector<ParameterT<T>*>& params);

// Chapter 2's MLP in tape ops. params: W₁, b₁, W₂, b₂, ... as the Dense layers of mlp() hold them;
// X [N, ...] is flattened to rows. Logits [N, classes] (the softmax is in the loss).
template <class T>
Var<T> mlp_through_tape(const Var<T>& X, std::span<const Var<T>> params, Activation activation);

// Chapter 7's pre-norm block in tape ops on the residual stream x [B·T, C], with params in the
// order of TransformerBlockT::parameters(): γ₁ β₁ Wqkv bqkv Wo bo γ₂ β₂ W₁ b₁ W₂ b₂ (exact GELU).
template <class T>
Var<T> transformer_block_through_tape(const Var<T>& x, std::span<const Var<T>> params, std::size_t B,
                                      std::size_t T_, std::size_t heads);

// Runs one training step's backward pass both ways on the same parameters, tape_step (gradients
// from the tape) then hand_step (the layers' own backward), from zeroed gradients, and returns the
// largest |tape − hand| over the largest |hand|, over every parameter. Leaves the gradients zeroed.
double tape_against_hand(const std::vector<Parameter*>& params, const std::function<void()>& tape_step,
                         const std::function<void()>& hand_step);

// A layer whose forward is written in tape ops over a source model's parameters, and whose
// backward is the tape's. In eval mode nothing is recorded (NoGrad).
template <class T>
class TapeModelT final : public LayerT<T> {
public:
    using Forward = std::function<Var<T>(const Var<T>& X, std::span<const Var<T>> params)>;
    // source: the model that owns the parameters (its shapes are this layer's); forward: the
    // same computation in tape ops.
    TapeModelT(std::unique_ptr<LayerT<T>> source, Shape input_shape, Forward forward);

    std::string kind() const override { return "Tape"; }
    Shape output_shape(const Shape& input) const override;
    const TensorT<T>& forward(const TensorT<T>& X, Mode mode) override;
    const TensorT<T>& backward(const TensorT<T>& dY) override;
    std::vector<ParameterT<T>*> parameters() override { return source_->parameters(); }
    LayerT<T>& source() { return *source_; }
    std::size_t recorded_ops() const { return recorded_ops_; }   // operations in the last recorded graph

private:
    std::unique_ptr<LayerT<T>> source_;
    Shape input_shape_, output_shape_;
    Forward forward_;
    std::vector<Var<T>> params_;
    Var<T> input_, output_;
    TensorT<T> dX_;
    std::size_t recorded_ops_ = 0;
    Shape counted_shape_;   // the input recorded_ops_ was counted for
    bool counted_with_grad_ = false;
};
using TapeModel = TapeModelT<float>;

// Chapter 7's character Transformer with the tape's gradients: the hand-written TransformerLm owns
// the parameters (same initialisation, same checkpoints); forward() records the same computation in
// tape ops (embedding, positions, blocks, final layer norm, head) and backward() is the tape's.
// Learned positions and the exact GELU only (the options chapter 7 trains with by default).
class TapeTransformerLm final : public LanguageModel {
public:
    TapeTransformerLm(std::size_t vocab, TransformerLmOptions options, Rng& rng);
    std::string summary() const override;
    std::vector<Parameter*> parameters() override { return model_.parameters(); }
    std::size_t vocab_size() const override { return model_.vocab_size(); }
    std::size_t context() const override { return model_.context(); }
    const Tensor& forward(std::span<const int> ids, std::size_t B, std::size_t T, bool carry) override;
    void backward(const Tensor& dlogits) override;
    std::vector<StateEntry> state_dict() override { return model_.state_dict(); }
    std::map<std::string, std::string> pytorch_module() const override { return model_.pytorch_module(); }
    // The same parameters with chapter 7's hand-written forward and backward.
    TransformerLm& hand_written() { return model_; }

private:
    TransformerLm model_;
    std::vector<Var<float>> params_;
    Var<float> logits_;
};

}  // namespace dl::nn
