#include "dl/ops/attention.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/gemm.hpp"
#include "dl/util/parallel.hpp"

#include <cmath>
#include <cstddef>
#include <limits>

namespace dl {

// For each of the N problems: S = Q Kᵀ / √d, the future masked to −∞, P = softmax(S), O = P V.
// One GEMM per product; the problems run in parallel (each GEMM is too small to split).
template <class T>
void attention_forward(TensorT<T>& O, TensorT<T>& P, const TensorT<T>& Q, const TensorT<T>& K, const TensorT<T>& V,
                       bool causal) {
    check_attention_shapes("attention_forward", Q.shape(), K.shape(), V.shape(), causal);
    const std::size_t N = Q.dim(0), Tq = Q.dim(1), Tk = K.dim(1), d = Q.dim(2);
    const T scale = T(1) / std::sqrt(static_cast<T>(d));
    O.resize({N, Tq, d});
    P.resize({N, Tq, Tk});
    // gemm_blocked allocates its packing buffers: a failure there must not leave the threads
    // (std::terminate), so each problem runs through `failure`, rethrown after the region.
    util::ParallelFailure failure;
#pragma omp parallel for schedule(static)
    for (std::size_t n = 0; n < N; ++n) failure.run([&] {
        T* S = P.data() + n * Tq * Tk;
        gemm_blocked<T>(Trans::no, Trans::yes, Tq, Tk, d, scale, Q.data() + n * Tq * d, d, K.data() + n * Tk * d, d,
                        T(0), S, Tk);
        if (causal)
            for (std::size_t i = 0; i < Tq; ++i)
                for (std::size_t j = i + 1; j < Tk; ++j) S[i * Tk + j] = -std::numeric_limits<T>::infinity();
    });
    failure.rethrow();
    softmax_forward(P, P);   // in place: the scores become the weights
#pragma omp parallel for schedule(static)
    for (std::size_t n = 0; n < N; ++n) failure.run([&] {
        gemm_blocked<T>(Trans::no, Trans::no, Tq, d, Tk, T(1), P.data() + n * Tq * Tk, Tk, V.data() + n * Tk * d, d,
                        T(0), O.data() + n * Tq * d, d);
    });
    failure.rethrow();
}

// dV = Pᵀ dO,  dP = dO Vᵀ,  dS = softmax_backward(dP, P),  dQ = dS K / √d,  dK = dSᵀ Q / √d.
template <class T>
void attention_backward(TensorT<T>& dQ, TensorT<T>& dK, TensorT<T>& dV, const TensorT<T>& dO, const TensorT<T>& Q,
                        const TensorT<T>& K, const TensorT<T>& V, const TensorT<T>& P) {
    check_attention_shapes("attention_backward", Q.shape(), K.shape(), V.shape(), false);
    const std::size_t N = Q.dim(0), Tq = Q.dim(1), Tk = K.dim(1), d = Q.dim(2);
    check_shape(dO.shape(), Q.shape(), "attention_backward", "dO");
    check_shape(P.shape(), {N, Tq, Tk}, "attention_backward", "P");
    const T scale = T(1) / std::sqrt(static_cast<T>(d));
    dQ.resize(Q.shape());
    dK.resize(K.shape());
    dV.resize(V.shape());
    TensorT<T> dS({N, Tq, Tk});
    util::ParallelFailure failure;   // as in the forward pass
#pragma omp parallel for schedule(static)
    for (std::size_t n = 0; n < N; ++n) failure.run([&] {
        const T* dOn = dO.data() + n * Tq * d;
        gemm_blocked<T>(Trans::yes, Trans::no, Tk, d, Tq, T(1), P.data() + n * Tq * Tk, Tk, dOn, d, T(0),
                        dV.data() + n * Tk * d, d);
        gemm_blocked<T>(Trans::no, Trans::yes, Tq, Tk, d, T(1), dOn, d, V.data() + n * Tk * d, d, T(0),
                        dS.data() + n * Tq * Tk, Tk);
    });
    failure.rethrow();
    softmax_backward(dS, dS, P);   // in place: dP becomes dS
#pragma omp parallel for schedule(static)
    for (std::size_t n = 0; n < N; ++n) failure.run([&] {
        const T* dSn = dS.data() + n * Tq * Tk;
        gemm_blocked<T>(Trans::no, Trans::no, Tq, d, Tk, scale, dSn, Tk, K.data() + n * Tk * d, d, T(0),
                        dQ.data() + n * Tq * d, d);
        gemm_blocked<T>(Trans::yes, Trans::no, Tk, d, Tq, scale, dSn, Tk, Q.data() + n * Tq * d, d, T(0),
                        dK.data() + n * Tk * d, d);
    });
    failure.rethrow();
}

#define DL_INSTANTIATE(T)                                                                                         \
    template void attention_forward(TensorT<T>&, TensorT<T>&, const TensorT<T>&, const TensorT<T>&,                \
                                    const TensorT<T>&, bool);                                                     \
    template void attention_backward(TensorT<T>&, TensorT<T>&, TensorT<T>&, const TensorT<T>&, const TensorT<T>&,  \
                                     const TensorT<T>&, const TensorT<T>&, const TensorT<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
