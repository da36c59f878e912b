// Scaled dot-product attention on the GPU (chapter 7): the naive three-kernel version that writes
// the [BH, T, T] scores to device memory, and the flash version (Dao et al. 2022, forward only) that
// never does. Q, K, V, O: [BH, T, D] row-major; scale = 1/sqrt(D); with `causal`, query i sees keys j ≤ i.
#include "dl/cuda/attention.hpp"
#include "dl/cuda/buffer.hpp"
#include "dl/cuda/device.hpp"
#include "dl/error.hpp"

#include <cuda_runtime.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace dl::cuda {

namespace {

constexpr int kThreads = 256;   // block size of the naive kernels

// ---------------------------------------------------------------------------------------------------
// Naive: three launches, the [BH, T, T] scores in device memory.

// S[bh, i, j] = (q_i · k_j) · scale, or −∞ where causal and j > i. One thread per score:
// grid (T/256 rounded up, T, BH), so j = the thread's column, i = blockIdx.y, bh = blockIdx.z.
__global__ void attention_scores_naive(float* S, const float* Q, const float* K, int T, int D, float scale,
                                       bool causal) {
    const int j = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    const int i = static_cast<int>(blockIdx.y);
    const std::size_t bh = blockIdx.z;
    if (j >= T) return;
    const std::size_t out = (bh * T + i) * T + j;
    if (causal && j > i) {
        S[out] = -INFINITY;
        return;
    }
    const float* q = Q + (bh * T + i) * D;
    const float* k = K + (bh * T + j) * D;
    float dot = 0.0f;
    for (int c = 0; c < D; ++c) dot += q[c] * k[c];
    S[out] = dot * scale;
}

// P[r, :] = softmax(S[r, :]) in place, r over the BH·T rows:
//   P[r, j] = exp(S[r, j] − max) / Σ_j' exp(S[r, j'] − max),   max = max_j S[r, j]
// One thread per row. Subtracting the row's maximum keeps exp from overflowing; every row has at
// least one finite score (key 0 is visible to every query), so the maximum is finite.
__global__ void attention_softmax_naive(float* S, int rows, int T) {
    const int r = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    if (r >= rows) return;
    float* s = S + static_cast<std::size_t>(r) * T;
    float max = -INFINITY;
    for (int j = 0; j < T; ++j) max = fmaxf(max, s[j]);
    float sum = 0.0f;
    for (int j = 0; j < T; ++j) {
        s[j] = expf(s[j] - max);   // masked scores: exp(−∞) = 0
        sum += s[j];
    }
    for (int j = 0; j < T; ++j) s[j] /= sum;
}

// O[bh, i, c] = Σ_j P[bh, i, j] · V[bh, j, c]. One thread per output: grid (T·D/256 rounded up, BH),
// with c fastest so a warp reads one row of P (the same element, broadcast) and consecutive V elements.
__global__ void attention_pv_naive(float* O, const float* P, const float* V, int T, int D) {
    const int idx = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    const std::size_t bh = blockIdx.y;
    if (idx >= T * D) return;
    const int i = idx / D, c = idx % D;
    const float* p = P + (bh * T + i) * T;
    const float* v = V + bh * T * D + c;
    float sum = 0.0f;
    for (int j = 0; j < T; ++j) sum += p[j] * v[static_cast<std::size_t>(j) * D];
    O[(bh * T + i) * D + c] = sum;
}

// ---------------------------------------------------------------------------------------------------
// Flash: one launch; each block owns Br queries (one thread per query row) and streams the keys and
// values through shared memory in tiles of Bc rows. Per query row the thread keeps, in registers,
//   q[D]  its query,   o[D]  Σ_j exp(s_j − m) · v_j,   m  the largest score so far,   l  Σ_j exp(s_j − m),
// and for each tile of scores s_j (j in the tile) does the online softmax update
//   m_new = max(m, max_j s_j)
//   o     = o · exp(m − m_new) + Σ_j exp(s_j − m_new) · v_j
//   l     = l · exp(m − m_new) + Σ_j exp(s_j − m_new)
// so that at the end O_i = o / l = Σ_j softmax(s)_j · v_j, without the T × T scores ever leaving the chip.
//
// Registers: q, o and the tile's Bc scores are per-thread arrays, indexed only by fully unrolled loops,
// so they live in registers: D = 32 and 64 fit; with D = 128, q and o alone are 256 floats, more than
// the 255 registers a thread may have, so that instantiation spills to local memory (slower, still correct).
// Shared memory: K and V tiles, 2 · Bc · D floats = 32 KB for Bc = 32, D = 128 (under the 48 KB default).
// Grid: (T/Br rounded up, BH); block: Br threads. K, V, Q, O must be 16-byte aligned (float4 access).
template <int D, int Br, int Bc>
__global__ void __launch_bounds__(Br)
    attention_flash_kernel(float* O, const float* Q, const float* K, const float* V, int T, float scale, bool causal) {
    static_assert(D % 4 == 0, "rows are read as float4");
    constexpr int D4 = D / 4;   // a row of D floats is D4 float4s
    __shared__ float4 K_tile[Bc][D4];
    __shared__ float4 V_tile[Bc][D4];

    // The last query tiles see the most keys under a causal mask: launch them first, so the short
    // blocks fill the tail of the grid instead of the long ones.
    const int query_tile = static_cast<int>(gridDim.x - 1 - blockIdx.x);
    const int q0 = query_tile * Br;
    const int query = q0 + static_cast<int>(threadIdx.x);
    const bool has_query = query < T;   // rows past T compute on zeros and store nothing
    const std::size_t head_offset = static_cast<std::size_t>(blockIdx.y) * T * D4;   // in float4s
    const float4* Q4 = reinterpret_cast<const float4*>(Q) + head_offset;
    const float4* K4 = reinterpret_cast<const float4*>(K) + head_offset;
    const float4* V4 = reinterpret_cast<const float4*>(V) + head_offset;
    const float4 zero = make_float4(0.0f, 0.0f, 0.0f, 0.0f);

    float q[D];
#pragma unroll
    for (int c4 = 0; c4 < D4; ++c4) {
        const float4 x = has_query ? Q4[static_cast<std::size_t>(query) * D4 + c4] : zero;
        q[4 * c4 + 0] = x.x;
        q[4 * c4 + 1] = x.y;
        q[4 * c4 + 2] = x.z;
        q[4 * c4 + 3] = x.w;
    }
    float o[D];
#pragma unroll
    for (int c = 0; c < D; ++c) o[c] = 0.0f;
    float m = -INFINITY;
    float l = 0.0f;

    // Causal: no query of this block sees a key past its last query, so those tiles are skipped.
    // key_end is the same for every thread of the block, so all of them run the loop (and reach its
    // __syncthreads) equally often.
    const int key_end = causal ? min(T, q0 + Br) : T;
    for (int k0 = 0; k0 < key_end; k0 += Bc) {
        // The block loads the tile's Bc rows of K and V together: Bc·D consecutive floats in global
        // memory, thread t taking float4 number t, t + Br, ... (coalesced). Rows past T are zeros.
        for (int idx = static_cast<int>(threadIdx.x); idx < Bc * D4; idx += Br) {
            const int row = idx / D4, c4 = idx % D4;
            const int key = k0 + row;
            const std::size_t at = static_cast<std::size_t>(key) * D4 + c4;
            K_tile[row][c4] = key < T ? K4[at] : zero;
            V_tile[row][c4] = key < T ? V4[at] : zero;
        }
        __syncthreads();   // the tile is complete before anyone reads it

        // s_j = (q · k_j) · scale for the tile's keys, −∞ for keys past T and, with causal, past the
        // query. Every thread reads the same K row at a time: a shared-memory broadcast.
        float s[Bc];
        float tile_max = -INFINITY;
#pragma unroll
        for (int j = 0; j < Bc; ++j) {
            float dot = 0.0f;
#pragma unroll
            for (int c4 = 0; c4 < D4; ++c4) {
                const float4 k = K_tile[j][c4];
                dot += q[4 * c4 + 0] * k.x;
                dot += q[4 * c4 + 1] * k.y;
                dot += q[4 * c4 + 2] * k.z;
                dot += q[4 * c4 + 3] * k.w;
            }
            const int key = k0 + j;
            const bool visible = key < T && !(causal && key > query);
            s[j] = visible ? dot * scale : -INFINITY;
            tile_max = fmaxf(tile_max, s[j]);
        }

        // The online softmax update. While every key seen so far was masked, m_new is −∞ and
        // exp(s − m_new) would be exp(−∞ + ∞) = NaN: subtract 0 instead, which gives exp(−∞) = 0 for
        // every masked score. (It cannot happen for a row < T, since key 0 is in the first tile and
        // visible to every query, but the guard costs nothing and keeps the code obviously NaN-free.)
        const float m_new = fmaxf(m, tile_max);
        const float m_sub = m_new == -INFINITY ? 0.0f : m_new;
        const float alpha = expf(m - m_sub);   // 0 on the first tile, where m = −∞ and o = l = 0
        l *= alpha;
#pragma unroll
        for (int c = 0; c < D; ++c) o[c] *= alpha;
#pragma unroll
        for (int j = 0; j < Bc; ++j) {
            const float p = expf(s[j] - m_sub);   // masked keys: exp(−∞) = 0
            l += p;
#pragma unroll
            for (int c4 = 0; c4 < D4; ++c4) {
                const float4 v = V_tile[j][c4];
                o[4 * c4 + 0] += p * v.x;
                o[4 * c4 + 1] += p * v.y;
                o[4 * c4 + 2] += p * v.z;
                o[4 * c4 + 3] += p * v.w;
            }
        }
        m = m_new;
        __syncthreads();   // everyone is done with this tile before the next iteration overwrites it
    }

    // l ≥ 1: the row's largest visible score contributes exp(0) = 1.
    if (has_query) {
        float4* O4 = reinterpret_cast<float4*>(O) + head_offset + static_cast<std::size_t>(query) * D4;
#pragma unroll
        for (int c4 = 0; c4 < D4; ++c4)
            O4[c4] = make_float4(o[4 * c4 + 0] / l, o[4 * c4 + 1] / l, o[4 * c4 + 2] / l, o[4 * c4 + 3] / l);
    }
}

template <int D>
void launch_attention_flash(float* O, const float* Q, const float* K, const float* V, int BH, int T, float scale,
                            bool causal, cudaStream_t stream) {
    constexpr int Br = 64;   // queries per block (= threads per block)
    constexpr int Bc = 32;   // keys per shared-memory tile
    const dim3 grid(static_cast<unsigned>((T + Br - 1) / Br), static_cast<unsigned>(BH));
    attention_flash_kernel<D, Br, Bc><<<grid, Br, 0, stream>>>(O, Q, K, V, T, scale, causal);
    DL_CUDA_CHECK_LAUNCH("attention_flash_kernel");
}

// The checks both variants share: sizes that index safely and fit the grids.
void check_sizes(const char* what, int BH, int T, int D) {
    DL_CHECK(BH >= 1 && T >= 1 && D >= 1,
             what << ": sizes must be positive, got BH = " << BH << ", T = " << T << ", D = " << D);
    DL_CHECK(BH <= 65535, what << ": BH = " << BH << " is more than the grid's 65535 in y and z");
    DL_CHECK(static_cast<std::size_t>(T) * D <= 0x7fffffffu,
             what << ": T · D = " << static_cast<std::size_t>(T) * D << " does not fit an int");
}

float softmax_scale(int D) { return static_cast<float>(1.0 / std::sqrt(static_cast<double>(D))); }

}  // namespace

