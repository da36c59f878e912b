// Softmax over the rows of a matrix, three kernels (dl/cuda/softmax.hpp):
//
//   Y[r, j] = exp(X[r, j] − m_r) / s_r      m_r = max_k X[r, k]      s_r = Σ_k exp(X[r, k] − m_r)
//
// The ladder: naive (one thread per row) → warp (one warp per row, coalesced, shuffle reductions)
// → online (one block per row, m and s found in a single pass, so the row is read twice, not three times).
// Every variant divides once per row and multiplies by 1 / s_r (one extra rounding, under 1 ulp).
#include "dl/cuda/softmax.hpp"

#include "dl/cuda/device.hpp"
#include "row_access.cuh"
#include "dl/error.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace dl::cuda {

namespace {

void check_sizes(int R, int C) {
    DL_CHECK(R >= 0 && C >= 0, "softmax: the matrix is " << R << " x " << C << "; sizes must not be negative");
}

// ---- 1. naive: one thread per row -----------------------------------------------------------

constexpr int kNaiveThreads = 128;

// Thread r owns row r and walks it three times: m = max, s = Σ exp(x − m), y = exp(x − m) / s.
// Neighbouring threads read addresses C floats apart, so a warp's load touches 32 different lines.
__global__ void softmax_rows_naive_kernel(float* Y, const float* X, int R, int C) {
    const unsigned row = blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= static_cast<unsigned>(R)) return;
    const float* x = X + static_cast<std::size_t>(row) * C;
    float* y = Y + static_cast<std::size_t>(row) * C;
    float m = -INFINITY;
    for (int j = 0; j < C; ++j) m = fmaxf(m, x[j]);
    float s = 0.0f;
    for (int j = 0; j < C; ++j) s += expf(x[j] - m);
    const float inv_s = 1.0f / s;
    for (int j = 0; j < C; ++j) y[j] = expf(x[j] - m) * inv_s;
}

// ---- 2. warp: one warp per row --------------------------------------------------------------

constexpr int kWarpsPerBlock = 8;

// Warp w owns row w; lane l reads elements l, l + 32, ... (coalesced: a warp's load is 128 contiguous
// bytes, 512 with float4).
// The same three passes as the naive kernel, each lane's partial max and sum combined by shuffles.
__global__ void softmax_rows_warp_kernel(float* Y, const float* X, int R, int C, bool vectorised) {
    const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
    const unsigned row = blockIdx.x * kWarpsPerBlock + threadIdx.x / kWarpSize;
    if (row >= static_cast<unsigned>(R)) return;   // the whole warp leaves together: shuffles see 32 lanes
    const float* x = X + static_cast<std::size_t>(row) * C;
    float* y = Y + static_cast<std::size_t>(row) * C;

    float m = -INFINITY;
    for_each_in_row(x, C, lane, kWarpSize, vectorised, [&](int, float v) { m = fmaxf(m, v); });
    m = warp_max(m);
    float s = 0.0f;
    for_each_in_row(x, C, lane, kWarpSize, vectorised, [&](int, float v) { s += expf(v - m); });
    s = warp_sum(s);
    const float inv_s = 1.0f / s;
    map_row(y, x, C, lane, kWarpSize, vectorised, [&](int, float v) { return expf(v - m) * inv_s; });
}

// ---- 3. online: one block per row, max and sum in one pass ----------------------------------

constexpr int kOnlineThreads = 256;

// A partial softmax state (m, s) means "s = Σ exp(x − m) over the elements seen, m their maximum".
// Moving it to a larger maximum m_new rescales the sum: s · exp(m − m_new). A state that has seen no
// element (m = −∞, s = 0) contributes 0 (computing exp(−∞ − (−∞)) would give NaN).
__device__ float rescaled_sum(float s, float m, float m_new) { return m == -INFINITY ? 0.0f : s * expf(m - m_new); }

