#include "dl/ops/rnn.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/gemm.hpp"
#include "dl/util/vector_math.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace dl {

// h = tanh(z Wᵀ + b), z = [x, h_prev]
template <class T>
void rnn_cell_forward(TensorT<T>& h, TensorT<T>& z, const TensorT<T>& x, const TensorT<T>& h_prev,
                      const TensorT<T>& W, const TensorT<T>& b) {
    // Hint: check_cell_shapes("rnn_cell_forward", 1, ...) first; cell_input(z, x, h_prev) builds z.
    // Then h = z Wᵀ + b: put b in every row of h and let gemm_blocked add z Wᵀ (beta = 1), as
    // chapter 2's dense_forward does; finally tanh on every element.
    DL_TODO("ch06.rnn_cell_forward");   // lesson: chapters/ch06_rnn_lstm/README.md#rnn-cell-forward
}

// da = dh ⊙ (1 − h²);  dW += daᵀ z;  db += Σ_n da;  [dx, dh_prev] = da W
template <class T>
void rnn_cell_backward(TensorT<T>& dx, TensorT<T>& dh_prev, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dh,
                       const TensorT<T>& z, const TensorT<T>& h, const TensorT<T>& W) {
    // Hint: D = z.dim(1) − H. dz = da W is [B, D+H]: its first D columns are dx, the last H are
    // dh_prev (resize both). dW and db accumulate (beta = 1); dx and dh_prev are overwritten.
    DL_TODO("ch06.rnn_cell_backward");   // lesson: chapters/ch06_rnn_lstm/README.md#rnn-cell-backward
}

// For t = 0 .. T−1: h_t = cell(x_t, h_(t−1)) with h_(−1) = h0;  Y[:, t, :] = h_t
template <class T>
void rnn_sequence_forward(TensorT<T>& Y, std::vector<StepCache<T>>& steps, const TensorT<T>& X, const TensorT<T>& h0,
                          const TensorT<T>& W, const TensorT<T>& b) {
    // Hint: steps.resize(T); for each t copy x_t = X[:, t, :] (row n is at X.data() + (n·T + t)·D)
    // into a [B, D] tensor, call rnn_cell_forward(steps[t].h, steps[t].z, x_t, h_prev, W, b) with
    // h_prev = h0 at t = 0 and steps[t − 1].h after, and copy steps[t].h into Y[:, t, :].
    DL_TODO("ch06.rnn_sequence_forward");   // lesson: chapters/ch06_rnn_lstm/README.md#rnn-sequence-forward
}

// For t = T−1 down to 0: dh_t = dY[:, t, :] + (what step t + 1 sent back); the cell's backward
// gives dx_t (into dX[:, t, :]) and what goes back to step t − 1. After t = 0, that is dh0.
template <class T>
void rnn_sequence_backward(TensorT<T>& dX, TensorT<T>& dh0, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY,
                           const std::vector<StepCache<T>>& steps, const TensorT<T>& W) {
    // Hint: nothing comes back from after the last step (start from zeros). dW and db accumulate
    // across the steps by themselves, because rnn_cell_backward accumulates.
    DL_TODO("ch06.rnn_sequence_backward");   // lesson: chapters/ch06_rnn_lstm/README.md#rnn-sequence-backward
}

#define DL_INSTANTIATE(T)                                                                                         \
    template void rnn_cell_forward(TensorT<T>&, TensorT<T>&, const TensorT<T>&, const TensorT<T>&,                \
                                   const TensorT<T>&, const TensorT<T>&);                                         \
    template void rnn_cell_backward(TensorT<T>&, TensorT<T>&, TensorT<T>&, TensorT<T>&, const TensorT<T>&,         \
                                    const TensorT<T>&, const TensorT<T>&, const TensorT<T>&);                     \
    template void rnn_sequence_forward(TensorT<T>&, std::vector<StepCache<T>>&, const TensorT<T>&,                \
                                       const TensorT<T>&, const TensorT<T>&, const TensorT<T>&);                  \
    template void rnn_sequence_backward(TensorT<T>&, TensorT<T>&, TensorT<T>&, TensorT<T>&, const TensorT<T>&,     \
                                        const std::vector<StepCache<T>>&, const TensorT<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
