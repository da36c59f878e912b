// Chapter 2's GEMM on the GPU: the ladder of kernels declared in dl/cuda/gemm.hpp.
//   C = alpha · A · B + beta · C      A: [M, K]   B: [K, N]   C: [M, N]   row-major
// Each rung keeps the previous one's ideas and adds one; cuda/README.md gives each rung's numbers.
#include "dl/cuda/device.hpp"
#include "dl/cuda/gemm.hpp"
#include "dl/error.hpp"

#include <mma.h>

namespace dl::cuda {

namespace {

int ceil_div(int a, int b) { return (a + b - 1) / b; }

// The epilogue every kernel shares. beta = 0 means C is not read: 0 · NaN would be NaN.
__device__ __forceinline__ float epilogue(float acc, float alpha, float beta, const float* c) {
    return beta == 0.0f ? alpha * acc : alpha * acc + beta * *c;
}

// ---- 1. naive: one thread per element of C ----------------------------------------------------
// threadIdx.x runs along a column of C (i), so a warp's 32 threads read 32 different rows of A:
// 32 separate memory transactions for what could be one.
__global__ void gemm_naive_kernel(int M, int N, int K, float alpha, const float* A, const float* B, float beta,
                                  float* C) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    const int j = blockIdx.y * blockDim.y + threadIdx.y;
    if (i >= M || j >= N) return;
    float acc = 0.0f;
    for (int k = 0; k < K; ++k) acc += A[static_cast<size_t>(i) * K + k] * B[static_cast<size_t>(k) * N + j];
    float* c = &C[static_cast<size_t>(i) * N + j];
    *c = epilogue(acc, alpha, beta, c);
}

// ---- 2. coalesced: the warp runs along a row of C ---------------------------------------------
// threadIdx.x now picks the column j: a warp reads one value of A (broadcast) and 32 consecutive
// values of B, and writes 32 consecutive values of C, each one transaction.
__global__ void gemm_coalesced_kernel(int M, int N, int K, float alpha, const float* A, const float* B, float beta,
                                      float* C) {
    const int j = blockIdx.x * blockDim.x + threadIdx.x;
    const int i = blockIdx.y * blockDim.y + threadIdx.y;
    if (i >= M || j >= N) return;
    float acc = 0.0f;
    for (int k = 0; k < K; ++k) acc += A[static_cast<size_t>(i) * K + k] * B[static_cast<size_t>(k) * N + j];
    float* c = &C[static_cast<size_t>(i) * N + j];
    *c = epilogue(acc, alpha, beta, c);
}

// ---- 3. shared-memory tiles ----------------------------------------------------------------------
// A block of 32 × 32 threads computes a 32 × 32 tile of C. It walks K in steps of 32: the threads
// copy a 32 × 32 tile of A and of B into shared memory (one element each, zero outside the matrix),
// wait, and each multiplies a row of the A tile by a column of the B tile. Each value loaded from
// global memory is now used 32 times.
constexpr int kTile = 32;

__global__ void gemm_smem_tiled_kernel(int M, int N, int K, float alpha, const float* A, const float* B, float beta,
                                       float* C) {
    __shared__ float As[kTile][kTile];
    __shared__ float Bs[kTile][kTile];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int i = blockIdx.y * kTile + ty, j = blockIdx.x * kTile + tx;
    float acc = 0.0f;
    for (int k0 = 0; k0 < K; k0 += kTile) {
        As[ty][tx] = (i < M && k0 + tx < K) ? A[static_cast<size_t>(i) * K + k0 + tx] : 0.0f;
        Bs[ty][tx] = (k0 + ty < K && j < N) ? B[static_cast<size_t>(k0 + ty) * N + j] : 0.0f;
        __syncthreads();   // the tiles are complete
#pragma unroll
        for (int k = 0; k < kTile; ++k) acc += As[ty][k] * Bs[k][tx];
        __syncthreads();   // everyone is done with the tiles before they are overwritten
    }
    if (i < M && j < N) {
        float* c = &C[static_cast<size_t>(i) * N + j];
        *c = epilogue(acc, alpha, beta, c);
    }
}

// ---- 4. 1-D block tiling: 8 results per thread ---------------------------------------------------
// A block of 512 threads computes a 64 × 64 tile of C; each thread a column of 8 elements of it.
// Per step of k it loads one value of B into a register and reuses it for its 8 rows: 9 shared-memory
// loads for 8 FMAs instead of 16.
constexpr int k1dBM = 64, k1dBN = 64, k1dBK = 8, k1dTM = 8, k1dThreads = k1dBM * k1dBN / k1dTM;

__global__ void __launch_bounds__(k1dThreads) gemm_blocktile_1d_kernel(int M, int N, int K, float alpha,
                                                                       const float* A, const float* B, float beta,
                                                                       float* C) {
    __shared__ float As[k1dBM][k1dBK];
    __shared__ float Bs[k1dBK][k1dBN];
    const int tid = threadIdx.x;
    const int row0 = blockIdx.y * k1dBM, col0 = blockIdx.x * k1dBN;
    const int thread_col = tid % k1dBN, thread_row = tid / k1dBN;   // rows thread_row·8 .. +7
    // The loads: 512 threads, one element of each 64 × 8 and 8 × 64 tile each.
    const int a_row = tid / k1dBK, a_col = tid % k1dBK;
    const int b_row = tid / k1dBN, b_col = tid % k1dBN;
    float acc[k1dTM] = {};
    for (int k0 = 0; k0 < K; k0 += k1dBK) {
        const int ai = row0 + a_row, ak = k0 + a_col, bk = k0 + b_row, bj = col0 + b_col;
        As[a_row][a_col] = (ai < M && ak < K) ? A[static_cast<size_t>(ai) * K + ak] : 0.0f;
        Bs[b_row][b_col] = (bk < K && bj < N) ? B[static_cast<size_t>(bk) * N + bj] : 0.0f;
        __syncthreads();
#pragma unroll
        for (int k = 0; k < k1dBK; ++k) {
            const float b = Bs[k][thread_col];
#pragma unroll
            for (int m = 0; m < k1dTM; ++m) acc[m] += As[thread_row * k1dTM + m][k] * b;
        }
        __syncthreads();
    }
    const int j = col0 + thread_col;
#pragma unroll
    for (int m = 0; m < k1dTM; ++m) {
        const int i = row0 + thread_row * k1dTM + m;
        if (i < M && j < N) {
            float* c = &C[static_cast<size_t>(i) * N + j];
            *c = epilogue(acc[m], alpha, beta, c);
        }
    }
}

// ---- 5. 2-D block tiling: an 8 × 8 block of results per thread ------------------------------------
// 256 threads compute a 128 × 128 tile of C, each an 8 × 8 block as a sum of outer products: per k,
// 8 values of A and 8 of B go into registers (16 shared loads) and make 64 FMAs.
constexpr int k2dBM = 128, k2dBN = 128, k2dBK = 8, k2dTM = 8, k2dTN = 8;
constexpr int k2dThreads = (k2dBM / k2dTM) * (k2dBN / k2dTN);   // 256

__global__ void __launch_bounds__(k2dThreads) gemm_blocktile_2d_kernel(int M, int N, int K, float alpha,
                                                                       const float* A, const float* B, float beta,
                                                                       float* C) {
    __shared__ float As[k2dBM][k2dBK];
    __shared__ float Bs[k2dBK][k2dBN];
    const int tid = threadIdx.x;
    const int row0 = blockIdx.y * k2dBM, col0 = blockIdx.x * k2dBN;
    const int thread_row = tid / (k2dBN / k2dTN), thread_col = tid % (k2dBN / k2dTN);
    // Loads: the 128 × 8 A tile is 4 elements per thread, 32 rows apart; the 8 × 128 B tile likewise, 2 rows apart.
    const int a_row = tid / k2dBK, a_col = tid % k2dBK, a_stride = k2dThreads / k2dBK;
    const int b_row = tid / k2dBN, b_col = tid % k2dBN, b_stride = k2dThreads / k2dBN;
    float acc[k2dTM][k2dTN] = {};
    float a_reg[k2dTM], b_reg[k2dTN];
    for (int k0 = 0; k0 < K; k0 += k2dBK) {
        for (int r = a_row; r < k2dBM; r += a_stride) {
            const int i = row0 + r, k = k0 + a_col;
            As[r][a_col] = (i < M && k < K) ? A[static_cast<size_t>(i) * K + k] : 0.0f;
        }
        for (int r = b_row; r < k2dBK; r += b_stride) {
            const int k = k0 + r, j = col0 + b_col;
            Bs[r][b_col] = (k < K && j < N) ? B[static_cast<size_t>(k) * N + j] : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < k2dBK; ++k) {
#pragma unroll
            for (int m = 0; m < k2dTM; ++m) a_reg[m] = As[thread_row * k2dTM + m][k];
#pragma unroll
            for (int n = 0; n < k2dTN; ++n) b_reg[n] = Bs[k][thread_col * k2dTN + n];
#pragma unroll
            for (int m = 0; m < k2dTM; ++m)
#pragma unroll
                for (int n = 0; n < k2dTN; ++n) acc[m][n] += a_reg[m] * b_reg[n];
        }
        __syncthreads();
    }
#pragma unroll
    for (int m = 0; m < k2dTM; ++m) {
        const int i = row0 + thread_row * k2dTM + m;
#pragma unroll
        for (int n = 0; n < k2dTN; ++n) {
            const int j = col0 + thread_col * k2dTN + n;
            if (i < M && j < N) {
                float* c = &C[static_cast<size_t>(i) * N + j];
                *c = epilogue(acc[m][n], alpha, beta, c);
            }
        }
    }
}

// ---- helpers of the vectorised rungs ---------------------------------------------------------------
// Four consecutive floats of row `row` of a [rows, cols] matrix from column `col`, zero where outside.
// Vec (cols a multiple of 4, so every row and every col % 4 == 0 is 16-byte aligned): one 16-byte load.
template <bool Vec>
__device__ __forceinline__ float4 load4(const float* X, int rows, int cols, int row, int col) {
    if (row >= rows) return make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    const float* p = X + static_cast<size_t>(row) * cols + col;
    if (Vec) {
        if (col < cols) return *reinterpret_cast<const float4*>(p);   // col + 3 < cols since cols % 4 == 0
        return make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    }
    return make_float4(col < cols ? p[0] : 0.0f, col + 1 < cols ? p[1] : 0.0f, col + 2 < cols ? p[2] : 0.0f,
                       col + 3 < cols ? p[3] : 0.0f);
}

// Four floats into four consecutive registers (an array indexed by compile-time constants only).
__device__ __forceinline__ void set4(float* r, float4 v) {
    r[0] = v.x;
    r[1] = v.y;
    r[2] = v.z;
    r[3] = v.w;
}

// Stores alpha·acc + beta·C for four consecutive columns of row i from column j, skipping what is outside.
template <bool Vec>
__device__ __forceinline__ void store4(float* C, int M, int N, int i, int j, float4 acc, float alpha, float beta) {
    if (i >= M) return;
    float* c = C + static_cast<size_t>(i) * N + j;
    if (Vec && j < N) {
        float4 out = make_float4(alpha * acc.x, alpha * acc.y, alpha * acc.z, alpha * acc.w);
        if (beta != 0.0f) {
            const float4 old = *reinterpret_cast<const float4*>(c);
            out.x += beta * old.x;
            out.y += beta * old.y;
            out.z += beta * old.z;
            out.w += beta * old.w;
        }
        *reinterpret_cast<float4*>(c) = out;
        return;
    }
    const float v[4] = {acc.x, acc.y, acc.z, acc.w};
#pragma unroll
    for (int n = 0; n < 4; ++n)
        if (j + n < N) c[n] = epilogue(v[n], alpha, beta, c + n);
}

// ---- 6. vectorised: 16-byte loads and stores ---------------------------------------------------------
// Rung 5's tiling, but each thread loads 4 consecutive floats at once. The A tile is stored transposed
// (As[k][m]), so the 8 values of A a thread needs at step k are consecutive too: two float4 loads
// from shared memory instead of 8 scalar ones.
template <bool Vec>
__global__ void __launch_bounds__(k2dThreads) gemm_vectorized_kernel(int M, int N, int K, float alpha,
                                                                     const float* A, const float* B, float beta,
                                                                     float* C) {
    __shared__ __align__(16) float As[k2dBK][k2dBM];   // transposed: As[k][m] = A[row0 + m, k0 + k]
    __shared__ __align__(16) float Bs[k2dBK][k2dBN];
    const int tid = threadIdx.x;
    const int row0 = blockIdx.y * k2dBM, col0 = blockIdx.x * k2dBN;
    const int thread_row = tid / (k2dBN / k2dTN), thread_col = tid % (k2dBN / k2dTN);
    // One float4 of each tile per thread: A is 128 rows × 2 float4s, B is 8 rows × 32 float4s.
    const int a_row = tid / (k2dBK / 4), a_col = (tid % (k2dBK / 4)) * 4;
    const int b_row = tid / (k2dBN / 4), b_col = (tid % (k2dBN / 4)) * 4;
    float acc[k2dTM][k2dTN] = {};
    for (int k0 = 0; k0 < K; k0 += k2dBK) {
        const float4 a = load4<Vec>(A, M, K, row0 + a_row, k0 + a_col);
        As[a_col + 0][a_row] = a.x;
        As[a_col + 1][a_row] = a.y;
        As[a_col + 2][a_row] = a.z;
        As[a_col + 3][a_row] = a.w;
        *reinterpret_cast<float4*>(&Bs[b_row][b_col]) = load4<Vec>(B, K, N, k0 + b_row, col0 + b_col);
        __syncthreads();
#pragma unroll
        for (int k = 0; k < k2dBK; ++k) {
            float a_reg[k2dTM], b_reg[k2dTN];
#pragma unroll
            for (int m = 0; m < k2dTM; m += 4) set4(a_reg + m, *reinterpret_cast<const float4*>(&As[k][thread_row * k2dTM + m]));
#pragma unroll
            for (int n = 0; n < k2dTN; n += 4) set4(b_reg + n, *reinterpret_cast<const float4*>(&Bs[k][thread_col * k2dTN + n]));
#pragma unroll
            for (int m = 0; m < k2dTM; ++m)
#pragma unroll
                for (int n = 0; n < k2dTN; ++n) acc[m][n] += a_reg[m] * b_reg[n];
        }
        __syncthreads();
    }
#pragma unroll
    for (int m = 0; m < k2dTM; ++m)
#pragma unroll
        for (int n = 0; n < k2dTN; n += 4)
            store4<Vec>(C, M, N, row0 + thread_row * k2dTM + m, col0 + thread_col * k2dTN + n,
                        make_float4(acc[m][n], acc[m][n + 1], acc[m][n + 2], acc[m][n + 3]), alpha, beta);
}

// ---- the pipeline of rungs 7 and 8 --------------------------------------------------------------------
// The tile loads split in two halves, so that the next tile's global loads are in flight while the
// current tile is multiplied: fetch() reads a BM × BK tile of A and a BK × BN tile of B into
// registers (float4s), stash() writes them to shared memory (A transposed, as in rung 6).
template <int BM, int BN, int BK, int THREADS, bool Vec>
struct TilePrefetch {
    static constexpr int a_loads = BM * BK / 4 / THREADS, b_loads = BK * BN / 4 / THREADS;
    static_assert(a_loads * THREADS * 4 == BM * BK && b_loads * THREADS * 4 == BK * BN,
                  "each thread loads whole float4s of both tiles");
    float4 a[a_loads], b[b_loads];

