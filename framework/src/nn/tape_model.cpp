#include "dl/nn/tape_model.hpp"

#include <cmath>
#include <optional>

namespace dl::nn {

template <class T>
std::vector<Var<T>> borrow_parameters(const std::vector<ParameterT<T>*>& params) {
    std::vector<Var<T>> vars;
    for (ParameterT<T>* p : params) vars.push_back(Var<T>::borrow(p->value, p->grad));
    return vars;
}

template <class T>
Var<T> mlp_through_tape(const Var<T>& X, std::span<const Var<T>> params, Activation activation) {
    DL_CHECK(!params.empty() && params.size() % 2 == 0,
             "mlp_through_tape: parameters come in (W, b) pairs, got " << params.size());
    const std::size_t N = X.shape().at(0);
    Var<T> h = X.shape().size() == 2 ? X : reshape(X, {N, X.value().size() / N});
    for (std::size_t i = 0; i < params.size(); i += 2) {
        h = linear(h, params[i], params[i + 1]);
        if (i + 2 == params.size()) break;   // the last layer gives logits
        switch (activation) {
            case Activation::relu: h = relu(h); break;
            case Activation::tanh: h = tanh(h); break;
            case Activation::sigmoid: h = sigmoid(h); break;
        }
    }
    return h;
}

template <class T>
Var<T> transformer_block_through_tape(const Var<T>& x, std::span<const Var<T>> p, std::size_t B, std::size_t T_,
                                      std::size_t heads) {
    DL_CHECK(p.size() == 12, "transformer_block_through_tape: 12 parameters, got " << p.size());
    const std::size_t C = x.shape().at(1), D = C / heads;
    // x_mid = x + Wo·attention(split(LN₁(x) Wqkvᵀ + bqkv)) + bo
    const Var<T> qkv = linear(layer_norm(x, p[0], p[1]), p[2], p[3]);
    const Var<T> heads_out = attention(split_heads(qkv, 0, B, T_, heads, D), split_heads(qkv, C, B, T_, heads, D),
                                       split_heads(qkv, 2 * C, B, T_, heads, D), /*causal=*/true);
    const Var<T> x_mid = add(x, linear(join_heads(heads_out, 0, C, B, T_), p[4], p[5]));
    // x_out = x_mid + W₂ GELU(W₁ LN₂(x_mid) + b₁) + b₂
    return add(x_mid, linear(gelu(linear(layer_norm(x_mid, p[6], p[7]), p[8], p[9])), p[10], p[11]));
}

double tape_against_hand(const std::vector<Parameter*>& params, const std::function<void()>& tape_step,
                         const std::function<void()>& hand_step) {
    for (Parameter* p : params) p->zero_grad();
    tape_step();
    std::vector<Tensor> by_tape;
    for (Parameter* p : params) {
        by_tape.push_back(p->grad);
        p->zero_grad();
    }
    hand_step();
    double diff = 0, scale = 0;
    for (std::size_t k = 0; k < params.size(); ++k) {
        for (std::size_t i = 0; i < by_tape[k].size(); ++i) {
            diff = std::max(diff, static_cast<double>(std::abs(by_tape[k][i] - params[k]->grad[i])));
            scale = std::max(scale, static_cast<double>(std::abs(params[k]->grad[i])));
        }
        params[k]->zero_grad();
    }
    return scale > 0 ? diff / scale : diff;
}

template <class T>
TapeModelT<T>::TapeModelT(std::unique_ptr<LayerT<T>> source, Shape input_shape, Forward forward)
    : source_(std::move(source)), input_shape_(std::move(input_shape)), forward_(std::move(forward)) {
    output_shape_ = source_->output_shape(input_shape_);
    params_ = borrow_parameters(source_->parameters());
}

template <class T>
Shape TapeModelT<T>::output_shape(const Shape& input) const {
    check_shape(input, input_shape_, "Tape", "input");
    return output_shape_;
}

namespace {

// The operations recorded in y's graph (its nodes that have inputs; the leaves are not counted).
template <class T>
std::size_t count_ops(const Var<T>& y) {
    std::size_t ops = 0;
    for_each_node(y, [&ops](const Var<T>& v) { ops += v.is_leaf() ? 0 : 1; });
    return ops;
}

}  // namespace

template <class T>
const TensorT<T>& TapeModelT<T>::forward(const TensorT<T>& X, Mode mode) {
    output_ = {};   // the last step's graph goes before this one is built
    std::optional<NoGrad> evaluation;
    if (mode == Mode::eval) evaluation.emplace();
    input_ = Var<T>(X, this->input_grad_needed());
    output_ = forward_(input_, params_);
    // The graph follows from the input's shape and whether it needs a gradient, not from its numbers:
    // walk it again only when one of those changes, not on every training step.
    if (mode == Mode::train && (X.shape() != counted_shape_ || input_.requires_grad() != counted_with_grad_)) {
        recorded_ops_ = count_ops(output_);
        counted_shape_ = X.shape();
        counted_with_grad_ = input_.requires_grad();
    }
    return output_.value();
}

template <class T>
const TensorT<T>& TapeModelT<T>::backward(const TensorT<T>& dY) {
    DL_CHECK(output_.defined() && output_.requires_grad(), "TapeModel::backward without a forward in train mode");
    dl::backward(output_, dY);
    output_ = {};   // free the graph: its activations are no longer needed
    dX_ = this->input_grad_needed() ? input_.grad() : TensorT<T>();
    return dX_;
}

TapeTransformerLm::TapeTransformerLm(std::size_t vocab, TransformerLmOptions options, Rng& rng)
    : model_(vocab, options, rng) {
    if (options.positions != "learned" || options.gelu != "erf")
        DL_THROW(UsageError, "the tape's Transformer has learned positions and the exact (erf) GELU only, got positions "
                                 << options.positions << " and gelu " << options.gelu);
    params_ = borrow_parameters(model_.parameters());
}

std::string TapeTransformerLm::summary() const {
    return model_.summary() + "gradients: from the tape (chapter 8), not the layers' backward passes\n";
}

const Tensor& TapeTransformerLm::forward(std::span<const int> ids, std::size_t B, std::size_t T, bool /*carry*/) {
    const TransformerLmOptions& o = model_.options();
    DL_CHECK(B > 0 && T > 0 && ids.size() == B * T,
             "TapeTransformerLm::forward: " << ids.size() << " ids for B = " << B << ", T = " << T);
    if (T > o.context)
        DL_THROW(UsageError, "the Transformer sees at most " << o.context << " characters (its --context), got " << T);
    const std::size_t C = o.width;
    logits_ = {};   // the last graph goes before this one is built
    // params_: tokens, positions, 12 per block, γ_f, β_f, head (TransformerLm::parameters()).
    // x[b, t] = E[ids[b, t]] + P[t]: the first T rows of P, broadcast over the batch.
    const Var<float> first_positions =
        reshape(columns(reshape(params_[1], {1, o.context * C}), 0, T * C), {T, C});
    Var<float> x = reshape(add(reshape(embedding(params_[0], ids), {B, T, C}), first_positions), {B * T, C});
    for (std::size_t l = 0; l < o.layers; ++l)
        x = transformer_block_through_tape(x, std::span<const Var<float>>(params_).subspan(2 + 12 * l, 12), B, T,
                                           o.heads);
    const std::size_t last = params_.size();
    logits_ = matmul(layer_norm(x, params_[last - 3], params_[last - 2]), params_[last - 1], Trans::no, Trans::yes);
    return logits_.value();
}

void TapeTransformerLm::backward(const Tensor& dlogits) {
    DL_CHECK(logits_.defined() && logits_.requires_grad(), "TapeTransformerLm::backward without a recorded forward");
    dl::backward(logits_, dlogits);
    logits_ = {};
}

template class TapeModelT<float>;
template class TapeModelT<double>;
#define DL_INSTANTIATE(T)                                                                                         \
    template std::vector<Var<T>> borrow_parameters(const std::vector<ParameterT<T>*>&);                          \
    template Var<T> mlp_through_tape(const Var<T>&, std::span<const Var<T>>, Activation);                        \
    template Var<T> transformer_block_through_tape(const Var<T>&, std::span<const Var<T>>, std::size_t,          \
                                                   std::size_t, std::size_t);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl::nn
