#pragma once
// OpenBLAS's cblas_sgemm behind our GemmFn<float> signature (dl/ops/gemm.hpp), so the vendor
// library can stand in any place that takes one of our GEMMs: the reference rows of bench_gemm, and
// the im2col convolution's GEMM in bench_conv. Benchmarks only: the library itself never calls BLAS.
// How many threads it uses is the caller's business (openblas_set_num_threads).

#include "dl/ops/gemm.hpp"

#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstddef>
#include <iostream>
#include <string>

namespace dl::bench {

// C = alpha · op(A) · op(B) + beta · C, row-major; OpenBLAS takes int sizes.
inline void gemm_openblas(Trans ta, Trans tb, std::size_t M, std::size_t N, std::size_t K, float alpha, const float* A,
                          std::size_t lda, const float* B, std::size_t ldb, float beta, float* C, std::size_t ldc) {
    const auto op = [](Trans t) { return t == Trans::yes ? CblasTrans : CblasNoTrans; };
    const auto i = [](std::size_t n) { return static_cast<blasint>(n); };
    cblas_sgemm(CblasRowMajor, op(ta), op(tb), i(M), i(N), i(K), alpha, A, i(lda), B, i(ldb), beta, C, i(ldc));
}

// Records which OpenBLAS build and kernel family ran (the benchmark's context, "openblas" and
// "openblas_core"), and warns on stderr when it fell back to its generic SSE3 kernels on a CPU with
// AVX2, which would make the reference row unfairly slow.
inline void add_openblas_context(const char* program) {
    const std::string core = openblas_get_corename();
    benchmark::AddCustomContext("openblas", openblas_get_config());
    benchmark::AddCustomContext("openblas_core", core);
    if (core == "Prescott" && __builtin_cpu_supports("avx2"))
        std::cerr << program << ": OpenBLAS does not recognise this CPU and uses its SSE3 'Prescott' kernels; "
                     "run with OPENBLAS_CORETYPE=SkylakeX (AVX-512) or Haswell (AVX2) for a fair reference row\n";
}

}  // namespace dl::bench
