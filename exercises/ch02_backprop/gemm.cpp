#include "dl/ops/gemm.hpp"

#include "dl/exercise.hpp"
#include "dl/tensor.hpp"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <exception>
#include <memory>
#include <utility>

namespace dl {

// Rung 1. C[i, j] = alpha · Σ_k op(A)[i, k] · op(B)[k, j] + beta · C[i, j]: a dot product per element.
template <class T>
void gemm_naive(Trans ta, Trans tb, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A, std::size_t lda,
                const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc) {
    // Hint: first DL_CHECK the leading dimensions (lda is at least the length of A's stored rows: K,
    // or M when transposed; likewise ldb; ldc ≥ N). op(A)[i, k] is A[i·lda + k], or A[k·lda + i]
    // when ta == Trans::yes. Then three loops i, j, k with one sum per C[i, j]. Mind the BLAS rules:
    // with beta == 0 never read C (it may hold NaN); with alpha == 0 (or K == 0) never read A or B.
    DL_TODO("ch02.gemm_naive");  // lesson: chapters/ch02_backprop/README.md#gemm-naive
}

// Rung 2. The same sums in i-k-j order: row i of C += (alpha · op(A)[i, k]) · row k of op(B).
template <class T>
void gemm_reordered(Trans ta, Trans tb, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A,
                    std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc) {
    // Hint: scale C by beta first (writing zeros when beta == 0), then for each i and k add a
    // multiple of B's row k to C's row i. The innermost loop now runs along j, through memory that
    // is contiguous in both B and C, which is what lets the compiler vectorise it.
    DL_TODO("ch02.gemm_reordered");  // lesson: chapters/ch02_backprop/README.md#gemm-reordered
}

// Rung 3. Cache blocking + packing + a register-blocked micro-kernel + OpenMP threads.
// Uses omp_get_max_threads() threads.
template <class T>
void gemm_blocked(Trans ta, Trans tb, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A, std::size_t lda,
                  const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc) {
    // Hint: build it in steps, testing after each. (1) A micro-kernel that computes an MR × NR tile
    // of C (say 6 × 16) from a panel of A (MR values per k) and a panel of B (NR values per k), its
    // accumulators in a fixed-size local array the compiler keeps in registers. (2) Packing: copy a
    // KC × NC block of op(B) and an MC × KC block of op(A) into those panels, zero-padded at the
    // edges and with the transposes resolved, so the kernel sees one layout. (3) The loops over
    // N, K and M blocks around them; beta applies only on the first K block. (4) Threads: give each
    // OpenMP thread its own part of C (and its own packed blocks), so no thread waits for another;
    // stay on one thread when the product is too small to pay for waking the others.
    DL_TODO("ch02.gemm_blocked");  // lesson: chapters/ch02_backprop/README.md#gemm-blocked
}

template void gemm_naive(Trans, Trans, std::size_t, std::size_t, std::size_t, float, const float*, std::size_t,
                         const float*, std::size_t, float, float*, std::size_t);
template void gemm_naive(Trans, Trans, std::size_t, std::size_t, std::size_t, double, const double*, std::size_t,
                         const double*, std::size_t, double, double*, std::size_t);
template void gemm_reordered(Trans, Trans, std::size_t, std::size_t, std::size_t, float, const float*, std::size_t,
                             const float*, std::size_t, float, float*, std::size_t);
template void gemm_reordered(Trans, Trans, std::size_t, std::size_t, std::size_t, double, const double*, std::size_t,
                             const double*, std::size_t, double, double*, std::size_t);
template void gemm_blocked(Trans, Trans, std::size_t, std::size_t, std::size_t, float, const float*, std::size_t,
                           const float*, std::size_t, float, float*, std::size_t);
template void gemm_blocked(Trans, Trans, std::size_t, std::size_t, std::size_t, double, const double*, std::size_t,
                           const double*, std::size_t, double, double*, std::size_t);

}  // namespace dl
