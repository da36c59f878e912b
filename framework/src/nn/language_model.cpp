#include "dl/nn/language_model.hpp"

#include "dl/nn/sequential.hpp"
#include "dl/ops/dense.hpp"

#include <cmath>

namespace dl::nn {

namespace {
void fill_uniform(Tensor& t, double bound, Rng& rng) {
    for (auto& v : t) v = static_cast<float>(rng.uniform(-bound, bound));
}
std::string shape_bt(std::size_t width) { return "(None, T, " + std::to_string(width) + ")"; }
}  // namespace

RecurrentLm::RecurrentLm(std::size_t vocab, RecurrentLmOptions options, Rng& rng)
    : vocab_(vocab), options_(std::move(options)), E_("E", Tensor({vocab, options_.embed})),
      Wo_("w", Tensor({vocab, options_.hidden})), bo_("b", Tensor({vocab})) {
    if (options_.cell != "lstm" && options_.cell != "rnn")
        DL_THROW(UsageError, "--cell must be lstm or rnn, got '" << options_.cell << "'");
    if (vocab < 2 || options_.embed == 0 || options_.hidden == 0 || options_.layers == 0)
        DL_THROW(UsageError, "a language model needs a vocabulary of 2 or more and positive --embed, --hidden and "
                             "--layers (got "
                                 << vocab << ", " << options_.embed << ", " << options_.hidden << ", "
                                 << options_.layers << ")");
    for (auto& v : E_.value) v = static_cast<float>(rng.normal());
    const std::size_t H = options_.hidden, G = lstm() ? 4 : 1;
    const double bound = 1.0 / std::sqrt(static_cast<double>(H));
    for (std::size_t l = 0; l < options_.layers; ++l) {
        const std::size_t D = l == 0 ? options_.embed : H;
        Recurrent r{Parameter("W", Tensor({G * H, D + H})), Parameter("b", Tensor({G * H})), {}, {}, {}, {}};
        fill_uniform(r.W.value, bound, rng);
        fill_uniform(r.b.value, bound, rng);
        layers_.push_back(std::move(r));
    }
    fill_uniform(Wo_.value, bound, rng);
    fill_uniform(bo_.value, bound, rng);
}

std::string RecurrentLm::summary() const {
    const std::string cell = lstm() ? "LSTM" : "SimpleRNN";
    std::vector<SummaryRow> rows{{"embedding (Embedding)", shape_bt(options_.embed), E_.value.size()}};
    for (std::size_t l = 0; l < layers_.size(); ++l)
        rows.push_back({(lstm() ? "lstm_" : "simple_rnn_") + std::to_string(l + 1) + " (" + cell + ")",
                        shape_bt(options_.hidden), layers_[l].W.value.size() + layers_[l].b.value.size()});
    rows.push_back({"dense (Dense)", shape_bt(vocab_), Wo_.value.size() + bo_.value.size()});
    return summary_table("character language model", rows);
}

std::vector<Parameter*> RecurrentLm::parameters() {
    std::vector<Parameter*> all{&E_};
    for (auto& r : layers_) all.push_back(&r.W), all.push_back(&r.b);
    all.push_back(&Wo_), all.push_back(&bo_);
    return all;
}

// PyTorch's nn.LSTM keeps W_ih [G·H, D] and W_hh [G·H, H] where we keep W = [W_ih | W_hh], and
// two biases where we keep their sum: ours goes out as bias_ih, zeros as bias_hh, and both come
// back added (bias_ih is loaded first, then bias_hh added to it).
std::vector<StateEntry> RecurrentLm::state_dict() {
    std::vector<StateEntry> entries{same_tensor("embedding.weight", E_.value)};
    const std::string cell = lstm() ? "lstm." : "rnn.";
    for (std::size_t k = 0; k < layers_.size(); ++k) {
        Tensor& W = layers_[k].W.value;
        Tensor& b = layers_[k].b.value;
        const std::size_t rows = W.dim(0), D = W.dim(1) - options_.hidden, H = options_.hidden;
        // Columns [from, from + n) of W, as a [rows, n] tensor, and back.
        const auto columns = [&W, rows](std::string name, std::size_t from, std::size_t n) {
            return StateEntry{std::move(name), {rows, n},
                              [&W, rows, from, n] {
                                  Tensor t({rows, n});
                                  for (std::size_t r = 0; r < rows; ++r)
                                      std::copy_n(W.row(r).begin() + static_cast<std::ptrdiff_t>(from), n, t.row(r).begin());
                                  return t;
                              },
                              [&W, rows, from, n](const Tensor& t) {
                                  for (std::size_t r = 0; r < rows; ++r)
                                      std::copy_n(t.row(r).begin(), n, W.row(r).begin() + static_cast<std::ptrdiff_t>(from));
                              }};
        };
        const std::string l = "_l" + std::to_string(k);
        entries.push_back(columns(cell + "weight_ih" + l, 0, D));
        entries.push_back(columns(cell + "weight_hh" + l, D, H));
        entries.push_back(same_tensor(cell + "bias_ih" + l, b));
        entries.push_back({cell + "bias_hh" + l, b.shape(), [&b] { return Tensor(b.shape()); },
                           [&b](const Tensor& t) {
                               for (std::size_t i = 0; i < b.size(); ++i) b[i] += t[i];
                           }});
    }
    entries.push_back(same_tensor("out.weight", Wo_.value));
    entries.push_back(same_tensor("out.bias", bo_.value));
    return entries;
}

std::map<std::string, std::string> RecurrentLm::pytorch_module() const {
    return {{"module", "CharLstm"}, {"cell", options_.cell}, {"vocab", std::to_string(vocab_)},
            {"embed", std::to_string(options_.embed)}, {"hidden", std::to_string(options_.hidden)},
            {"layers", std::to_string(options_.layers)}};
}

// ids → embeddings [B, T, D] → each recurrent layer over the T steps → logits = Y Woᵀ + bo.
const Tensor& RecurrentLm::forward(std::span<const int> ids, std::size_t B, std::size_t T, bool carry) {
    DL_CHECK(B > 0 && T > 0 && ids.size() == B * T,
             "RecurrentLm::forward: " << ids.size() << " ids for B = " << B << ", T = " << T);
    const bool carried = carry && !layers_.front().steps.empty();
    DL_CHECK(!carried || B == B_, "RecurrentLm::forward: a carried state of " << B_ << " sequences for a batch of " << B);
    ids_.assign(ids.begin(), ids.end());
    B_ = B, T_ = T;
    embedding_forward(embedded_, ids, E_.value);
    embedded_.reshape({B, T, options_.embed});
    const Tensor* x = &embedded_;
    const std::size_t H = options_.hidden;
    for (auto& r : layers_) {
        if (carried) {   // start where the previous batch ended (its last step's h and c)
            r.h0 = r.steps.back().h;
            if (lstm()) r.c0 = r.steps.back().c;
        } else {
            r.h0 = Tensor({B, H});
            r.c0 = Tensor({B, H});
        }
        if (lstm())
            lstm_sequence_forward(r.Y, r.steps, *x, r.h0, r.c0, r.W.value, r.b.value);
        else
            rnn_sequence_forward(r.Y, r.steps, *x, r.h0, r.W.value, r.b.value);
        x = &r.Y;
    }
    Tensor& top = layers_.back().Y;
    top.reshape({B * T, H});
    dense_forward(logits_, top, Wo_.value, bo_.value);
    top.reshape({B, T, H});
    return logits_;
}

void RecurrentLm::backward(const Tensor& dlogits) {
    const std::size_t H = options_.hidden;
    check_shape(dlogits.shape(), {B_ * T_, vocab_}, "RecurrentLm::backward", "dlogits");
    Tensor& top = layers_.back().Y;
    top.reshape({B_ * T_, H});
    dense_backward(dY_, Wo_.grad, bo_.grad, dlogits, top, Wo_.value);
    top.reshape({B_, T_, H});
    dY_.reshape({B_, T_, H});
    for (std::size_t l = layers_.size(); l-- > 0;) {
        Recurrent& r = layers_[l];
        if (lstm())
            lstm_sequence_backward(dX_, dh0_, dc0_, r.W.grad, r.b.grad, dY_, r.steps, r.c0, r.W.value);
        else
            rnn_sequence_backward(dX_, dh0_, r.W.grad, r.b.grad, dY_, r.steps, r.W.value);
        std::swap(dX_, dY_);   // this layer's input gradient is the output gradient of the one below
    }
    embedded_grad_ = dY_;
    dY_.reshape({B_ * T_, options_.embed});
    embedding_backward(E_.grad, dY_, ids_);
}

std::vector<Tensor> RecurrentLm::carried_state() const {
    std::vector<Tensor> state;
    for (const auto& r : layers_) {
        if (r.steps.empty()) return {};
        state.push_back(r.steps.back().h);
        if (lstm()) state.push_back(r.steps.back().c);
    }
    return state;
}

void RecurrentLm::set_carried_state(std::vector<Tensor> state) {
    if (state.empty()) {
        for (auto& r : layers_) r.steps.clear();
        B_ = 0;
        return;
    }
    const std::size_t per_layer = lstm() ? 2 : 1;
    DL_CHECK(state.size() == per_layer * layers_.size(),
             "RecurrentLm: a carried state of " << state.size() << " tensors for " << layers_.size() << " layers");
    const std::size_t B = state[0].rank() == 2 ? state[0].dim(0) : 0;   // read before the tensors move
    for (std::size_t l = 0; l < layers_.size(); ++l) {
        Recurrent& r = layers_[l];
        for (std::size_t k = 0; k < per_layer; ++k)
            check_shape(state[per_layer * l + k].shape(), {B, options_.hidden}, "RecurrentLm", "a carried state");
        r.steps.resize(1);
        r.steps.back().h = std::move(state[per_layer * l]);
        if (lstm()) r.steps.back().c = std::move(state[per_layer * l + 1]);
    }
    B_ = B;
}

}  // namespace dl::nn
