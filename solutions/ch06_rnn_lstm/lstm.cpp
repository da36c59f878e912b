#include "dl/ops/rnn.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/gemm.hpp"
#include "dl/util/vector_math.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace dl {

namespace {
// From the pre-activations in s.gates (row n: [a_i | a_f | a_g | a_o]) to the gates, c, tanh c and h,
// in one pass: i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o); c = f c_prev + i g; h = o tanh c.
// (vmath's σ and tanh vectorise; the C library's are a call per element.)
template <class T>
void lstm_pointwise_forward(StepCache<T>& s, const TensorT<T>& c_prev) {
    const std::size_t B = c_prev.dim(0), H = c_prev.dim(1);
    s.c.resize({B, H}), s.tanh_c.resize({B, H}), s.h.resize({B, H});
    for (std::size_t n = 0; n < B; ++n) {
        T* a = s.gates.row(n).data();
        T *ai = a, *af = a + H, *ag = a + 2 * H, *ao = a + 3 * H;
        const T* cp = c_prev.row(n).data();
        T *c = s.c.row(n).data(), *tc = s.tanh_c.row(n).data(), *h = s.h.row(n).data();
#pragma omp simd   // the rows never overlap: vectorise without checking
        for (std::size_t j = 0; j < H; ++j) {
            const T i = vmath::sigmoid(ai[j]), f = vmath::sigmoid(af[j]), g = vmath::tanh(ag[j]), o = vmath::sigmoid(ao[j]);
            ai[j] = i, af[j] = f, ag[j] = g, ao[j] = o;
            c[j] = f * cp[j] + i * g;
            tc[j] = vmath::tanh(c[j]);
            h[j] = o * tc[j];
        }
    }
}

// The gates' gradients da [B, 4H] and dc_prev from dh and dc (the formulas in rnn.hpp).
// da and dc_prev may point into bigger buffers: rows of da are `lda` apart.
template <class T>
void lstm_pointwise_backward(T* da, std::size_t lda, TensorT<T>& dc_prev, const TensorT<T>& dh, const TensorT<T>& dc,
                             const StepCache<T>& s, const TensorT<T>& c_prev) {
    const std::size_t B = c_prev.dim(0), H = c_prev.dim(1);
    dc_prev.resize({B, H});
    for (std::size_t n = 0; n < B; ++n) {
        const T* gate = s.gates.row(n).data();
        const T *gi = gate, *gf = gate + H, *gg = gate + 2 * H, *go = gate + 3 * H;
        const T *tc = s.tanh_c.row(n).data(), *cp = c_prev.row(n).data();
        const T *dh_n = dh.row(n).data(), *dc_n = dc.row(n).data();
        T *d = da + n * lda, *dcp = dc_prev.row(n).data();
        T *di = d, *df = d + H, *dg = d + 2 * H, *dout = d + 3 * H;
#pragma omp simd
        for (std::size_t j = 0; j < H; ++j) {
            const T i = gi[j], f = gf[j], g = gg[j], o = go[j];
            const T dc_total = dc_n[j] + dh_n[j] * o * (T(1) - tc[j] * tc[j]);
            di[j] = dc_total * g * i * (T(1) - i);
            df[j] = dc_total * cp[j] * f * (T(1) - f);
            dg[j] = dc_total * i * (T(1) - g * g);
            dout[j] = dh_n[j] * tc[j] * o * (T(1) - o);
            dcp[j] = dc_total * f;
        }
    }
}

template <class T>
void check_step(const char* where, const StepCache<T>& s, const TensorT<T>& c_prev, const TensorT<T>& W) {
    const std::size_t B = c_prev.dim(0), H = c_prev.dim(1);
    check_shape(s.gates.shape(), {B, 4 * H}, where, "the step's gates");
    check_shape(s.tanh_c.shape(), {B, H}, where, "the step's tanh_c");
    check_shape(W.shape(), {4 * H, s.z.dim(1)}, where, "W");
    DL_CHECK(s.z.dim(1) > H, where << ": z has shape " << to_string(s.z.shape()) << " for H = " << H);
}
}  // namespace

