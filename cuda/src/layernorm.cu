// Layer normalisation over the rows of a matrix, three kernels (dl/cuda/layernorm.hpp):
//
//   Y[r, j] = (X[r, j] − μ_r) · rstd_r · gamma[j] + beta[j]      rstd_r = 1 / sqrt(σ²_r + eps)
//   μ_r = mean_j X[r, j]      σ²_r = mean_j (X[r, j] − μ_r)²
//
// The ladder: naive (one thread per row) → warp (one warp per row, coalesced, shuffle reductions)
// → block (one block per row, μ and σ² from the sums of x and x² found in one pass).
// rsqrtf is within 2 ulp; all sums are accumulated in FP32.
#include "dl/cuda/layernorm.hpp"

#include "dl/cuda/device.hpp"
#include "dl/error.hpp"

#include <cstddef>
#include <cstdint>

namespace dl::cuda {

namespace {

constexpr unsigned kFullMask = 0xffffffffu;
constexpr int kWarpSize = 32;

// ---- helpers shared by the warp and block kernels -------------------------------------------
// (the same four as in softmax.cu: each kernel family's file stands on its own)

// The sum across the 32 lanes of a warp; every lane gets it (butterfly exchange).
__device__ float warp_sum(float v) {
    for (int offset = kWarpSize / 2; offset > 0; offset /= 2) v += __shfl_xor_sync(kFullMask, v, offset);
    return v;
}

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

// Calls visit(j, x[j]) for j = first, first + stride, ... below C. When `vectorised` (C % 4 == 0 and
// the row 16-byte aligned) it reads four floats per load, and first and stride count groups of four.
template <class Visit>
__device__ void for_each_in_row(const float* x, int C, int first, int stride, bool vectorised, Visit visit) {
    if (vectorised) {
        const float4* x4 = reinterpret_cast<const float4*>(x);
        for (int q = first; q < C / 4; q += stride) {
            const float4 v = x4[q];
            visit(4 * q, v.x);
            visit(4 * q + 1, v.y);
            visit(4 * q + 2, v.z);
            visit(4 * q + 3, v.w);
        }
    } else {
        for (int j = first; j < C; j += stride) visit(j, x[j]);
    }
}

// y[j] = f(j, x[j]) over the same elements as for_each_in_row, four at a time when `vectorised`.
template <class F>
__device__ void map_row(float* y, const float* x, int C, int first, int stride, bool vectorised, F f) {
    if (vectorised) {
        const float4* x4 = reinterpret_cast<const float4*>(x);
        float4* y4 = reinterpret_cast<float4*>(y);
        for (int q = first; q < C / 4; q += stride) {
            const float4 v = x4[q];
            y4[q] = make_float4(f(4 * q, v.x), f(4 * q + 1, v.y), f(4 * q + 2, v.z), f(4 * q + 3, v.w));
        }
    } else {
        for (int j = first; j < C; j += stride) y[j] = f(j, x[j]);
    }
}

bool is_16_byte_aligned(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

// float4 access needs every row of X and Y to start on a 16-byte boundary: aligned bases and C % 4 == 0.
// (gamma and beta are read one float at a time.)
bool rows_allow_float4(float* Y, const float* X, int C) {
    return C % 4 == 0 && is_16_byte_aligned(Y) && is_16_byte_aligned(X);
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

// Block r owns row r. Pass 1 sums x and x² together; then μ = Σx / C and σ² = Σx² / C − μ²
// (clamped at 0: rounding can push a tiny variance below it). Pass 2 writes; it re-reads the row,
// mostly from L1. The one-pass σ² loses digits when |μ| ≫ σ (about log10(μ²/σ²) of FP32's 7);
// normalised activations have μ ≈ 0, which is why frameworks can afford it.
__global__ void layernorm_rows_block_kernel(float* Y, const float* X, const float* gamma, const float* beta, int C,
                                            float eps, bool vectorised) {
    __shared__ float partial[32];
    const float* x = X + static_cast<std::size_t>(blockIdx.x) * C;
    float* y = Y + static_cast<std::size_t>(blockIdx.x) * C;
    const int first = static_cast<int>(threadIdx.x), stride = static_cast<int>(blockDim.x);

    float sum = 0.0f, sum_squares = 0.0f;
    for_each_in_row(x, C, first, stride, vectorised, [&](int, float v) {
        sum += v;
        sum_squares += v * v;
    });
    const float mean = block_sum(sum, partial) / static_cast<float>(C);
    const float mean_square = block_sum(sum_squares, partial) / static_cast<float>(C);
    const float rstd = rsqrtf(fmaxf(mean_square - mean * mean, 0.0f) + eps);
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