    __device__ __forceinline__ void fetch(const float* A, const float* B, int M, int N, int K, int row0, int col0,
                                          int k0, int tid) {
#pragma unroll
        for (int l = 0; l < a_loads; ++l) {
            const int idx = tid + l * THREADS, r = idx / (BK / 4), c = (idx % (BK / 4)) * 4;
            a[l] = load4<Vec>(A, M, K, row0 + r, k0 + c);
        }
#pragma unroll
        for (int l = 0; l < b_loads; ++l) {
            const int idx = tid + l * THREADS, r = idx / (BN / 4), c = (idx % (BN / 4)) * 4;
            b[l] = load4<Vec>(B, K, N, k0 + r, col0 + c);
        }
    }
    __device__ __forceinline__ void stash(float (*As)[BM], float (*Bs)[BN], int tid) const {
#pragma unroll
        for (int l = 0; l < a_loads; ++l) {
            const int idx = tid + l * THREADS, r = idx / (BK / 4), c = (idx % (BK / 4)) * 4;
            As[c + 0][r] = a[l].x;
            As[c + 1][r] = a[l].y;
            As[c + 2][r] = a[l].z;
            As[c + 3][r] = a[l].w;
        }
#pragma unroll
        for (int l = 0; l < b_loads; ++l) {
            const int idx = tid + l * THREADS, r = idx / (BN / 4), c = (idx % (BN / 4)) * 4;
            *reinterpret_cast<float4*>(&Bs[r][c]) = b[l];
        }
    }
};

// ---- 7. double buffering ---------------------------------------------------------------------------------
// Rung 6 waits twice per K step: for the global loads, then at the barrier. Here shared memory holds
// two stages: while the threads multiply the tile in one, the next tile's global loads are already in
// flight into registers, and go into the other stage afterwards. One barrier per K step, and the
// load latency hides behind the FMAs.
template <int BM, int BN, int BK, int TM, int TN, bool Vec>
__global__ void __launch_bounds__((BM / TM) * (BN / TN)) gemm_double_buffered_kernel(int M, int N, int K, float alpha,
                                                                                     const float* A, const float* B,
                                                                                     float beta, float* C) {
    constexpr int THREADS = (BM / TM) * (BN / TN);
    __shared__ __align__(16) float As[2][BK][BM];
    __shared__ __align__(16) float Bs[2][BK][BN];
    const int tid = threadIdx.x;
    const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
    const int thread_row = tid / (BN / TN), thread_col = tid % (BN / TN);
    TilePrefetch<BM, BN, BK, THREADS, Vec> next;
    next.fetch(A, B, M, N, K, row0, col0, 0, tid);
    next.stash(As[0], Bs[0], tid);
    __syncthreads();
    float acc[TM][TN] = {};
    const int tiles = (K + BK - 1) / BK;
    for (int t = 0; t < tiles; ++t) {
        const int cur = t & 1;
        if (t + 1 < tiles) next.fetch(A, B, M, N, K, row0, col0, (t + 1) * BK, tid);   // in flight during the FMAs
#pragma unroll
        for (int k = 0; k < BK; ++k) {
            float a_reg[TM], b_reg[TN];
#pragma unroll
            for (int m = 0; m < TM; m += 4) set4(a_reg + m, *reinterpret_cast<const float4*>(&As[cur][k][thread_row * TM + m]));
#pragma unroll
            for (int n = 0; n < TN; n += 4) set4(b_reg + n, *reinterpret_cast<const float4*>(&Bs[cur][k][thread_col * TN + n]));
#pragma unroll
            for (int m = 0; m < TM; ++m)
#pragma unroll
                for (int n = 0; n < TN; ++n) acc[m][n] += a_reg[m] * b_reg[n];
        }
        // The other stage was last read in step t − 1, which every thread finished before the barrier.
        if (t + 1 < tiles) next.stash(As[cur ^ 1], Bs[cur ^ 1], tid);
        __syncthreads();
    }
#pragma unroll
    for (int m = 0; m < TM; ++m)
#pragma unroll
        for (int n = 0; n < TN; n += 4)
            store4<Vec>(C, M, N, row0 + thread_row * TM + m, col0 + thread_col * TN + n,
                        make_float4(acc[m][n], acc[m][n + 1], acc[m][n + 2], acc[m][n + 3]), alpha, beta);
}

// ---- 8. warp tiling ---------------------------------------------------------------------------------------
// Rung 7's pipeline, with the threads arranged by warp: the block tile (BM × BN) is split among the
// warps, each owning a WM × WN warp tile, which its 32 threads cover in WN_ITER sub-tiles of
// WM × (WN / WN_ITER); in a sub-tile a thread owns a TM × TN block. A warp's shared-memory reads then
// fall in a compact region (fewer bank conflicts, more broadcasts), and its results in fewer rows.
template <int BM, int BN, int BK, int WM, int WN, int WN_ITER, int TM, int TN, int THREADS>
struct WarpTiling {
    static constexpr int warps = THREADS / 32;
    static constexpr int warps_n = BN / WN;                                   // warps across the block tile
    static constexpr int wm_iter = (WM * WN) / (32 * TM * TN * WN_ITER);      // sub-tiles down a warp tile
    static constexpr int sub_m = WM / wm_iter, sub_n = WN / WN_ITER;           // sub-tile size
    static constexpr int lanes_n = sub_n / TN;                                 // threads across a sub-tile
    static_assert((BM / WM) * (BN / WN) == warps, "the warp tiles must cover the block tile");
    static_assert(wm_iter * WN_ITER * 32 * TM * TN == WM * WN, "the threads must cover the warp tile");
    static_assert(lanes_n * (sub_m / TM) == 32, "a sub-tile must be covered by one warp");
    static_assert(TM % 4 == 0 && TN % 4 == 0 && BK % 4 == 0, "float4 granularity");
};

template <int BM, int BN, int BK, int WM, int WN, int WN_ITER, int TM, int TN, int THREADS, bool Vec>
__global__ void __launch_bounds__(THREADS) gemm_warptiled_kernel(int M, int N, int K, float alpha, const float* A,
                                                                 const float* B, float beta, float* C) {
    using Tiling = WarpTiling<BM, BN, BK, WM, WN, WN_ITER, TM, TN, THREADS>;
    constexpr int WM_ITER = Tiling::wm_iter, SUB_M = Tiling::sub_m, SUB_N = Tiling::sub_n;
    __shared__ __align__(16) float As[2][BK][BM];
    __shared__ __align__(16) float Bs[2][BK][BN];
    const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
    const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
    const int warp_row = warp / Tiling::warps_n, warp_col = warp % Tiling::warps_n;
    const int lane_row = lane / Tiling::lanes_n, lane_col = lane % Tiling::lanes_n;
    TilePrefetch<BM, BN, BK, THREADS, Vec> next;
    next.fetch(A, B, M, N, K, row0, col0, 0, tid);
    next.stash(As[0], Bs[0], tid);
    __syncthreads();

    float acc[WM_ITER * TM][WN_ITER * TN] = {};
    const int tiles = (K + BK - 1) / BK;
    for (int t = 0; t < tiles; ++t) {
        const int cur = t & 1;
        if (t + 1 < tiles) next.fetch(A, B, M, N, K, row0, col0, (t + 1) * BK, tid);
#pragma unroll
        for (int k = 0; k < BK; ++k) {
            float a_reg[WM_ITER * TM], b_reg[WN_ITER * TN];
#pragma unroll
            for (int wm = 0; wm < WM_ITER; ++wm)
#pragma unroll
                for (int m = 0; m < TM; m += 4)
                    set4(a_reg + wm * TM + m, *reinterpret_cast<const float4*>(
                                                  &As[cur][k][warp_row * WM + wm * SUB_M + lane_row * TM + m]));
#pragma unroll
            for (int wn = 0; wn < WN_ITER; ++wn)
#pragma unroll
                for (int n = 0; n < TN; n += 4)
                    set4(b_reg + wn * TN + n, *reinterpret_cast<const float4*>(
                                                  &Bs[cur][k][warp_col * WN + wn * SUB_N + lane_col * TN + n]));
#pragma unroll
            for (int m = 0; m < WM_ITER * TM; ++m)
#pragma unroll
                for (int n = 0; n < WN_ITER * TN; ++n) acc[m][n] += a_reg[m] * b_reg[n];
        }
        if (t + 1 < tiles) next.stash(As[cur ^ 1], Bs[cur ^ 1], tid);
        __syncthreads();
    }
#pragma unroll
    for (int wm = 0; wm < WM_ITER; ++wm)
#pragma unroll
        for (int m = 0; m < TM; ++m) {
            const int i = row0 + warp_row * WM + wm * SUB_M + lane_row * TM + m;
#pragma unroll
            for (int wn = 0; wn < WN_ITER; ++wn)
#pragma unroll
                for (int n = 0; n < TN; n += 4) {
                    const int j = col0 + warp_col * WN + wn * SUB_N + lane_col * TN + n;
                    const int am = wm * TM + m, an = wn * TN + n;
                    store4<Vec>(C, M, N, i, j,
                                make_float4(acc[am][an], acc[am][an + 1], acc[am][an + 2], acc[am][an + 3]), alpha,
                                beta);
                }
        }
}

// ---- 9. tensor cores (TF32) through WMMA ----------------------------------------------------------------
// 8 warps compute a 128 × 128 tile of C; each warp a 64 × 32 piece as 4 × 2 fragments of 16 × 16,
// with the tensor cores' m16n16k8 TF32 multiply (inputs rounded to a 10-bit mantissa, FP32 sums).
// K advances 32 at a time through shared memory; rows are padded by 4 floats (the fragment loads
// need a multiple of 16 bytes, and the padding spreads the rows over the banks).
namespace wmma = nvcuda::wmma;
constexpr int kWmmaBM = 128, kWmmaBN = 128, kWmmaThreads = 256;
[[maybe_unused]] constexpr int kWmmaBK = 32, kWmmaPad = 4;   // unused where the kernel body is compiled out (sm_75)

template <bool Vec>
__global__ void __launch_bounds__(kWmmaThreads) gemm_tf32_wmma_kernel(int M, int N, int K, float alpha,
                                                                      const float* A, const float* B, float beta,
                                                                      float* C) {
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800   // TF32 tensor cores: Ampere and later (the host checks)
    __shared__ __align__(32) float As[kWmmaBM][kWmmaBK + kWmmaPad];
    __shared__ __align__(32) float Bs[kWmmaBK][kWmmaBN + kWmmaPad];
    __shared__ __align__(32) float scratch[kWmmaThreads / 32][16 * 16];   // one fragment per warp, for the epilogue
    const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
    const int row0 = blockIdx.y * kWmmaBM, col0 = blockIdx.x * kWmmaBN;
    const int warp_row = warp / 4, warp_col = warp % 4;   // 2 × 4 warps of 64 × 32

    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[4][2];
    for (auto& row : acc)
        for (auto& f : row) wmma::fill_fragment(f, 0.0f);
    for (int k0 = 0; k0 < K; k0 += kWmmaBK) {
        for (int idx = tid; idx < kWmmaBM * kWmmaBK / 4; idx += kWmmaThreads) {
            const int r = idx / (kWmmaBK / 4), c = (idx % (kWmmaBK / 4)) * 4;
            const float4 a = load4<Vec>(A, M, K, row0 + r, k0 + c);
            As[r][c + 0] = wmma::__float_to_tf32(a.x);
            As[r][c + 1] = wmma::__float_to_tf32(a.y);
            As[r][c + 2] = wmma::__float_to_tf32(a.z);
            As[r][c + 3] = wmma::__float_to_tf32(a.w);
        }
        for (int idx = tid; idx < kWmmaBK * kWmmaBN / 4; idx += kWmmaThreads) {
            const int r = idx / (kWmmaBN / 4), c = (idx % (kWmmaBN / 4)) * 4;
            const float4 b = load4<Vec>(B, K, N, k0 + r, col0 + c);
            Bs[r][c + 0] = wmma::__float_to_tf32(b.x);
            Bs[r][c + 1] = wmma::__float_to_tf32(b.y);
            Bs[r][c + 2] = wmma::__float_to_tf32(b.z);
            Bs[r][c + 3] = wmma::__float_to_tf32(b.w);
        }
        __syncthreads();
        for (int k = 0; k < kWmmaBK; k += 8) {
            wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> a[4];
            wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> b[2];
#pragma unroll
            for (int m = 0; m < 4; ++m)
                wmma::load_matrix_sync(a[m], &As[warp_row * 64 + m * 16][k], kWmmaBK + kWmmaPad);
#pragma unroll
            for (int n = 0; n < 2; ++n)
                wmma::load_matrix_sync(b[n], &Bs[k][warp_col * 32 + n * 16], kWmmaBN + kWmmaPad);
#pragma unroll
            for (int m = 0; m < 4; ++m)
#pragma unroll
                for (int n = 0; n < 2; ++n) wmma::mma_sync(acc[m][n], a[m], b[n], acc[m][n]);
        }
        __syncthreads();
    }
    // Epilogue: a fragment's layout is opaque, so each goes through the warp's scratch tile, from
    // which the lanes apply alpha and beta and store what lies inside C.
    float* tile = scratch[warp];
#pragma unroll
    for (int m = 0; m < 4; ++m)
#pragma unroll
        for (int n = 0; n < 2; ++n) {
            wmma::store_matrix_sync(tile, acc[m][n], 16, wmma::mem_row_major);
            __syncwarp();
            for (int e = lane; e < 16 * 16; e += 32) {
                const int i = row0 + warp_row * 64 + m * 16 + e / 16, j = col0 + warp_col * 32 + n * 16 + e % 16;
                if (i < M && j < N) {
                    float* c = &C[static_cast<size_t>(i) * N + j];
                    *c = epilogue(tile[e], alpha, beta, c);
                }
            }
            __syncwarp();
        }
#endif
}

// Whether every row of A, B and C starts 16-byte aligned (aligned bases, row lengths K and N multiples of 4).
bool rows_aligned(int N, int K, const float* A, const float* B, const float* C) {
    auto aligned = [](const void* p) { return reinterpret_cast<size_t>(p) % 16 == 0; };
    return N % 4 == 0 && K % 4 == 0 && aligned(A) && aligned(B) && aligned(C);
}

// Checks the sizes; true when C is empty. (K = 0 is work: C = beta · C, which every kernel's zero
// accumulators give.)
bool nothing_to_do(int M, int N, int K) {
    DL_CHECK(M >= 0 && N >= 0 && K >= 0, "gemm: M = " << M << ", N = " << N << ", K = " << K
                                                      << "; sizes must not be negative");
    return M == 0 || N == 0;
}

}  // namespace

