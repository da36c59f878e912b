#include "dl/ops/attention.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/gemm.hpp"
#include "dl/util/parallel.hpp"

#include <cmath>
#include <cstddef>
#include <limits>

namespace dl {

// For each of the N problems: S = Q Kᵀ / √d, the future masked to −∞, P = softmax(S), O = P V
template <class T>
void attention_forward(TensorT<T>& O, TensorT<T>& P, const TensorT<T>& Q, const TensorT<T>& K, const TensorT<T>& V,
                       bool causal) {
    // Hint: check_attention_shapes("attention_forward", ...) first. Problem n's Q is the Tq × d
    // block at Q.data() + n·Tq·d (K, V and P likewise). Write the scores straight into P (one
    // gemm_blocked per problem: Trans::yes on K gives Kᵀ, alpha = 1/√d), set the masked ones to
    // −∞, then softmax_forward(P, P) in place, then O = P V (another gemm per problem). Plain
    // loops are fine too. The problems are independent: #pragma omp parallel for over n uses
    // every thread (--threads).
    DL_TODO("ch07.attention_forward");   // lesson: chapters/ch07_transformer/README.md#attention-forward
}

// dV = Pᵀ dO,  dP = dO Vᵀ,  dS = softmax_backward(dP, P),  dQ = dS K / √d,  dK = dSᵀ Q / √d
template <class T>
void attention_backward(TensorT<T>& dQ, TensorT<T>& dK, TensorT<T>& dV, const TensorT<T>& dO, const TensorT<T>& Q,
                        const TensorT<T>& K, const TensorT<T>& V, const TensorT<T>& P) {
    // Hint: one scratch tensor dS [N, Tq, Tk] holds dP, then (softmax_backward(dS, dS, P)) dS.
    // The masked entries take care of themselves: P is 0 there, so dS is too. Check dO and P's
    // shapes (check_shape) and resize dQ, dK, dV.
    DL_TODO("ch07.attention_backward");   // lesson: chapters/ch07_transformer/README.md#attention-backward
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
