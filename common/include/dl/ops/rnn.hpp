#pragma once
// Chapter 6: recurrent networks. Shapes (B the batch, T the time steps, D the input size, H the
// hidden size, V the vocabulary):
//   ids: B·T character ids     E: [V, D]     sequences X: [B, T, D]    states h, c: [B, H]
// A cell's weights act on the concatenated input z = [x_t, h_(t−1)] of D + H numbers, so one GEMM
// computes all of a step's pre-activations:
//   RNN:   W [H, D+H],  b [H]      h_t = tanh(z Wᵀ + b)
//   LSTM:  W [4H, D+H], b [4H]     the gates in the order i, f, g, o (PyTorch's), one block of H
//                                  rows of W each
// Backward functions overwrite the input gradients (dx, dh_prev, dc_prev, dX, dh0, dc0) and
// ACCUMULATE into dW, db, dE: a weight used at every time step gets the sum of every step's share.

#include "dl/ops/gemm.hpp"
#include "dl/rng.hpp"
#include "dl/tensor.hpp"

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

namespace dl {

// ---- Embedding: a lookup table, one learned row of D numbers per character ----------------------
// Y[n, :] = E[ids[n], :]. Y is resized to [N, D]. An id outside 0..V−1 throws DataError naming it.
template <class T>
void embedding_forward(TensorT<T>& Y, std::span<const int> ids, const TensorT<T>& E);
// dE[ids[n], :] += dY[n, :]: a row used twice receives both gradients (accumulates).
template <class T>
void embedding_backward(TensorT<T>& dE, const TensorT<T>& dY, std::span<const int> ids);

// ---- The vanilla RNN cell ---------------------------------------------------------------------------
//   z = [x, h_prev]            [B, D+H]   (kept for the backward pass)
//   h = tanh(z Wᵀ + b)         [B, H]
// h and z are resized.
template <class T>
void rnn_cell_forward(TensorT<T>& h, TensorT<T>& z, const TensorT<T>& x, const TensorT<T>& h_prev,
                      const TensorT<T>& W, const TensorT<T>& b);
// dh: the whole gradient reaching h (from this step's output and from the next step):
//   da = dh ⊙ (1 − h²)        (tanh' from its output)
//   dW += daᵀ z    db += Σ_n da[n, :]    dz = da W = [dx, dh_prev]   (dx [B, D], dh_prev [B, H])
template <class T>
void rnn_cell_backward(TensorT<T>& dx, TensorT<T>& dh_prev, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dh,
                       const TensorT<T>& z, const TensorT<T>& h, const TensorT<T>& W);

// ---- The LSTM cell ------------------------------------------------------------------------------------
// What one step's forward pass keeps for its backward pass (every tensor resized by the forward;
// an RNN step fills only z and h).
template <class T>
struct StepCache {
    TensorT<T> z;        // [B, D+H]  the cell's input [x_t, h_(t−1)]
    TensorT<T> gates;    // [B, 4H]   i, f, g, o after their nonlinearities: row n is [i | f | g | o]
    TensorT<T> c;        // [B, H]    the new cell state
    TensorT<T> tanh_c;   // [B, H]    tanh(c)
    TensorT<T> h;        // [B, H]    the new hidden state (the step's output)
};

//   a = z Wᵀ + b                         [B, 4H], split into a_i, a_f, a_g, a_o
//   i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)
//   c = f ⊙ c_prev + i ⊙ g               (the cell state: forget some, write some)
//   h = o ⊙ tanh(c)                      (the output: read some)
// The fused version: the four gates' pre-activations as ONE GEMM of z by Wᵀ (chapter 2's gemm_blocked
// unless another is given: the benchmark passes OpenBLAS), then one pass over [B, H] for every
// pointwise step.
template <class T>
void lstm_cell_forward(StepCache<T>& s, const TensorT<T>& x, const TensorT<T>& h_prev, const TensorT<T>& c_prev,
                       const TensorT<T>& W, const TensorT<T>& b, GemmFn<T> gemm = &gemm_blocked<T>);
// The same results the textbook way: each gate its own loops over its own block of W (the
// benchmark's baseline, and the definition the fused version is tested against).
template <class T>
void lstm_cell_forward_naive(StepCache<T>& s, const TensorT<T>& x, const TensorT<T>& h_prev, const TensorT<T>& c_prev,
                             const TensorT<T>& W, const TensorT<T>& b);
// dh, dc: the gradients reaching h and c from after this step (dc is zero at the sequence's end).
//   dc_total = dc + dh ⊙ o ⊙ (1 − tanh²c)
//   da_o = dh ⊙ tanh c ⊙ o(1 − o)       da_i = dc_total ⊙ g ⊙ i(1 − i)
//   da_f = dc_total ⊙ c_prev ⊙ f(1 − f)  da_g = dc_total ⊙ i ⊙ (1 − g²)
//   dc_prev = dc_total ⊙ f
//   dW += daᵀ z    db += Σ_n da    dz = da W = [dx, dh_prev]
template <class T>
void lstm_cell_backward(TensorT<T>& dx, TensorT<T>& dh_prev, TensorT<T>& dc_prev, TensorT<T>& dW, TensorT<T>& db,
                        const TensorT<T>& dh, const TensorT<T>& dc, const StepCache<T>& s, const TensorT<T>& c_prev,
                        const TensorT<T>& W);

// The step's forward variants, in order of the ladder, under one signature (the fused row on its
// default GEMM, gemm_blocked). Tests and benchmarks loop over this table: a new variant is one new
// line here.
template <class T>
using LstmStepFn = void (*)(StepCache<T>& s, const TensorT<T>& x, const TensorT<T>& h_prev, const TensorT<T>& c_prev,
                            const TensorT<T>& W, const TensorT<T>& b);

template <class T>
struct LstmStepVariant {
    const char* name;
    LstmStepFn<T> fn;
};

template <class T>
inline constexpr LstmStepVariant<T> lstm_step_variants[] = {
    {"naive", &lstm_cell_forward_naive<T>},
    {"fused",
     [](StepCache<T>& s, const TensorT<T>& x, const TensorT<T>& h_prev, const TensorT<T>& c_prev, const TensorT<T>& W,
        const TensorT<T>& b) { lstm_cell_forward(s, x, h_prev, c_prev, W, b); }},
};

// ---- Whole sequences: unrolling, and backpropagation through time ---------------------------------
// X: [B, T, D], h0 (and c0): [B, H], the state the sequence starts from (zero, or the last batch's
// final state carried over: truncated BPTT). Y: [B, T, H], every step's h (resized). steps:
// what each step's forward kept (resized to T); the final state is steps.back().h (and .c).
template <class T>
void rnn_sequence_forward(TensorT<T>& Y, std::vector<StepCache<T>>& steps, const TensorT<T>& X, const TensorT<T>& h0,
                          const TensorT<T>& W, const TensorT<T>& b);
template <class T>
void lstm_sequence_forward(TensorT<T>& Y, std::vector<StepCache<T>>& steps, const TensorT<T>& X, const TensorT<T>& h0,
                           const TensorT<T>& c0, const TensorT<T>& W, const TensorT<T>& b);
// BPTT, from dY [B, T, H] (the loss's gradient for every step's output): the steps run backward
// from t = T−1 to 0, each adding the gradient its successor sends back through h (and c) to its
// own. Writes dX [B, T, D] and dh0 (dc0) [B, H], the gradients of the starting state; dW and db
// accumulate every step's share. (An RNN step keeps z and h in its StepCache; gates, c, tanh_c
// are left empty.)
template <class T>
void rnn_sequence_backward(TensorT<T>& dX, TensorT<T>& dh0, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY,
                           const std::vector<StepCache<T>>& steps, const TensorT<T>& W);
template <class T>
void lstm_sequence_backward(TensorT<T>& dX, TensorT<T>& dh0, TensorT<T>& dc0, TensorT<T>& dW, TensorT<T>& db,
                            const TensorT<T>& dY, const std::vector<StepCache<T>>& steps, const TensorT<T>& c0,
                            const TensorT<T>& W);

// ---- Sampling -------------------------------------------------------------------------------------------
// The next character from one step's logits: p_k ∝ exp(logit_k / τ), drawn with one rng.uniform().
// τ < 1 sharpens the distribution (safer, more repetitive text), τ > 1 flattens it; τ = 0 takes
// the argmax (no draw). Returns an index in 0..V−1. τ < 0 or empty logits throw.
template <class T>
int sample_next(std::span<const T> logits, double temperature, Rng& rng);

// Throws ShapeError naming the function unless the cell's W is [G·H, D+H] and b is [G·H]
// (G = 1 for the RNN, 4 for the LSTM) for x [B, D] and h [B, H].
inline void check_cell_shapes(const char* where, std::size_t gates, const Shape& x, const Shape& h, const Shape& W,
                              const Shape& b) {
    if (x.size() != 2 || h.size() != 2 || h[0] != x[0])
        DL_THROW(ShapeError, where << ": x has shape " << to_string(x) << " and h " << to_string(h)
                                   << ", expected [B, D] and [B, H]");
    check_shape(W, {gates * h[1], x[1] + h[1]}, where, "W");
    check_shape(b, {gates * h[1]}, where, "b");
}

// z = [x, h_prev], row by row: the cell's input (given, not an exercise). z is resized to [B, D+H].
template <class T>
void cell_input(TensorT<T>& z, const TensorT<T>& x, const TensorT<T>& h_prev) {
    const std::size_t B = x.dim(0), D = x.dim(1), H = h_prev.dim(1);
    z.resize({B, D + H});
    for (std::size_t n = 0; n < B; ++n) {
        std::copy(x.row(n).begin(), x.row(n).end(), z.row(n).begin());
        std::copy(h_prev.row(n).begin(), h_prev.row(n).end(), z.row(n).begin() + static_cast<std::ptrdiff_t>(D));
    }
}

}  // namespace dl