void gemm_naive(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                cudaStream_t stream) {
    if (nothing_to_do(M, N, K)) return;
    const dim3 threads(32, 32), blocks(ceil_div(M, 32), ceil_div(N, 32));
    gemm_naive_kernel<<<blocks, threads, 0, stream>>>(M, N, K, alpha, A, B, beta, C);
    DL_CUDA_CHECK_LAUNCH("gemm_naive_kernel");
}

void gemm_coalesced(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                    cudaStream_t stream) {
    if (nothing_to_do(M, N, K)) return;
    const dim3 threads(32, 32), blocks(ceil_div(N, 32), ceil_div(M, 32));
    gemm_coalesced_kernel<<<blocks, threads, 0, stream>>>(M, N, K, alpha, A, B, beta, C);
    DL_CUDA_CHECK_LAUNCH("gemm_coalesced_kernel");
}

void gemm_smem_tiled(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                     cudaStream_t stream) {
    if (nothing_to_do(M, N, K)) return;
    const dim3 threads(kTile, kTile), blocks(ceil_div(N, kTile), ceil_div(M, kTile));
    gemm_smem_tiled_kernel<<<blocks, threads, 0, stream>>>(M, N, K, alpha, A, B, beta, C);
    DL_CUDA_CHECK_LAUNCH("gemm_smem_tiled_kernel");
}

