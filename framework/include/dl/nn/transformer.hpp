#pragma once
// Chapter 7's model: a decoder-only Transformer over characters (GPT's shape, pre-norm):
//   x = E[ids] + P[t]                                     token and position embeddings [B, T, C]
//   for each block:  x ← x + MHA(LN₁(x))                  causal multi-head self-attention
//                    x ← x + W₂ GELU(W₁ LN₂(x) + b₁) + b₂  the MLP, 4C wide
//   logits = LN_f(x) W_headᵀ                               [B·T, V], no bias
// Initialised as GPT-2 (and nanoGPT): every weight N(0, 0.02), the two projections that write into
// the residual stream (Wo and W₂) N(0, 0.02 / √(2·layers)), biases 0, layer norms γ = 1, β = 0.
// With 4 layers, 4 heads, C = 128, a context of 128 and 73 characters: 828,416 parameters, as
// the PyTorch version of the model (bench/pytorch_transformer.py) counts them.

#include "dl/nn/language_model.hpp"
#include "dl/ops/attention.hpp"

#include <string>
#include <vector>

namespace dl::nn {

// One pre-norm block on the residual stream x [B·T, C]:
//   x_mid = x + MHA(LN₁(x))        x_out = x_mid + W₂ GELU(W₁ LN₂(x_mid) + b₁) + b₂
// A template so the tests can check its backward pass in double by finite differences.
template <class T>
class TransformerBlockT {
public:
    // Initialised as the model is (see above); `layers` scales the residual projections.
    // gelu: "erf" (the exact GELU) or "tanh" (GPT-2's approximation).
    TransformerBlockT(std::size_t width, std::size_t heads, std::size_t mlp_ratio, std::size_t layers, Rng& rng,
                      const std::string& gelu = "erf");
    // x: [B·T, C], replaced by the block's output.
    void forward(TensorT<T>& x, std::size_t B, std::size_t T_);
    // dx: dL/d(output) [B·T, C], replaced by dL/d(input); accumulates every parameter's gradient.
    void backward(TensorT<T>& dx);
    std::vector<ParameterT<T>*> parameters();
    const TensorT<T>& attention_weights() const { return attention_.P; }
    std::size_t attention_parameters() const;
    std::size_t mlp_parameters() const;

private:
    std::size_t heads_, B_ = 0, T_ = 0;
    bool tanh_gelu_ = false;
    ParameterT<T> ln1_gamma_, ln1_beta_, Wqkv_, bqkv_, Wo_, bo_, ln2_gamma_, ln2_beta_, W1_, b1_, W2_, b2_;
    // What the forward keeps: the block's input x, LN₁(x), the stream after attention, LN₂ of it,
    // the MLP's pre-activation u and GELU(u), the layer norms' statistics, attention's cache.
    TensorT<T> x_, h1_, x_mid_, h2_, u_, g_, mean1_, rstd1_, mean2_, rstd2_;
    AttentionCache<T> attention_;
    TensorT<T> branch_, dg_, du_, dh_, dstream_;   // scratch, kept: the next step reuses the memory
};
using TransformerBlock = TransformerBlockT<float>;

struct TransformerLmOptions {
    std::size_t layers = 4, heads = 4, width = 128, context = 128, mlp_ratio = 4;
    std::string positions = "learned";   // learned (a parameter [context, C]) | sinusoidal (fixed)
    std::string gelu = "erf";            // erf (the exact GELU) | tanh (GPT-2's approximation)
};

class TransformerLm final : public LanguageModel {
public:
    TransformerLm(std::size_t vocab, TransformerLmOptions options, Rng& rng);
    std::string summary() const override;
    std::vector<Parameter*> parameters() override;
    std::size_t vocab_size() const override { return vocab_; }
    std::size_t context() const override { return options_.context; }
    // T may be anything from 1 to the context; `carry` is ignored (a Transformer keeps no state
    // between batches: its context is the window itself).
    const Tensor& forward(std::span<const int> ids, std::size_t B, std::size_t T, bool carry) override;
    void backward(const Tensor& dlogits) override;
    std::vector<StateEntry> state_dict() override;
    std::map<std::string, std::string> pytorch_module() const override;
    const TransformerLmOptions& options() const { return options_; }
    // Layer l's attention weights from the last forward: [B·heads, T, T], row i the weights query
    // position i gave every key (head j of sequence b is problem b·heads + j).
    const Tensor& attention_weights(std::size_t layer) const;

private:
    std::size_t vocab_;
    TransformerLmOptions options_;
    Parameter tokens_, positions_;   // positions_: learned, or the fixed sinusoids (not in parameters())
    std::vector<TransformerBlock> blocks_;
    Parameter lnf_gamma_, lnf_beta_, head_;
    std::vector<int> ids_;
    std::size_t B_ = 0, T_ = 0;
    Tensor x_, hf_, meanf_, rstdf_, logits_, dh_, dx_;
};

}  // namespace dl::nn
