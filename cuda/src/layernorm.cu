// Layer normalisation over the rows of a matrix, three kernels (dl/cuda/layernorm.hpp):
//
//   Y[r, j] = (X[r, j] − μ_r) · rstd_r · gamma[j] + beta[j]      rstd_r = 1 / sqrt(σ²_r + eps)
//   μ_r = mean_j X[r, j]      σ²_r = mean_j (X[r, j] − μ_r)²
//
// The ladder: naive (one thread per row) → warp (one warp per row, coalesced, shuffle reductions)
// → block (one block per row, μ and σ² from the sums of x − x₀ and (x − x₀)² found in one pass).
// rsqrtf is within 2 ulp; all sums are accumulated in FP32.
#include "dl/cuda/layernorm.hpp"

#include "dl/cuda/device.hpp"
#include "row_access.cuh"
#include "dl/error.hpp"

#include <cstddef>
#include <cstdint>

namespace dl::cuda {

namespace {

// The sum over all threads of the block (blockDim.x a multiple of 32); every thread gets it.
// Each warp sums its lanes, lane 0 leaves the warp's sum in `partial`, then every warp sums those.
__device__ float block_sum(float v, float* partial /* shared, [32] */) {
    const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
    const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
    const int warps = static_cast<int>(blockDim.x) / kWarpSize;
    v = warp_sum(v);
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    v = warp_sum(lane < warps ? partial[lane] : 0.0f);
    __syncthreads();   // every warp has read `partial` before a next block_sum overwrites it
    return v;
}

void check_sizes(int R, int C) {
    DL_CHECK(R >= 0 && C >= 0, "layernorm: the matrix is " << R << " x " << C << "; sizes must not be negative");
}

unsigned blocks_for(int items, int per_block) { return static_cast<unsigned>((items - 1) / per_block + 1); }

// ---- 1. naive: one thread per row -----------------------------------------------------------

constexpr int kNaiveThreads = 128;

// Thread r owns row r and walks it three times: μ = Σ x / C, σ² = Σ (x − μ)² / C, then the write.
// Neighbouring threads read addresses C floats apart, so a warp's load touches 32 different lines.
__global__ void layernorm_rows_naive_kernel(float* Y, const float* X, const float* gamma, const float* beta, int R,
                                            int C, float eps) {
    const unsigned row = blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= static_cast<unsigned>(R)) return;
    const float* x = X + static_cast<std::size_t>(row) * C;
    float* y = Y + static_cast<std::size_t>(row) * C;
    float sum = 0.0f;
    for (int j = 0; j < C; ++j) sum += x[j];
    const float mean = sum / static_cast<float>(C);
    float squares = 0.0f;
    for (int j = 0; j < C; ++j) squares += (x[j] - mean) * (x[j] - mean);
    const float rstd = rsqrtf(squares / static_cast<float>(C) + eps);
    for (int j = 0; j < C; ++j) y[j] = (x[j] - mean) * rstd * gamma[j] + beta[j];
}

// ---- 2. warp: one warp per row --------------------------------------------------------------

constexpr int kWarpsPerBlock = 8;

// Warp w owns row w; lane l reads elements l, l + 32, ... (coalesced). The same three passes as the
// naive kernel (the variance from the centred values, as there), the lanes' sums combined by shuffles.
__global__ void layernorm_rows_warp_kernel(float* Y, const float* X, const float* gamma, const float* beta, int R,
                                           int C, float eps, bool vectorised) {
    const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
    const unsigned row = blockIdx.x * kWarpsPerBlock + threadIdx.x / kWarpSize;
    if (row >= static_cast<unsigned>(R)) return;   // the whole warp leaves together: shuffles see 32 lanes
    const float* x = X + static_cast<std::size_t>(row) * C;
    float* y = Y + static_cast<std::size_t>(row) * C;

    float sum = 0.0f;
    for_each_in_row(x, C, lane, kWarpSize, vectorised, [&](int, float v) { sum += v; });
    const float mean = warp_sum(sum) / static_cast<float>(C);
    float squares = 0.0f;
    for_each_in_row(x, C, lane, kWarpSize, vectorised, [&](int, float v) { squares += (v - mean) * (v - mean); });
    const float rstd = rsqrtf(warp_sum(squares) / static_cast<float>(C) + eps);
    map_row(y, x, C, lane, kWarpSize, vectorised,
            [&](int j, float v) { return (v - mean) * rstd * gamma[j] + beta[j]; });
}

// ---- 3. block: one block per row, the statistics in one pass --------------------------------

constexpr int kBlockThreads = 256;

// Block r owns row r. Pass 1 sums d = x − x₀ and d² together, where x₀ = X[r, 0]; then
// μ = x₀ + Σd / C and σ² = Σd² / C − (Σd / C)² (clamped at 0: rounding can push a tiny variance below
// it). Pass 2 writes; it re-reads the row, mostly from L1. Without the shift by x₀, the one-pass σ²
// would lose about log10(μ²/σ²) of FP32's 7 digits on a row far from zero (Σx² and Cμ² nearly cancel);
// shifted, d is of the size of σ and little cancels (unless x₀ is an outlier of its row).
__global__ void layernorm_rows_block_kernel(float* Y, const float* X, const float* gamma, const float* beta, int C,
                                            float eps, bool vectorised) {
    __shared__ float partial[32];
    const float* x = X + static_cast<std::size_t>(blockIdx.x) * C;
    float* y = Y + static_cast<std::size_t>(blockIdx.x) * C;
    const int first = static_cast<int>(threadIdx.x), stride = static_cast<int>(blockDim.x);

    const float shift = x[0];
    float sum = 0.0f, sum_squares = 0.0f;
    for_each_in_row(x, C, first, stride, vectorised, [&](int, float v) {
        const float d = v - shift;
        sum += d;
        sum_squares += d * d;
    });
    const float mean_d = block_sum(sum, partial) / static_cast<float>(C);
    const float mean_square_d = block_sum(sum_squares, partial) / static_cast<float>(C);
    const float mean = shift + mean_d;
    const float rstd = rsqrtf(fmaxf(mean_square_d - mean_d * mean_d, 0.0f) + eps);
    map_row(y, x, C, first, stride, vectorised, [&](int j, float v) { return (v - mean) * rstd * gamma[j] + beta[j]; });
}

}  // namespace