void gemm_blocktile_1d(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                       cudaStream_t stream) {
    if (nothing_to_do(M, N, K)) return;
    const dim3 blocks(ceil_div(N, k1dBN), ceil_div(M, k1dBM));
    gemm_blocktile_1d_kernel<<<blocks, k1dThreads, 0, stream>>>(M, N, K, alpha, A, B, beta, C);
    DL_CUDA_CHECK_LAUNCH("gemm_blocktile_1d_kernel");
}

void gemm_blocktile_2d(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                       cudaStream_t stream) {
    if (nothing_to_do(M, N, K)) return;
    const dim3 blocks(ceil_div(N, k2dBN), ceil_div(M, k2dBM));
    gemm_blocktile_2d_kernel<<<blocks, k2dThreads, 0, stream>>>(M, N, K, alpha, A, B, beta, C);
    DL_CUDA_CHECK_LAUNCH("gemm_blocktile_2d_kernel");
}

void gemm_vectorized(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                     cudaStream_t stream) {
    if (nothing_to_do(M, N, K)) return;
    const dim3 blocks(ceil_div(N, k2dBN), ceil_div(M, k2dBM));
    if (rows_aligned(N, K, A, B, C))
        gemm_vectorized_kernel<true><<<blocks, k2dThreads, 0, stream>>>(M, N, K, alpha, A, B, beta, C);
    else
        gemm_vectorized_kernel<false><<<blocks, k2dThreads, 0, stream>>>(M, N, K, alpha, A, B, beta, C);
    DL_CUDA_CHECK_LAUNCH("gemm_vectorized_kernel");
}

