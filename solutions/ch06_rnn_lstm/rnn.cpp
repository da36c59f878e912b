#include "dl/ops/rnn.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/gemm.hpp"
#include "dl/util/vector_math.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace dl {

// h = tanh(z Wᵀ + b), z = [x, h_prev]: the bias in every row of h, then one GEMM adds z Wᵀ to it.
template <class T>
void rnn_cell_forward(TensorT<T>& h, TensorT<T>& z, const TensorT<T>& x, const TensorT<T>& h_prev,
                      const TensorT<T>& W, const TensorT<T>& b) {
    check_cell_shapes("rnn_cell_forward", 1, x.shape(), h_prev.shape(), W.shape(), b.shape());
    const std::size_t B = x.dim(0), H = h_prev.dim(1), K = x.dim(1) + H;
    cell_input(z, x, h_prev);
    h.resize({B, H});
    for (std::size_t n = 0; n < B; ++n) std::copy(b.begin(), b.end(), h.row(n).begin());
    gemm_blocked<T>(Trans::no, Trans::yes, B, H, K, T(1), z.data(), K, W.data(), K, T(1), h.data(), H);
    for (auto& v : h) v = vmath::tanh(v);
}

// da = dh ⊙ (1 − h²);  dW += daᵀ z;  db += Σ_n da;  [dx, dh_prev] = da W.
template <class T>
void rnn_cell_backward(TensorT<T>& dx, TensorT<T>& dh_prev, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dh,
                       const TensorT<T>& z, const TensorT<T>& h, const TensorT<T>& W) {
    const std::size_t B = h.dim(0), H = h.dim(1), K = z.dim(1), D = K - H;
    check_shape(dh.shape(), h.shape(), "rnn_cell_backward", "dh");
    check_shape(z.shape(), {B, K}, "rnn_cell_backward", "z");
    check_shape(W.shape(), {H, K}, "rnn_cell_backward", "W");
    check_shape(dW.shape(), W.shape(), "rnn_cell_backward", "dW");
    check_shape(db.shape(), {H}, "rnn_cell_backward", "db");
    TensorT<T> da({B, H});
    for (std::size_t i = 0; i < da.size(); ++i) da[i] = dh[i] * (T(1) - h[i] * h[i]);
    gemm_blocked<T>(Trans::yes, Trans::no, H, K, B, T(1), da.data(), H, z.data(), K, T(1), dW.data(), K);
    for (std::size_t n = 0; n < B; ++n)
        for (std::size_t j = 0; j < H; ++j) db[j] += da(n, j);
    TensorT<T> dz({B, K});
    gemm_blocked<T>(Trans::no, Trans::no, B, K, H, T(1), da.data(), H, W.data(), K, T(0), dz.data(), K);
    dx.resize({B, D});
    dh_prev.resize({B, H});
    for (std::size_t n = 0; n < B; ++n) {
        const auto row = dz.row(n);
        std::copy(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(D), dx.row(n).begin());
        std::copy(row.begin() + static_cast<std::ptrdiff_t>(D), row.end(), dh_prev.row(n).begin());
    }
}

// Step t reads x_t = X[:, t, :] and the state step t − 1 left (h0 for the first), and writes
// Y[:, t, :].
template <class T>
void rnn_sequence_forward(TensorT<T>& Y, std::vector<StepCache<T>>& steps, const TensorT<T>& X, const TensorT<T>& h0,
                          const TensorT<T>& W, const TensorT<T>& b) {
    DL_CHECK(X.rank() == 3, "rnn_sequence_forward: X has shape " << to_string(X.shape()) << ", expected [B, T, D]");
    const std::size_t B = X.dim(0), T_ = X.dim(1), D = X.dim(2);
    check_cell_shapes("rnn_sequence_forward", 1, {B, D}, h0.shape(), W.shape(), b.shape());
    const std::size_t H = h0.dim(1);
    steps.resize(T_);
    Y.resize({B, T_, H});
    TensorT<T> x({B, D});
    for (std::size_t t = 0; t < T_; ++t) {
        for (std::size_t n = 0; n < B; ++n)
            std::copy_n(X.data() + (n * T_ + t) * D, D, x.row(n).begin());
        rnn_cell_forward(steps[t].h, steps[t].z, x, t == 0 ? h0 : steps[t - 1].h, W, b);
        for (std::size_t n = 0; n < B; ++n) std::copy_n(steps[t].h.row(n).begin(), H, Y.data() + (n * T_ + t) * H);
    }
}

// Backward in time: the gradient reaching h_t is dY[:, t, :] plus what step t + 1 sent back.
template <class T>
void rnn_sequence_backward(TensorT<T>& dX, TensorT<T>& dh0, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY,
                           const std::vector<StepCache<T>>& steps, const TensorT<T>& W) {
    DL_CHECK(!steps.empty() && dY.rank() == 3 && dY.dim(1) == steps.size(),
             "rnn_sequence_backward: dY has shape " << to_string(dY.shape()) << " for " << steps.size()
                                                    << " steps, expected [B, " << steps.size() << ", H]");
    const std::size_t B = dY.dim(0), T_ = dY.dim(1), H = dY.dim(2), D = W.dim(1) - H;
    dX.resize({B, T_, D});
    TensorT<T> dh({B, H}), dx, dh_prev({B, H}, T(0));
    for (std::size_t t = T_; t-- > 0;) {
        for (std::size_t n = 0; n < B; ++n)
            for (std::size_t j = 0; j < H; ++j) dh(n, j) = dY[(n * T_ + t) * H + j] + dh_prev(n, j);
        rnn_cell_backward(dx, dh_prev, dW, db, dh, steps[t].z, steps[t].h, W);
        for (std::size_t n = 0; n < B; ++n) std::copy_n(dx.row(n).begin(), D, dX.data() + (n * T_ + t) * D);
    }
    dh0 = std::move(dh_prev);
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
