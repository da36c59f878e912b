#include "dl/ops/attention.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/gemm.hpp"
#include "dl/util/parallel.hpp"
#include "dl/util/vector_math.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace dl {

// Flash attention's forward on the CPU: a block of query rows at a time, its keys a block at a
// time, so what one block works on (its queries, one block of keys and values, the scores, and
// the running m, ℓ and acc) stays in cache, and the [Tq, Tk] matrix is never written. Each tile is
// two small GEMMs (the scores, then acc += P̃ V) around the online softmax's update:
//   m' = max(m, max_j s_j)    c = e^(m − m')    ℓ ← c ℓ + Σ_j e^(s_j − m')    acc ← c acc + Σ_j e^(s_j − m') v_j
template <class T>
void attention_blockwise_forward(TensorT<T>& O, const TensorT<T>& Q, const TensorT<T>& K, const TensorT<T>& V,
                                 bool causal, std::size_t block) {
    check_attention_shapes("attention_blockwise_forward", Q.shape(), K.shape(), V.shape(), causal);
    DL_CHECK(block >= 1, "attention_blockwise_forward: the block must hold at least one row");
    const std::size_t N = Q.dim(0), Tq = Q.dim(1), Tk = K.dim(1), d = Q.dim(2);
    const std::size_t query_blocks = (Tq + block - 1) / block;
    const T scale = T(1) / std::sqrt(static_cast<T>(d));
    const T minus_inf = -std::numeric_limits<T>::infinity();
    O.resize({N, Tq, d});
    // Allocation can fail inside the threads (the tiles, the GEMM's buffers), and an exception must
    // not leave a parallel region: each block's work runs through `failure`, which rethrows after it.
    util::ParallelFailure failure;
#pragma omp parallel
    {
        const std::size_t bq = std::min(block, Tq), bk = std::min(block, Tk);
        std::vector<T> s, m, l, acc;   // each thread's tiles, allocated by its first block
#pragma omp for schedule(dynamic) collapse(2)
        for (std::size_t n = 0; n < N; ++n)
            for (std::size_t qb = 0; qb < query_blocks; ++qb) failure.run([&] {
                s.resize(bq * bk), m.resize(bq), l.resize(bq), acc.resize(bq * d);
                const std::size_t i0 = qb * block, rows = std::min(block, Tq - i0);
                const std::size_t key_end = causal ? i0 + rows : Tk;   // later keys are all masked
                const T* q = Q.data() + (n * Tq + i0) * d;
                std::fill(m.begin(), m.end(), minus_inf);
                std::fill(l.begin(), l.end(), T(0));
                std::fill(acc.begin(), acc.end(), T(0));
                for (std::size_t j0 = 0; j0 < key_end; j0 += block) {
                    const std::size_t cols = std::min(block, key_end - j0);
                    const T* k = K.data() + (n * Tk + j0) * d;
                    const T* v = V.data() + (n * Tk + j0) * d;
                    // This tile's scores s = q kᵀ / √d, [rows, cols] with a row stride of bk.
                    gemm_blocked<T>(Trans::no, Trans::yes, rows, cols, d, scale, q, d, k, d, T(0), s.data(), bk);
                    for (std::size_t r = 0; r < rows; ++r) {
                        T* sr = s.data() + r * bk;
                        if (causal)   // only the diagonal tile has keys after the query
                            for (std::size_t c = i0 + r + 1 > j0 ? i0 + r + 1 - j0 : 0; c < cols; ++c) sr[c] = minus_inf;
                        T tile_max = minus_inf;
                        for (std::size_t c = 0; c < cols; ++c) tile_max = std::max(tile_max, sr[c]);
                        const T m_new = std::max(m[r], tile_max);
                        const T correction = m[r] == minus_inf ? T(0) : vmath::exp(m[r] - m_new);
                        T sum = 0;
#pragma omp simd reduction(+ : sum)
                        for (std::size_t c = 0; c < cols; ++c) {   // the scores become e^(s − m')
                            sr[c] = sr[c] == minus_inf ? T(0) : vmath::exp(sr[c] - m_new);
                            sum += sr[c];
                        }
                        l[r] = l[r] * correction + sum;
                        m[r] = m_new;
                        for (std::size_t e = 0; e < d; ++e) acc[r * d + e] *= correction;
                    }
                    // acc += e^(s − m') v: the tile's values, weighed.
                    gemm_blocked<T>(Trans::no, Trans::no, rows, d, cols, T(1), s.data(), bk, v, d, T(1), acc.data(), d);
                }
                T* o = O.data() + (n * Tq + i0) * d;
                for (std::size_t r = 0; r < rows; ++r)
                    for (std::size_t e = 0; e < d; ++e) o[r * d + e] = acc[r * d + e] / l[r];
            });
    }
    failure.rethrow();
}

template void attention_blockwise_forward(TensorT<float>&, const TensorT<float>&, const TensorT<float>&,
                                          const TensorT<float>&, bool, std::size_t);
template void attention_blockwise_forward(TensorT<double>&, const TensorT<double>&, const TensorT<double>&,
                                          const TensorT<double>&, bool, std::size_t);

}  // namespace dl
