#include "dl/ops/rnn.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/gemm.hpp"
#include "dl/util/vector_math.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace dl {

// a = z Wᵀ + b as ONE GEMM; then i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o);
// c = f ⊙ c_prev + i ⊙ g;  h = o ⊙ tanh(c)
template <class T>
void lstm_cell_forward(StepCache<T>& s, const TensorT<T>& x, const TensorT<T>& h_prev, const TensorT<T>& c_prev,
                       const TensorT<T>& W, const TensorT<T>& b, GemmFn<T> gemm) {
    // Hint: check_cell_shapes("lstm_cell_forward", 4, ...); cell_input(s.z, x, h_prev). s.gates is
    // [B, 4H]: b in every row, then `gemm` (a GEMM like chapter 2's, called the same way) adds z Wᵀ
    // (M = B, N = 4H, K = D + H; beta = 1). Then one loop
    // over n and j < H: row n holds a_i at j, a_f at H + j, a_g at 2H + j, a_o at 3H + j; replace each
    // by its gate's value, and write s.c, s.tanh_c, s.h (resize them to [B, H]). std::exp and
    // std::tanh are right; vmath::sigmoid and vmath::tanh (dl/util/vector_math.hpp) are as right
    // and let the compiler vectorise the loop.
    DL_TODO("ch06.lstm_cell_forward");   // lesson: chapters/ch06_rnn_lstm/README.md#lstm-cell-forward
}

// The same, gate by gate: a_k[n, j] = b[k·H + j] + Σ_m z[n, m] · W[k·H + j, m] for k = i, f, g, o
template <class T>
void lstm_cell_forward_naive(StepCache<T>& s, const TensorT<T>& x, const TensorT<T>& h_prev, const TensorT<T>& c_prev,
                             const TensorT<T>& W, const TensorT<T>& b) {
    // Hint: four loops k, n, j, m with a dot product innermost; no GEMM. The results must equal
    // lstm_cell_forward's to rounding (the tests compare them).
    DL_TODO("ch06.lstm_cell_forward_naive");   // lesson: chapters/ch06_rnn_lstm/README.md#lstm-cell-forward-naive
}

//   dc_total = dc + dh ⊙ o ⊙ (1 − tanh²c)
//   da_i = dc_total ⊙ g ⊙ i(1 − i)     da_f = dc_total ⊙ c_prev ⊙ f(1 − f)
//   da_g = dc_total ⊙ i ⊙ (1 − g²)     da_o = dh ⊙ tanh c ⊙ o(1 − o)
//   dc_prev = dc_total ⊙ f;   dW += daᵀ z;   db += Σ_n da;   [dx, dh_prev] = da W
template <class T>
void lstm_cell_backward(TensorT<T>& dx, TensorT<T>& dh_prev, TensorT<T>& dc_prev, TensorT<T>& dW, TensorT<T>& db,
                        const TensorT<T>& dh, const TensorT<T>& dc, const StepCache<T>& s, const TensorT<T>& c_prev,
                        const TensorT<T>& W) {
    // Hint: every gate value is in s.gates (after its nonlinearity), so no exp or tanh is needed:
    // σ' = σ(1 − σ) and tanh' = 1 − tanh². da is [B, 4H] in the same layout as s.gates.
    DL_TODO("ch06.lstm_cell_backward");   // lesson: chapters/ch06_rnn_lstm/README.md#lstm-cell-backward
}

// For t = 0 .. T−1: (h_t, c_t) = cell(x_t, h_(t−1), c_(t−1)) from (h0, c0);  Y[:, t, :] = h_t
template <class T>
void lstm_sequence_forward(TensorT<T>& Y, std::vector<StepCache<T>>& steps, const TensorT<T>& X, const TensorT<T>& h0,
                           const TensorT<T>& c0, const TensorT<T>& W, const TensorT<T>& b) {
    // Hint: rnn_sequence_forward's loop, carrying c as well as h (steps[t − 1].h and .c).
    DL_TODO("ch06.lstm_sequence_forward");   // lesson: chapters/ch06_rnn_lstm/README.md#lstm-sequence-forward
}

// For t = T−1 down to 0: dh_t = dY[:, t, :] + dh from step t + 1, dc_t = dc from step t + 1 (zeros
// after the last step); the cell's backward gives dx_t and (dh, dc) for step t − 1; after t = 0
// they are dh0 and dc0.
template <class T>
void lstm_sequence_backward(TensorT<T>& dX, TensorT<T>& dh0, TensorT<T>& dc0, TensorT<T>& dW, TensorT<T>& db,
                            const TensorT<T>& dY, const std::vector<StepCache<T>>& steps, const TensorT<T>& c0,
                            const TensorT<T>& W) {
    // Hint: step t's c_prev is c0 at t = 0 and steps[t − 1].c after. Calling lstm_cell_backward for
    // each step is correct; the lesson shows how to move dW's GEMM out of the loop for speed.
    DL_TODO("ch06.lstm_sequence_backward");   // lesson: chapters/ch06_rnn_lstm/README.md#lstm-sequence-backward
}

#define DL_INSTANTIATE(T)                                                                                         \
    template void lstm_cell_forward(StepCache<T>&, const TensorT<T>&, const TensorT<T>&, const TensorT<T>&,        \
                                    const TensorT<T>&, const TensorT<T>&, GemmFn<T>);                             \
    template void lstm_cell_forward_naive(StepCache<T>&, const TensorT<T>&, const TensorT<T>&, const TensorT<T>&,  \
                                          const TensorT<T>&, const TensorT<T>&);                                  \
    template void lstm_cell_backward(TensorT<T>&, TensorT<T>&, TensorT<T>&, TensorT<T>&, TensorT<T>&,              \
                                     const TensorT<T>&, const TensorT<T>&, const StepCache<T>&, const TensorT<T>&, \
                                     const TensorT<T>&);                                                          \
    template void lstm_sequence_forward(TensorT<T>&, std::vector<StepCache<T>>&, const TensorT<T>&,               \
                                        const TensorT<T>&, const TensorT<T>&, const TensorT<T>&,                  \
                                        const TensorT<T>&);                                                       \
    template void lstm_sequence_backward(TensorT<T>&, TensorT<T>&, TensorT<T>&, TensorT<T>&, TensorT<T>&,          \
                                         const TensorT<T>&, const std::vector<StepCache<T>>&, const TensorT<T>&,  \
                                         const TensorT<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
