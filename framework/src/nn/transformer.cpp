#include "dl/nn/transformer.hpp"

#include "dl/nn/sequential.hpp"
#include "dl/ops/dense.hpp"
#include "dl/ops/gemm.hpp"
#include "dl/ops/rnn.hpp"

#include <cmath>

namespace dl::nn {

namespace {
template <class T>
void fill_normal(TensorT<T>& t, double stddev, Rng& rng) {
    for (auto& v : t) v = static_cast<T>(rng.normal(0.0, stddev));
}
template <class T = float>
ParameterT<T> ones(const char* name, std::size_t n) { return ParameterT<T>(name, TensorT<T>({n}, T(1))); }
template <class T = float>
ParameterT<T> zeros(const char* name, Shape shape) { return ParameterT<T>(name, TensorT<T>(std::move(shape))); }
// a += b, elementwise (the residual connections' forward, and their gradients' sum).
template <class T>
void add_into(TensorT<T>& a, const TensorT<T>& b) {
    T* x = a.data();
    const T* y = b.data();
#pragma omp simd
    for (std::size_t i = 0; i < a.size(); ++i) x[i] += y[i];
}
std::string shape_bt(std::size_t width) { return "(None, T, " + std::to_string(width) + ")"; }
}  // namespace

template <class T>
TransformerBlockT<T>::TransformerBlockT(std::size_t width, std::size_t heads, std::size_t mlp_ratio, std::size_t layers,
                                        Rng& rng, const std::string& gelu)
    : heads_(heads), tanh_gelu_(gelu == "tanh"), ln1_gamma_(ones<T>("gamma", width)), ln1_beta_(zeros<T>("beta", {width})),
      Wqkv_(zeros<T>("W", {3 * width, width})), bqkv_(zeros<T>("b", {3 * width})), Wo_(zeros<T>("W", {width, width})),
      bo_(zeros<T>("b", {width})), ln2_gamma_(ones<T>("gamma", width)), ln2_beta_(zeros<T>("beta", {width})),
      W1_(zeros<T>("W", {mlp_ratio * width, width})), b1_(zeros<T>("b", {mlp_ratio * width})),
      W2_(zeros<T>("W", {width, mlp_ratio * width})), b2_(zeros<T>("b", {width})) {
    const double stddev = 0.02, residual_stddev = 0.02 / std::sqrt(2.0 * static_cast<double>(layers));
    fill_normal(Wqkv_.value, stddev, rng);
    fill_normal(Wo_.value, residual_stddev, rng);
    fill_normal(W1_.value, stddev, rng);
    fill_normal(W2_.value, residual_stddev, rng);
}

template <class T>
std::vector<ParameterT<T>*> TransformerBlockT<T>::parameters() {
    return {&ln1_gamma_, &ln1_beta_, &Wqkv_, &bqkv_, &Wo_, &bo_, &ln2_gamma_, &ln2_beta_, &W1_, &b1_, &W2_, &b2_};
}
template <class T>
std::size_t TransformerBlockT<T>::attention_parameters() const {
    return Wqkv_.value.size() + bqkv_.value.size() + Wo_.value.size() + bo_.value.size();
}
template <class T>
std::size_t TransformerBlockT<T>::mlp_parameters() const {
    return W1_.value.size() + b1_.value.size() + W2_.value.size() + b2_.value.size();
}

// x_mid = x + MHA(LN₁(x)),  x_out = x_mid + W₂ GELU(W₁ LN₂(x_mid) + b₁) + b₂.
template <class T>
void TransformerBlockT<T>::forward(TensorT<T>& x, std::size_t B, std::size_t T_len) {
    const std::size_t C = ln1_gamma_.value.size();
    check_shape(x.shape(), {B * T_len, C}, "TransformerBlock::forward", "x");
    B_ = B, T_ = T_len;
    x_ = x;
    x_.reshape({B, T_len, C});
    layernorm_forward(h1_, mean1_, rstd1_, x_, ln1_gamma_.value, ln1_beta_.value);
    TensorT<T>& a = branch_;   // the attention's or the MLP's output, added to the stream
    multihead_attention_forward(a, attention_, h1_, Wqkv_.value, bqkv_.value, Wo_.value, bo_.value, heads_,
                                /*causal=*/true);
    x_mid_ = x_;
    add_into(x_mid_, a);
    x_mid_.reshape({B * T_len, C});
    layernorm_forward(h2_, mean2_, rstd2_, x_mid_, ln2_gamma_.value, ln2_beta_.value);
    dense_forward(u_, h2_, W1_.value, b1_.value);
    if (tanh_gelu_)
        gelu_tanh_forward(g_, u_);
    else
        gelu_forward(g_, u_);
    dense_forward(a, g_, W2_.value, b2_.value);
    x = x_mid_;
    add_into(x, a);
}

// Each residual connection passes the gradient through unchanged and adds its branch's share.
template <class T>
void TransformerBlockT<T>::backward(TensorT<T>& dx) {
    const std::size_t C = ln1_gamma_.value.size();
    check_shape(dx.shape(), {B_ * T_, C}, "TransformerBlock::backward", "dx (run the forward first)");
    // The MLP branch: x_out = x_mid + MLP(LN₂(x_mid)).
    dense_backward(dg_, W2_.grad, b2_.grad, dx, g_, W2_.value);
    if (tanh_gelu_)
        gelu_tanh_backward(du_, dg_, u_);
    else
        gelu_backward(du_, dg_, u_);
    dense_backward(dh_, W1_.grad, b1_.grad, du_, h2_, W1_.value);
    layernorm_backward(dstream_, ln2_gamma_.grad, ln2_beta_.grad, dh_, x_mid_, mean2_, rstd2_, ln2_gamma_.value);
    add_into(dx, dstream_);   // dL/dx_mid
    // The attention branch: x_mid = x + MHA(LN₁(x)).
    dx.reshape({B_, T_, C});
    multihead_attention_backward(dh_, Wqkv_.grad, bqkv_.grad, Wo_.grad, bo_.grad, dx, attention_, h1_, Wqkv_.value,
                                 Wo_.value, heads_);
    layernorm_backward(dstream_, ln1_gamma_.grad, ln1_beta_.grad, dh_, x_, mean1_, rstd1_, ln1_gamma_.value);
    add_into(dx, dstream_);   // dL/dx
    dx.reshape({B_ * T_, C});
}

template class TransformerBlockT<float>;
template class TransformerBlockT<double>;

TransformerLm::TransformerLm(std::size_t vocab, TransformerLmOptions options, Rng& rng)
    : vocab_(vocab), options_(std::move(options)), tokens_(zeros("E", {vocab, options_.width})),
      positions_(zeros("P", {options_.context, options_.width})), lnf_gamma_(ones("gamma", options_.width)),
      lnf_beta_(zeros("beta", {options_.width})), head_(zeros("w", {vocab, options_.width})) {
    const TransformerLmOptions& o = options_;
    if (vocab < 2 || o.layers == 0 || o.heads == 0 || o.width == 0 || o.context == 0 || o.mlp_ratio == 0)
        DL_THROW(UsageError, "a Transformer needs a vocabulary of 2 or more and positive --layers, --heads, "
                             "--width and --context (got "
                                 << vocab << ", " << o.layers << ", " << o.heads << ", " << o.width << ", " << o.context
                                 << ")");
    if (o.width % o.heads != 0)
        DL_THROW(UsageError, "--width " << o.width << " does not split into " << o.heads
                                        << " heads: choose a width that is a multiple of --heads");
    if (o.positions != "learned" && o.positions != "sinusoidal")
        DL_THROW(UsageError, "--positions must be learned or sinusoidal, got '" << o.positions << "'");
    if (o.gelu != "erf" && o.gelu != "tanh") DL_THROW(UsageError, "--gelu must be erf or tanh, got '" << o.gelu << "'");
    const std::size_t C = o.width;
    const double stddev = 0.02;
    fill_normal(tokens_.value, stddev, rng);
    if (o.positions == "learned")
        fill_normal(positions_.value, stddev, rng);
    else
        sinusoidal_positions(positions_.value, o.context, C);
    for (std::size_t l = 0; l < o.layers; ++l) blocks_.emplace_back(C, o.heads, o.mlp_ratio, o.layers, rng, o.gelu);
    fill_normal(head_.value, stddev, rng);
}

std::string TransformerLm::summary() const {
    const std::size_t C = options_.width;
    const bool learned = options_.positions == "learned";
    std::vector<SummaryRow> rows{{"token_embedding (Embedding)", shape_bt(C), tokens_.value.size()},
                                 {learned ? "position_embedding (Embedding)" : "positions (sinusoidal, fixed)",
                                  shape_bt(C), learned ? positions_.value.size() : 0}};
    for (std::size_t l = 0; l < blocks_.size(); ++l) {
        const TransformerBlock& b = blocks_[l];
        const std::string n = std::to_string(l + 1);
        rows.push_back({"b" + n + "_ln_1 (LayerNorm)", shape_bt(C), 2 * C});
        rows.push_back({"b" + n + "_attn (MultiHeadAttention)", shape_bt(C), b.attention_parameters()});
        rows.push_back({"b" + n + "_ln_2 (LayerNorm)", shape_bt(C), 2 * C});
        rows.push_back({"b" + n + (options_.gelu == "tanh" ? "_mlp (Dense-GELU(tanh)-Dense)" : "_mlp (Dense-GELU-Dense)"),
                        shape_bt(C), b.mlp_parameters()});
    }
    rows.push_back({"ln_f (LayerNorm)", shape_bt(C), 2 * C});
    rows.push_back({"head (Dense, no bias)", shape_bt(vocab_), head_.value.size()});
    return summary_table("character Transformer: " + std::to_string(blocks_.size()) + " pre-norm blocks, " +
                             std::to_string(options_.heads) + " heads, context " + std::to_string(options_.context),
                         rows);
}

std::vector<Parameter*> TransformerLm::parameters() {
    std::vector<Parameter*> all{&tokens_};
    if (options_.positions == "learned") all.push_back(&positions_);
    for (auto& b : blocks_)
        for (Parameter* p : b.parameters()) all.push_back(p);
    all.push_back(&lnf_gamma_), all.push_back(&lnf_beta_), all.push_back(&head_);
    return all;
}

// bench/pytorch_transformer.py's CharTransformer. A fixed (sinusoidal) position table goes out as
// position.weight too, so that the PyTorch model, whose positions are an embedding, computes the same.
std::vector<StateEntry> TransformerLm::state_dict() {
    std::vector<StateEntry> entries{same_tensor("token.weight", tokens_.value), same_tensor("position.weight", positions_.value)};
    // In the order of TransformerBlock::parameters().
    const char* names[] = {"ln1.weight", "ln1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias",
                           "ln2.weight", "ln2.bias", "mlp.0.weight",    "mlp.0.bias",    "mlp.2.weight",     "mlp.2.bias"};
    for (std::size_t k = 0; k < blocks_.size(); ++k) {
        const auto params = blocks_[k].parameters();
        DL_CHECK(params.size() == std::size(names), "TransformerLm::state_dict: a block has " << params.size() << " parameters");
        for (std::size_t i = 0; i < params.size(); ++i)
            entries.push_back(same_tensor("blocks." + std::to_string(k) + "." + names[i], params[i]->value));
    }
    entries.push_back(same_tensor("ln_f.weight", lnf_gamma_.value));
    entries.push_back(same_tensor("ln_f.bias", lnf_beta_.value));
    entries.push_back(same_tensor("head.weight", head_.value));
    return entries;
}

std::map<std::string, std::string> TransformerLm::pytorch_module() const {
    const TransformerLmOptions& o = options_;
    return {{"module", "CharTransformer"}, {"vocab", std::to_string(vocab_)}, {"width", std::to_string(o.width)},
            {"heads", std::to_string(o.heads)}, {"layers", std::to_string(o.layers)},
            {"context", std::to_string(o.context)}, {"mlp_ratio", std::to_string(o.mlp_ratio)}, {"gelu", o.gelu},
            {"positions", o.positions}};
}

const Tensor& TransformerLm::attention_weights(std::size_t layer) const {
    DL_CHECK(layer < blocks_.size(), "TransformerLm: no layer " << layer << " (the model has " << blocks_.size() << ")");
    return blocks_[layer].attention_weights();
}

const Tensor& TransformerLm::forward(std::span<const int> ids, std::size_t B, std::size_t T, bool /*carry*/) {
    DL_CHECK(B > 0 && T > 0 && ids.size() == B * T,
             "TransformerLm::forward: " << ids.size() << " ids for B = " << B << ", T = " << T);
    if (T > options_.context)
        DL_THROW(UsageError, "the Transformer sees at most " << options_.context << " characters (its --context), got "
                                                             << T << ": use a --seq-len of at most the context");
    const std::size_t C = options_.width;
    ids_.assign(ids.begin(), ids.end());
    B_ = B, T_ = T;
    // x[b, t] = E[ids[b, t]] + P[t]
    embedding_forward(x_, ids, tokens_.value);
    for (std::size_t b = 0; b < B; ++b)
        for (std::size_t t = 0; t < T; ++t) {
            float* row = x_.data() + (b * T + t) * C;
            const float* p = positions_.value.data() + t * C;
            for (std::size_t c = 0; c < C; ++c) row[c] += p[c];
        }
    for (TransformerBlock& block : blocks_) block.forward(x_, B, T);
    layernorm_forward(hf_, meanf_, rstdf_, x_, lnf_gamma_.value, lnf_beta_.value);
    logits_.resize({B * T, vocab_});
    gemm_blocked<float>(Trans::no, Trans::yes, B * T, vocab_, C, 1.0f, hf_.data(), C, head_.value.data(), C, 0.0f,
                        logits_.data(), vocab_);
    return logits_;
}

void TransformerLm::backward(const Tensor& dlogits) {
    const std::size_t C = options_.width, rows = B_ * T_;
    check_shape(dlogits.shape(), {rows, vocab_}, "TransformerLm::backward", "dlogits");
    // The head: dW_head += dlogitsᵀ hf, dhf = dlogits W_head; then the final layer norm.
    gemm_blocked<float>(Trans::yes, Trans::no, vocab_, C, rows, 1.0f, dlogits.data(), vocab_, hf_.data(), C, 1.0f,
                        head_.grad.data(), C);
    dh_.resize({rows, C});
    gemm_blocked<float>(Trans::no, Trans::no, rows, C, vocab_, 1.0f, dlogits.data(), vocab_, head_.value.data(), C,
                        0.0f, dh_.data(), C);
    layernorm_backward(dx_, lnf_gamma_.grad, lnf_beta_.grad, dh_, x_, meanf_, rstdf_, lnf_gamma_.value);
    for (std::size_t l = blocks_.size(); l-- > 0;) blocks_[l].backward(dx_);
    const Tensor& dx = dx_;
    // The embeddings: each token's row and each position's row gather their gradients.
    embedding_backward(tokens_.grad, dx, ids_);
    if (options_.positions == "learned")
        for (std::size_t b = 0; b < B_; ++b)
            for (std::size_t t = 0; t < T_; ++t) {
                const float* g = dx.data() + (b * T_ + t) * C;
                float* p = positions_.grad.data() + t * C;
                for (std::size_t c = 0; c < C; ++c) p[c] += g[c];
            }
}

}  // namespace dl::nn