template <int BM, int BN, int BK, int TM, int TN>
void launch_double_buffered(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                            cudaStream_t stream) {
    if (nothing_to_do(M, N, K)) return;
    constexpr int threads = (BM / TM) * (BN / TN);
    const dim3 blocks(ceil_div(N, BN), ceil_div(M, BM));
    if (rows_aligned(N, K, A, B, C))
        gemm_double_buffered_kernel<BM, BN, BK, TM, TN, true><<<blocks, threads, 0, stream>>>(M, N, K, alpha, A, B, beta, C);
    else
        gemm_double_buffered_kernel<BM, BN, BK, TM, TN, false><<<blocks, threads, 0, stream>>>(M, N, K, alpha, A, B, beta, C);
    DL_CUDA_CHECK_LAUNCH("gemm_double_buffered_kernel");
}

template <int BM, int BN, int BK, int WM, int WN, int WN_ITER, int TM, int TN, int THREADS>
void launch_warptiled(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                      cudaStream_t stream) {
    if (nothing_to_do(M, N, K)) return;
    const dim3 blocks(ceil_div(N, BN), ceil_div(M, BM));
    if (rows_aligned(N, K, A, B, C))
        gemm_warptiled_kernel<BM, BN, BK, WM, WN, WN_ITER, TM, TN, THREADS, true>
            <<<blocks, THREADS, 0, stream>>>(M, N, K, alpha, A, B, beta, C);
    else
        gemm_warptiled_kernel<BM, BN, BK, WM, WN, WN_ITER, TM, TN, THREADS, false>
            <<<blocks, THREADS, 0, stream>>>(M, N, K, alpha, A, B, beta, C);
    DL_CUDA_CHECK_LAUNCH("gemm_warptiled_kernel");
}