void layernorm_rows_naive(float* Y, const float* X, const float* gamma, const float* beta, int R, int C, float eps,
                          cudaStream_t stream) {
    check_sizes(R, C);
    if (R == 0 || C == 0) return;
    layernorm_rows_naive_kernel<<<blocks_for(R, kNaiveThreads), kNaiveThreads, 0, stream>>>(Y, X, gamma, beta, R, C,
                                                                                           eps);
    DL_CUDA_CHECK_LAUNCH("layernorm_rows_naive_kernel");
}

void layernorm_rows_warp(float* Y, const float* X, const float* gamma, const float* beta, int R, int C, float eps,
                         cudaStream_t stream) {
    check_sizes(R, C);
    if (R == 0 || C == 0) return;
    layernorm_rows_warp_kernel<<<blocks_for(R, kWarpsPerBlock), kWarpsPerBlock * kWarpSize, 0, stream>>>(
        Y, X, gamma, beta, R, C, eps, rows_allow_float4(Y, X, C));
    DL_CUDA_CHECK_LAUNCH("layernorm_rows_warp_kernel");
}

void layernorm_rows_block(float* Y, const float* X, const float* gamma, const float* beta, int R, int C, float eps,
                          cudaStream_t stream) {
    check_sizes(R, C);
    if (R == 0 || C == 0) return;
    layernorm_rows_block_kernel<<<static_cast<unsigned>(R), kBlockThreads, 0, stream>>>(
        Y, X, gamma, beta, C, eps, rows_allow_float4(Y, X, C));
    DL_CUDA_CHECK_LAUNCH("layernorm_rows_block_kernel");
}

}  // namespace dl::cuda