void attention_naive(float* O, const float* Q, const float* K, const float* V, int BH, int T, int D, bool causal,
                     cudaStream_t stream) {
    check_sizes("attention_naive", BH, T, D);
    DL_CHECK(T <= 65535, "attention_naive: T = " << T << " is more than the grid's 65535 in y");
    // The scores [BH, T, T] live in a work buffer kept between calls and grown, never shrunk, when a
    // call needs more (T = 4096, BH = 16: 1 GiB). One buffer for the whole program: calls on
    // different streams must not overlap, and it is freed only at exit.
    static DeviceBuffer<float> scores;
    const std::size_t n_scores = static_cast<std::size_t>(BH) * T * T;
    if (scores.size() < n_scores) {
        scores = DeviceBuffer<float>();   // free the old buffer before allocating the bigger one
        scores = DeviceBuffer<float>(n_scores);
    }
    float* S = scores.data();
    const float scale = softmax_scale(D);

    const dim3 score_grid(static_cast<unsigned>((T + kThreads - 1) / kThreads), static_cast<unsigned>(T),
                          static_cast<unsigned>(BH));
    attention_scores_naive<<<score_grid, kThreads, 0, stream>>>(S, Q, K, T, D, scale, causal);
    DL_CUDA_CHECK_LAUNCH("attention_scores_naive");

    const int rows = BH * T;
    attention_softmax_naive<<<(rows + kThreads - 1) / kThreads, kThreads, 0, stream>>>(S, rows, T);
    DL_CUDA_CHECK_LAUNCH("attention_softmax_naive");

    const dim3 pv_grid(static_cast<unsigned>((T * D + kThreads - 1) / kThreads), static_cast<unsigned>(BH));
    attention_pv_naive<<<pv_grid, kThreads, 0, stream>>>(O, S, V, T, D);
    DL_CUDA_CHECK_LAUNCH("attention_pv_naive");
}

void attention_flash(float* O, const float* Q, const float* K, const float* V, int BH, int T, int D, bool causal,
                     cudaStream_t stream) {
    check_sizes("attention_flash", BH, T, D);
    for (const void* p : {static_cast<const void*>(O), static_cast<const void*>(Q), static_cast<const void*>(K),
                          static_cast<const void*>(V)})
        DL_CHECK(reinterpret_cast<std::uintptr_t>(p) % 16 == 0,
                 "attention_flash: Q, K, V and O must be 16-byte aligned (read as float4); cudaMalloc's are");
    const float scale = softmax_scale(D);
    // The head size is a template argument (q and o are register arrays of D floats).
    if (D == 32)
        launch_attention_flash<32>(O, Q, K, V, BH, T, scale, causal, stream);
    else if (D == 64)
        launch_attention_flash<64>(O, Q, K, V, BH, T, scale, causal, stream);
    else if (D == 128)
        launch_attention_flash<128>(O, Q, K, V, BH, T, scale, causal, stream);
    else
        DL_THROW(ShapeError, "attention_flash: head size D = "
                                 << D << " is not supported; it takes D = 32, 64 or 128 (attention_naive takes any D)");
}

}  // namespace dl::cuda