// The configurations bench_cuda times side by side (gemm_tunings); a name spells the rung, the block
// tile BM x BN, the K step and the threads per block. The template arguments, in order:
//   double_buffered  BM, BN, BK, TM, TN                    (threads = BM/TM · BN/TN)
//   warptiled        BM, BN, BK, WM, WN, WN_ITER, TM, TN, THREADS
// so rung 8's default (k8_t256) gives each of 8 warps a 32 × 64 tile, covered in WN_ITER = 2
// sub-tiles of 32 × 32, in which a thread owns 8 × 4: its 8 columns of B are two groups of 4, 32
// floats apart, where rung 7's thread has 8 adjacent ones. A warp of rung 8 then reads 8 adjacent
// float4s of B (128 bytes, one shared-memory wavefront); one of rung 7 reads 16 float4s 32 bytes apart.
#define DL_GEMM_CONFIG(name, launch)                                                                 \
    void name(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C, \
              cudaStream_t stream) {                                                                  \
        launch(M, N, K, alpha, A, B, beta, C, stream);                                                \
    }
DL_GEMM_CONFIG(gemm_double_buffered_128x128_k8_t256, (launch_double_buffered<128, 128, 8, 8, 8>))
DL_GEMM_CONFIG(gemm_double_buffered_128x128_k16_t256, (launch_double_buffered<128, 128, 16, 8, 8>))
DL_GEMM_CONFIG(gemm_warptiled_128x128_k16_t128, (launch_warptiled<128, 128, 16, 64, 64, 4, 8, 4, 128>))
DL_GEMM_CONFIG(gemm_warptiled_128x128_k8_t256, (launch_warptiled<128, 128, 8, 32, 64, 2, 8, 4, 256>))
DL_GEMM_CONFIG(gemm_warptiled_128x128_k16_t256, (launch_warptiled<128, 128, 16, 32, 64, 2, 8, 4, 256>))
DL_GEMM_CONFIG(gemm_warptiled_64x128_k16_t128, (launch_warptiled<64, 128, 16, 32, 64, 2, 8, 4, 128>))
#undef DL_GEMM_CONFIG

