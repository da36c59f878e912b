// The GEMM ceilings: cuBLAS SGEMM, in FP32 and with TF32 tensor-core math.
#include "dl/cuda/device.hpp"
#include "dl/cuda/gemm.hpp"
#include "dl/error.hpp"

#include <cublas_v2.h>

namespace dl::cuda {

namespace {

void check_cublas(cublasStatus_t status, const char* what) {
    if (status != CUBLAS_STATUS_SUCCESS) DL_THROW(Error, what << " failed: " << cublasGetStatusString(status));
}

// One handle per math mode, made on first use and kept (creating one costs far more than a GEMM).
cublasHandle_t handle(cublasMath_t mode) {
    static cublasHandle_t fp32 = nullptr, tf32 = nullptr;
    cublasHandle_t& h = mode == CUBLAS_DEFAULT_MATH ? fp32 : tf32;
    if (!h) {
        check_cublas(cublasCreate(&h), "cublasCreate");
        check_cublas(cublasSetMathMode(h, mode), "cublasSetMathMode");
    }
    return h;
}

// cuBLAS is column-major. A row-major [M, N] matrix is the column-major [N, M] one, its transpose,
// so C = A·B is computed as Cᵀ = Bᵀ·Aᵀ: cuBLAS multiplies "B" (N × K) by "A" (K × M), no transposes.
void sgemm(cublasMath_t mode, int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
           cudaStream_t stream) {
    DL_CHECK(M >= 0 && N >= 0 && K >= 0, "gemm_cublas: M = " << M << ", N = " << N << ", K = " << K
                                                             << "; sizes must not be negative");
    if (M == 0 || N == 0) return;
    cublasHandle_t h = handle(mode);
    check_cublas(cublasSetStream(h, stream), "cublasSetStream");
    // A leading dimension must be at least 1 even when K = 0 (an empty sum: C = beta · C).
    const int lda = K > 0 ? K : 1;
    check_cublas(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, N, M, K, &alpha, B, N, A, lda, &beta, C, N), "cublasSgemm");
}

}  // namespace

void gemm_cublas(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                 cudaStream_t stream) {
    sgemm(CUBLAS_DEFAULT_MATH, M, N, K, alpha, A, B, beta, C, stream);
}

void gemm_cublas_tf32(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                      cudaStream_t stream) {
    sgemm(CUBLAS_TF32_TENSOR_OP_MATH, M, N, K, alpha, A, B, beta, C, stream);
}

}  // namespace dl::cuda
