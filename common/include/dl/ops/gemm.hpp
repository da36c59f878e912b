#pragma once
// Chapter 2's hot kernel: general matrix multiplication, BLAS's SGEMM/DGEMM, row-major.
//
//   C = alpha · op(A) · op(B) + beta · C        op(A): [M, K]   op(B): [K, N]   C: [M, N]
//
// op(X) is X or Xᵀ, chosen by the Trans flags. Storage is row-major with leading dimensions:
//   A is stored [M, K] with lda ≥ K   (Trans::no)    or [K, M] with lda ≥ M   (Trans::yes)
//   B is stored [K, N] with ldb ≥ N   (Trans::no)    or [N, K] with ldb ≥ K   (Trans::yes)
//   C is stored [M, N] with ldc ≥ N
// As in BLAS, beta = 0 means C is not read (it may hold NaN or garbage) and alpha = 0 means A and
// B are not read. The argument order is BLAS's (not our usual outputs-first), so a row of the
// benchmark lines up with cblas_sgemm.
//
// The variants, in order of the ladder:
//   gemm_naive      the textbook i-j-k loops: a dot product per element of C, striding down B's columns
//   gemm_reordered  i-k-j: the innermost loop walks rows of B and C contiguously, and vectorises
//   gemm_blocked    cache blocking + packing + a register-blocked micro-kernel + OpenMP threads

#include <cstddef>

namespace dl {

enum class Trans : bool { no = false, yes = true };

template <class T>
using GemmFn = void (*)(Trans ta, Trans tb, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A,
                        std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc);

template <class T>
void gemm_naive(Trans ta, Trans tb, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A,
                std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc);

template <class T>
void gemm_reordered(Trans ta, Trans tb, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A,
                    std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc);

// Uses omp_get_max_threads() threads (set it with --threads, omp_set_num_threads or OMP_NUM_THREADS).
template <class T>
void gemm_blocked(Trans ta, Trans tb, std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A,
                  std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc);

template <class T>
struct GemmVariant {
    const char* name;
    GemmFn<T> fn;
};

// Tests and benchmarks loop over this table: a new variant is one new line here.
template <class T>
inline constexpr GemmVariant<T> gemm_variants[] = {
    {"naive", &gemm_naive<T>},
    {"reordered", &gemm_reordered<T>},
    {"blocked", &gemm_blocked<T>},
};

}  // namespace dl