// The four gates as one GEMM: a = z Wᵀ + b, [B, D+H] by [D+H, 4H]; then one pointwise pass.
template <class T>
void lstm_cell_forward(StepCache<T>& s, const TensorT<T>& x, const TensorT<T>& h_prev, const TensorT<T>& c_prev,
                       const TensorT<T>& W, const TensorT<T>& b, GemmFn<T> gemm) {
    check_cell_shapes("lstm_cell_forward", 4, x.shape(), h_prev.shape(), W.shape(), b.shape());
    check_same_shape(c_prev.shape(), h_prev.shape(), "lstm_cell_forward", "c_prev", "h_prev");
    const std::size_t B = x.dim(0), H4 = 4 * h_prev.dim(1), K = x.dim(1) + h_prev.dim(1);
    cell_input(s.z, x, h_prev);
    s.gates.resize({B, H4});
    for (std::size_t n = 0; n < B; ++n) std::copy(b.begin(), b.end(), s.gates.row(n).begin());
    gemm(Trans::no, Trans::yes, B, H4, K, T(1), s.z.data(), K, W.data(), K, T(1), s.gates.data(), H4);
    lstm_pointwise_forward(s, c_prev);
}

// Gate by gate, element by element: a_k[n, j] = b[k·H + j] + Σ_m z[n, m] W[k·H + j, m].
template <class T>
void lstm_cell_forward_naive(StepCache<T>& s, const TensorT<T>& x, const TensorT<T>& h_prev, const TensorT<T>& c_prev,
                             const TensorT<T>& W, const TensorT<T>& b) {
    check_cell_shapes("lstm_cell_forward_naive", 4, x.shape(), h_prev.shape(), W.shape(), b.shape());
    check_same_shape(c_prev.shape(), h_prev.shape(), "lstm_cell_forward_naive", "c_prev", "h_prev");
    const std::size_t B = x.dim(0), H = h_prev.dim(1), K = x.dim(1) + H;
    cell_input(s.z, x, h_prev);
    s.gates.resize({B, 4 * H});
    for (std::size_t k = 0; k < 4; ++k)   // i, f, g, o
        for (std::size_t n = 0; n < B; ++n)
            for (std::size_t j = 0; j < H; ++j) {
                T a = b[k * H + j];
                for (std::size_t m = 0; m < K; ++m) a += s.z(n, m) * W(k * H + j, m);
                s.gates(n, k * H + j) = a;
            }
    lstm_pointwise_forward(s, c_prev);
}

// da from the pointwise backward; dW += daᵀ z; db += Σ_n da; [dx, dh_prev] = da W.
template <class T>
void lstm_cell_backward(TensorT<T>& dx, TensorT<T>& dh_prev, TensorT<T>& dc_prev, TensorT<T>& dW, TensorT<T>& db,
                        const TensorT<T>& dh, const TensorT<T>& dc, const StepCache<T>& s, const TensorT<T>& c_prev,
                        const TensorT<T>& W) {
    check_step("lstm_cell_backward", s, c_prev, W);
    check_same_shape(dh.shape(), c_prev.shape(), "lstm_cell_backward", "dh", "c_prev");
    check_same_shape(dc.shape(), c_prev.shape(), "lstm_cell_backward", "dc", "c_prev");
    check_shape(dW.shape(), W.shape(), "lstm_cell_backward", "dW");
    check_shape(db.shape(), {W.dim(0)}, "lstm_cell_backward", "db");
    const std::size_t B = c_prev.dim(0), H = c_prev.dim(1), H4 = 4 * H, K = W.dim(1), D = K - H;
    TensorT<T> da({B, H4});
    lstm_pointwise_backward(da.data(), H4, dc_prev, dh, dc, s, c_prev);
    gemm_blocked<T>(Trans::yes, Trans::no, H4, K, B, T(1), da.data(), H4, s.z.data(), K, T(1), dW.data(), K);
    for (std::size_t n = 0; n < B; ++n)
        for (std::size_t j = 0; j < H4; ++j) db[j] += da(n, j);
    dx.resize({B, D});
    dh_prev.resize({B, H});
    // dz = da W, written straight into its two halves: dx = da W[:, :D] and dh_prev = da W[:, D:].
    gemm_blocked<T>(Trans::no, Trans::no, B, D, H4, T(1), da.data(), H4, W.data(), K, T(0), dx.data(), D);
    gemm_blocked<T>(Trans::no, Trans::no, B, H, H4, T(1), da.data(), H4, W.data() + D, K, T(0), dh_prev.data(), H);
}

