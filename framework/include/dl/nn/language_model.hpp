#pragma once
// Character-level language models (chapters 6 and 7): given a batch of character ids [B, T],
// the logits [B·T, V] of the character that follows each one (row n·T + t follows input (n, t)).
// The training loop (dl/train/language_model.hpp), generation and checkpoints use this interface.

#include "dl/nn/layer.hpp"
#include "dl/nn/state_dict.hpp"
#include "dl/ops/rnn.hpp"

#include <map>
#include <span>
#include <string>
#include <vector>

namespace dl::nn {

class LanguageModel {
public:
    virtual ~LanguageModel() = default;
    // A Keras-like table of the layers, their output shapes and parameter counts.
    virtual std::string summary() const = 0;
    virtual std::vector<Parameter*> parameters() = 0;
    virtual std::size_t vocab_size() const = 0;
    // The longest window of characters the model sees at once: 0 for a recurrent model (no limit:
    // its state carries the past), the context for a Transformer.
    virtual std::size_t context() const { return 0; }
    // Logits [B·T, V] for ids (B·T of them, row-major [B, T]). With carry = true the model starts
    // from the state its previous forward left (a recurrent model's h and c; truncated BPTT), which
    // must have had the same B (a dl::Error otherwise; with no state yet, from zero); otherwise from
    // the zero state.
    virtual const Tensor& forward(std::span<const int> ids, std::size_t B, std::size_t T, bool carry) = 0;
    // From dL/dlogits [B·T, V] of the last forward: accumulates every parameter's gradient.
    virtual void backward(const Tensor& dlogits) = 0;
    // The state a carried forward starts from (none for a model without one), to set aside while
    // evaluating and to save in a checkpoint.
    virtual std::vector<Tensor> carried_state() const { return {}; }
    virtual void set_carried_state(std::vector<Tensor> state) { (void)state; }
    // The tensors under the names of the equivalent PyTorch module's state_dict (state_dict.hpp),
    // and that module: its class in bench/ ("CharLstm") and the arguments it is built with.
    virtual std::vector<StateEntry> state_dict() = 0;
    virtual std::map<std::string, std::string> pytorch_module() const = 0;
};

// Embedding(V, D) → `layers` recurrent layers of H units (LSTM or vanilla RNN) → Dense(V), as
// PyTorch's nn.Embedding, nn.LSTM (or nn.RNN with tanh) and nn.Linear, initialised as they are:
// the embedding N(0, 1), every other weight and bias U(−1/√fan_in, 1/√fan_in) with fan_in = H for
// the recurrent layers. One bias vector per recurrent layer where PyTorch keeps two (b_ih and b_hh,
// which only ever appear as their sum): PyTorch counts 4H (LSTM) or H (RNN) more parameters a layer.
struct RecurrentLmOptions {
    std::string cell = "lstm";   // lstm | rnn
    std::size_t embed = 64, hidden = 256, layers = 1;
};

class RecurrentLm final : public LanguageModel {
public:
    RecurrentLm(std::size_t vocab, RecurrentLmOptions options, Rng& rng);
    std::string summary() const override;
    std::vector<Parameter*> parameters() override;
    std::size_t vocab_size() const override { return vocab_; }
    const Tensor& forward(std::span<const int> ids, std::size_t B, std::size_t T, bool carry) override;
    void backward(const Tensor& dlogits) override;
    std::vector<Tensor> carried_state() const override;
    void set_carried_state(std::vector<Tensor> state) override;
    std::vector<StateEntry> state_dict() override;
    std::map<std::string, std::string> pytorch_module() const override;
    const RecurrentLmOptions& options() const { return options_; }

    // For the vanishing-gradient measurement: the first recurrent layer's input for the last forward
    // ([B, T, D], the embeddings) and, after backward, its gradient.
    const Tensor& embedded() const { return embedded_; }
    const Tensor& embedded_grad() const { return embedded_grad_; }

private:
    struct Recurrent {
        Parameter W, b;
        Tensor h0, c0;                     // the state this forward started from
        std::vector<StepCache<float>> steps;
        Tensor Y;                          // [B, T, H]
    };
    bool lstm() const { return options_.cell == "lstm"; }

    std::size_t vocab_;
    RecurrentLmOptions options_;
    Parameter E_;
    std::vector<Recurrent> layers_;
    Parameter Wo_, bo_;
    std::vector<int> ids_;
    std::size_t B_ = 0, T_ = 0;
    Tensor embedded_, embedded_grad_, logits_, dY_, dX_, dh0_, dc0_;
};

}  // namespace dl::nn