void gemm_double_buffered(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                          cudaStream_t stream) {
    gemm_double_buffered_128x128_k8_t256(M, N, K, alpha, A, B, beta, C, stream);
}

void gemm_warptiled(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                    cudaStream_t stream) {
    gemm_warptiled_128x128_k8_t256(M, N, K, alpha, A, B, beta, C, stream);
}

void gemm_tf32_wmma(int M, int N, int K, float alpha, const float* A, const float* B, float beta, float* C,
                    cudaStream_t stream) {
    if (nothing_to_do(M, N, K)) return;
    int device = 0, major = 0;
    DL_CUDA_CHECK(cudaGetDevice(&device));
    DL_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
    DL_CHECK(major >= 8, "gemm_tf32_wmma needs TF32 tensor cores (compute capability 8.0 or later); this device has "
                             << major << ".x");
    const dim3 blocks(ceil_div(N, kWmmaBN), ceil_div(M, kWmmaBM));
    if (rows_aligned(N, K, A, B, C))
        gemm_tf32_wmma_kernel<true><<<blocks, kWmmaThreads, 0, stream>>>(M, N, K, alpha, A, B, beta, C);
    else
        gemm_tf32_wmma_kernel<false><<<blocks, kWmmaThreads, 0, stream>>>(M, N, K, alpha, A, B, beta, C);
    DL_CUDA_CHECK_LAUNCH("gemm_tf32_wmma_kernel");
}

}  // namespace dl::cuda