// Merges the states of the 32 lanes; every lane gets the merged (m, s).
__device__ void warp_merge(float& m, float& s) {
    for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
        const float m_other = __shfl_xor_sync(kFullMask, m, offset);
        const float s_other = __shfl_xor_sync(kFullMask, s, offset);
        const float m_new = fmaxf(m, m_other);
        s = rescaled_sum(s, m, m_new) + rescaled_sum(s_other, m_other, m_new);
        m = m_new;
    }
}

// Merges the states of all threads of the block (blockDim.x a multiple of 32); every thread gets
// the result. Each warp merges its lanes, lane 0 leaves the warp's state in shared memory, then
// every warp merges those states itself (no second broadcast needed).
__device__ void block_merge(float& m, float& s) {
    __shared__ float warp_m[32], warp_s[32];
    const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
    const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
    const int warps = static_cast<int>(blockDim.x) / kWarpSize;
    warp_merge(m, s);
    if (lane == 0) {
        warp_m[warp] = m;
        warp_s[warp] = s;
    }
    __syncthreads();
    m = lane < warps ? warp_m[lane] : -INFINITY;
    s = lane < warps ? warp_s[lane] : 0.0f;
    warp_merge(m, s);
    // No barrier after the reads: each kernel merges once, so warp_m and warp_s are not written again.
}

// Block r owns row r. Pass 1: each thread keeps its own (m, s) over its elements: a new maximum
// rescales the sum, any other element adds exp(x − m). The block merges the states, then pass 2
// writes exp(x − m) / s. The row is read twice (the second time mostly from L1) and written once.
__global__ void softmax_rows_online_kernel(float* Y, const float* X, int C, bool vectorised) {
    const float* x = X + static_cast<std::size_t>(blockIdx.x) * C;
    float* y = Y + static_cast<std::size_t>(blockIdx.x) * C;
    const int first = static_cast<int>(threadIdx.x), stride = static_cast<int>(blockDim.x);

    float m = -INFINITY, s = 0.0f;
    for_each_in_row(x, C, first, stride, vectorised, [&](int, float v) {
        if (v > m) {
            s = s * expf(m - v) + 1.0f;   // at m = −∞ this is 0 · 0 + 1
            m = v;
        } else if (m != -INFINITY) {   // v ≤ m = −∞ is a masked element: it adds 0, not exp(−∞ + ∞) = NaN
            s += expf(v - m);
        }
    });
    block_merge(m, s);
    const float inv_s = 1.0f / s;
    map_row(y, x, C, first, stride, vectorised, [&](int, float v) { return expf(v - m) * inv_s; });
}

unsigned blocks_for(int items, int per_block) { return static_cast<unsigned>((items - 1) / per_block + 1); }

}  // namespace

void softmax_rows_naive(float* Y, const float* X, int R, int C, cudaStream_t stream) {
    check_sizes(R, C);
    if (R == 0 || C == 0) return;
    softmax_rows_naive_kernel<<<blocks_for(R, kNaiveThreads), kNaiveThreads, 0, stream>>>(Y, X, R, C);
    DL_CUDA_CHECK_LAUNCH("softmax_rows_naive_kernel");
}

void softmax_rows_warp(float* Y, const float* X, int R, int C, cudaStream_t stream) {
    check_sizes(R, C);
    if (R == 0 || C == 0) return;
    softmax_rows_warp_kernel<<<blocks_for(R, kWarpsPerBlock), kWarpsPerBlock * kWarpSize, 0, stream>>>(
        Y, X, R, C, rows_allow_float4(Y, X, C));
    DL_CUDA_CHECK_LAUNCH("softmax_rows_warp_kernel");
}

void softmax_rows_online(float* Y, const float* X, int R, int C, cudaStream_t stream) {
    check_sizes(R, C);
    if (R == 0 || C == 0) return;
    softmax_rows_online_kernel<<<static_cast<unsigned>(R), kOnlineThreads, 0, stream>>>(Y, X, C,
                                                                                       rows_allow_float4(Y, X, C));
    DL_CUDA_CHECK_LAUNCH("softmax_rows_online_kernel");
}

}  // namespace dl::cuda