// Step t: x_t = X[:, t, :] and the state step t − 1 left (h0, c0 for the first); Y[:, t, :] = h_t.
template <class T>
void lstm_sequence_forward(TensorT<T>& Y, std::vector<StepCache<T>>& steps, const TensorT<T>& X, const TensorT<T>& h0,
                           const TensorT<T>& c0, const TensorT<T>& W, const TensorT<T>& b) {
    DL_CHECK(X.rank() == 3, "lstm_sequence_forward: X has shape " << to_string(X.shape()) << ", expected [B, T, D]");
    const std::size_t B = X.dim(0), T_ = X.dim(1), D = X.dim(2);
    check_cell_shapes("lstm_sequence_forward", 4, {B, D}, h0.shape(), W.shape(), b.shape());
    check_same_shape(c0.shape(), h0.shape(), "lstm_sequence_forward", "c0", "h0");
    const std::size_t H = h0.dim(1);
    steps.resize(T_);
    Y.resize({B, T_, H});
    TensorT<T> x({B, D});
    for (std::size_t t = 0; t < T_; ++t) {
        for (std::size_t n = 0; n < B; ++n) std::copy_n(X.data() + (n * T_ + t) * D, D, x.row(n).begin());
        lstm_cell_forward(steps[t], x, t == 0 ? h0 : steps[t - 1].h, t == 0 ? c0 : steps[t - 1].c, W, b);
        for (std::size_t n = 0; n < B; ++n) std::copy_n(steps[t].h.row(n).begin(), H, Y.data() + (n * T_ + t) * H);
    }
}

// BPTT. Only dh_prev = da_t W[:, D:] must wait for step t: it is what step t − 1 needs. The rest
// is the same for every step and runs once, on all T·B rows, after the loop:
//   dW += Σ_t da_tᵀ z_t   (one GEMM with K = T·B instead of T GEMMs with K = B)
//   dX  = da W[:, :D]     (one GEMM with M = T·B)
template <class T>
void lstm_sequence_backward(TensorT<T>& dX, TensorT<T>& dh0, TensorT<T>& dc0, TensorT<T>& dW, TensorT<T>& db,
                            const TensorT<T>& dY, const std::vector<StepCache<T>>& steps, const TensorT<T>& c0,
                            const TensorT<T>& W) {
    DL_CHECK(!steps.empty() && dY.rank() == 3 && dY.dim(1) == steps.size(),
             "lstm_sequence_backward: dY has shape " << to_string(dY.shape()) << " for " << steps.size()
                                                     << " steps, expected [B, " << steps.size() << ", H]");
    const std::size_t B = dY.dim(0), T_ = dY.dim(1), H = dY.dim(2), H4 = 4 * H;
    check_same_shape(c0.shape(), {B, H}, "lstm_sequence_backward", "c0", "dY's [B, H]");
    check_shape(W.shape(), {H4, steps[0].z.dim(1)}, "lstm_sequence_backward", "W");
    check_shape(dW.shape(), W.shape(), "lstm_sequence_backward", "dW");
    check_shape(db.shape(), {H4}, "lstm_sequence_backward", "db");
    const std::size_t K = W.dim(1), D = K - H;
    // Row t·B + n of da and z: step t, sequence n.
    TensorT<T> da({T_ * B, H4}), z({T_ * B, K});
    TensorT<T> dh({B, H}), dh_next({B, H}, T(0)), dc({B, H}, T(0)), dc_prev;
    for (std::size_t t = T_; t-- > 0;) {
        check_step("lstm_sequence_backward", steps[t], c0, W);
        for (std::size_t n = 0; n < B; ++n)
            for (std::size_t j = 0; j < H; ++j) dh(n, j) = dY[(n * T_ + t) * H + j] + dh_next(n, j);
        T* da_t = da.data() + t * B * H4;
        lstm_pointwise_backward(da_t, H4, dc_prev, dh, dc, steps[t], t == 0 ? c0 : steps[t - 1].c);
        std::swap(dc, dc_prev);
        gemm_blocked<T>(Trans::no, Trans::no, B, H, H4, T(1), da_t, H4, W.data() + D, K, T(0), dh_next.data(), H);
        std::copy(steps[t].z.begin(), steps[t].z.end(), z.data() + t * B * K);
    }
    gemm_blocked<T>(Trans::yes, Trans::no, H4, K, T_ * B, T(1), da.data(), H4, z.data(), K, T(1), dW.data(), K);
    for (std::size_t r = 0; r < T_ * B; ++r)
        for (std::size_t j = 0; j < H4; ++j) db[j] += da(r, j);
    TensorT<T> dx({T_ * B, D});
    gemm_blocked<T>(Trans::no, Trans::no, T_ * B, D, H4, T(1), da.data(), H4, W.data(), K, T(0), dx.data(), D);
    dX.resize({B, T_, D});
    for (std::size_t t = 0; t < T_; ++t)
        for (std::size_t n = 0; n < B; ++n) std::copy_n(dx.row(t * B + n).begin(), D, dX.data() + (n * T_ + t) * D);
    dh0 = std::move(dh_next);
    dc0 = std::move(dc);
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
