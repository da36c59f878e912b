#pragma once
// Chapter 2's GEMM on the GPU, as a ladder of kernels from the obvious one to a fast one
// (cuda/README.md says what each rung changed and what it bought, in numbers).
//
//   C = alpha · A · B + beta · C      A: [M, K]   B: [K, N]   C: [M, N]   row-major, device memory
//
// As in BLAS, beta = 0 means C is not read (it may hold NaN). Any M, N, K ≥ 0 work: tiles that
// overhang the matrix are zero-filled on load and not stored; the 16-byte loads are used only when
// K and N are multiples of 4 (so every row starts 16-byte aligned), else each kernel falls back to
// single-float loads.

#include <cuda_runtime.h>

namespace dl::cuda {

using GemmFn = void (*)(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                        cudaStream_t stream);

// 1. one thread per element of C; a warp walks down a column of C, so its loads of A are strided
void gemm_naive(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                cudaStream_t stream);
// 2. the same loops with the warp walking along a row of C: loads of B and stores of C coalesce
void gemm_coalesced(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                    cudaStream_t stream);
// 3. 32 × 32 tiles of A and B staged in shared memory: each global load is used 32 times
void gemm_smem_tiled(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                     cudaStream_t stream);
// 4. each thread computes 8 elements of a column of C, reusing one value of B from a register
void gemm_blocktile_1d(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                       cudaStream_t stream);
// 5. each thread computes an 8 × 8 block of C as outer products of registers: 16 loads for 64 FMAs
void gemm_blocktile_2d(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                       cudaStream_t stream);
// 6. as 5, with 16-byte loads and stores, and A stored transposed in shared memory so that a
//    thread's 8 values of A are also 2 vector loads
void gemm_vectorized(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                     cudaStream_t stream);
// 7. as 6, double-buffered: two stages of shared memory, the next tile's global loads in flight
//    while the current one is multiplied, one barrier per K step
void gemm_double_buffered(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                          cudaStream_t stream);
// 8. as 7, with a warp's threads covering a compact warp tile, and each thread's columns split in
//    two groups of 4 (fewer shared-memory bank conflicts, more broadcasts)
void gemm_warptiled(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                    cudaStream_t stream);
// 9. tensor cores, TF32 inputs (10-bit mantissa) with FP32 accumulation, through WMMA fragments:
//    a different precision, compared only with cuBLAS in the same precision
void gemm_tf32_wmma(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                    cudaStream_t stream);

// The ceilings: cuBLAS SGEMM in FP32 and with TF32 tensor-core math.
void gemm_cublas(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                 cudaStream_t stream);
void gemm_cublas_tf32(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                      cudaStream_t stream);

enum class Precision { fp32, tf32 };

struct GemmVariant {
    const char* name;
    GemmFn fn;
    Precision precision;
};

// The check and the benchmark both loop over this table: a new rung is one new line here.
inline constexpr GemmVariant gemm_variants[] = {
    {"naive", &gemm_naive, Precision::fp32},
    {"coalesced", &gemm_coalesced, Precision::fp32},
    {"smem_tiled", &gemm_smem_tiled, Precision::fp32},
    {"blocktile_1d", &gemm_blocktile_1d, Precision::fp32},
    {"blocktile_2d", &gemm_blocktile_2d, Precision::fp32},
    {"vectorized", &gemm_vectorized, Precision::fp32},
    {"double_buffered", &gemm_double_buffered, Precision::fp32},
    {"warptiled", &gemm_warptiled, Precision::fp32},
    {"cublas", &gemm_cublas, Precision::fp32},
    {"tf32_wmma", &gemm_tf32_wmma, Precision::tf32},
    {"cublas_tf32", &gemm_cublas_tf32, Precision::tf32},
};

// Configurations of rungs 7 and 8, timed side by side by bench_cuda; a name spells the rung, the
// block tile, the K step and the threads per block. gemm_warptiled uses the one of its configurations
// that was fastest on an H100 at N = 4096; gemm_double_buffered the k8 one, within noise of its k16
// one and with half the shared memory (cuda/README.md).
#define DL_GEMM_DECLARE(name)                                                                              \
    void name(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C, \
              cudaStream_t stream);
DL_GEMM_DECLARE(gemm_double_buffered_128x128_k8_t256)
DL_GEMM_DECLARE(gemm_double_buffered_128x128_k16_t256)
DL_GEMM_DECLARE(gemm_warptiled_128x128_k16_t128)
DL_GEMM_DECLARE(gemm_warptiled_128x128_k8_t256)
DL_GEMM_DECLARE(gemm_warptiled_128x128_k16_t256)
DL_GEMM_DECLARE(gemm_warptiled_64x128_k16_t128)
#undef DL_GEMM_DECLARE

inline constexpr GemmVariant gemm_tunings[] = {
    {"double_buffered_128x128_k8_t256", &gemm_double_buffered_128x128_k8_t256, Precision::fp32},
    {"double_buffered_128x128_k16_t256", &gemm_double_buffered_128x128_k16_t256, Precision::fp32},
    {"warptiled_128x128_k16_t128", &gemm_warptiled_128x128_k16_t128, Precision::fp32},
    {"warptiled_128x128_k8_t256", &gemm_warptiled_128x128_k8_t256, Precision::fp32},
    {"warptiled_128x128_k16_t256", &gemm_warptiled_128x128_k16_t256, Precision::fp32},
    {"warptiled_64x128_k16_t128", &gemm_warptiled_64x128_k16_t128, Precision::fp32},
};

}  // namespace dl::cuda
