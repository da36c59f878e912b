// The pointwise part of one LSTM step, unfused and fused (dl/cuda/lstm.hpp):
//
//   G: [B, 4H], row b = [G_i | G_f | G_g | G_o], each H wide
//   i = σ(G_i)   f = σ(G_f)   g = tanh(G_g)   o = σ(G_o)      σ(x) = 1 / (1 + exp(−x))
//   c = f ⊙ c_prev + i ⊙ g           h = o ⊙ tanh(c)           c_prev, c, h: [B, H]
//
// Both variants do the same arithmetic in the same order (expf and tanhf are within 2 ulp); they
// differ only in how often the values travel through device memory: the unfused variant moves
// 18 floats per (b, j), the fused one 7 (4 gates and c_prev in, c and h out).
#include "dl/cuda/lstm.hpp"

#include "dl/cuda/buffer.hpp"
#include "dl/cuda/device.hpp"
#include "dl/error.hpp"

#include <cstddef>

namespace dl::cuda {

namespace {

constexpr int kThreads = 256;

__device__ float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

// One thread per element: enough blocks to cover n elements.
unsigned blocks_for(std::size_t n) { return static_cast<unsigned>((n - 1) / kThreads + 1); }

__device__ std::size_t global_thread_index() {
    return static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}

// ---- unfused: one kernel per operation, every intermediate through device memory ------------

// A = act(G): σ on the i, f and o gates, tanh on the g gate.   G, A: [B, 4H], n = 4·B·H
// Element k of G is gate (k / H) mod 4 of its row.
__global__ void lstm_gate_activations_kernel(float* A, const float* G, std::size_t n, int H) {
    const std::size_t k = global_thread_index();
    if (k >= n) return;
    const bool is_g_gate = (k / H) % 4 == 2;
    A[k] = is_g_gate ? tanhf(G[k]) : sigmoid(G[k]);
}

// c = f ⊙ c_prev + i ⊙ g, with i, f, g read from the activated gates A: [B, 4H].   n = B·H
__global__ void lstm_cell_update_kernel(float* c, const float* A, const float* c_prev, std::size_t n, int H) {
    const std::size_t k = global_thread_index();
    if (k >= n) return;
    const std::size_t b = k / H, j = k % H;
    const float* gates = A + b * 4 * H;
    c[k] = gates[H + j] * c_prev[k] + gates[j] * gates[2 * H + j];
}

// T = tanh(c).   n = B·H
__global__ void tanh_kernel(float* T, const float* c, std::size_t n) {
    const std::size_t k = global_thread_index();
    if (k >= n) return;
    T[k] = tanhf(c[k]);
}

// h = o ⊙ T, with o read from the activated gates A: [B, 4H].   n = B·H
__global__ void lstm_output_kernel(float* h, const float* A, const float* T, std::size_t n, int H) {
    const std::size_t k = global_thread_index();
    if (k >= n) return;
    const std::size_t b = k / H, j = k % H;
    h[k] = A[b * 4 * H + 3 * H + j] * T[k];
}

// ---- fused: one kernel, one thread per (b, j) -----------------------------------------------

// Thread k = b·H + j reads G[b, j], G[b, H + j], G[b, 2H + j], G[b, 3H + j] and c_prev[k] once and
// writes c[k] and h[k] once; neighbouring threads touch neighbouring addresses in all seven streams.
__global__ void lstm_pointwise_fused_kernel(float* h, float* c, const float* G, const float* c_prev, std::size_t n,
                                            int H) {
    const std::size_t k = global_thread_index();
    if (k >= n) return;
    const std::size_t b = k / H, j = k % H;
    const float* gates = G + b * 4 * H;
    const float i = sigmoid(gates[j]);
    const float f = sigmoid(gates[H + j]);
    const float g = tanhf(gates[2 * H + j]);
    const float o = sigmoid(gates[3 * H + j]);
    const float c_new = f * c_prev[k] + i * g;
    c[k] = c_new;
    h[k] = o * tanhf(c_new);
}

void check_sizes(int B, int H) {
    DL_CHECK(B >= 0 && H >= 0, "lstm_pointwise: B = " << B << ", H = " << H << "; sizes must not be negative");
}

}  // namespace

void lstm_pointwise_unfused(float* h, float* c, const float* G, const float* c_prev, int B, int H,
                            cudaStream_t stream) {
    check_sizes(B, H);
    const std::size_t n = static_cast<std::size_t>(B) * static_cast<std::size_t>(H);
    if (n == 0) return;
    // The intermediates, A = act(G): [B, 4H] and T = tanh(c): [B, H], live in one work buffer kept
    // between calls and reallocated only when a call needs more (grow-only: a training loop calls this
    // every time step with the same shape). A cache, so not safe to call from two host threads at once,
    // nor concurrently on two streams; cudaFree (in the reallocation) waits for kernels still using it.
    static DeviceBuffer<float> work;
    if (work.size() < 5 * n) work = DeviceBuffer<float>(5 * n);
    float* A = work.data();
    float* T = work.data() + 4 * n;

    lstm_gate_activations_kernel<<<blocks_for(4 * n), kThreads, 0, stream>>>(A, G, 4 * n, H);
    DL_CUDA_CHECK_LAUNCH("lstm_gate_activations_kernel");
    lstm_cell_update_kernel<<<blocks_for(n), kThreads, 0, stream>>>(c, A, c_prev, n, H);
    DL_CUDA_CHECK_LAUNCH("lstm_cell_update_kernel");
    tanh_kernel<<<blocks_for(n), kThreads, 0, stream>>>(T, c, n);
    DL_CUDA_CHECK_LAUNCH("tanh_kernel");
    lstm_output_kernel<<<blocks_for(n), kThreads, 0, stream>>>(h, A, T, n, H);
    DL_CUDA_CHECK_LAUNCH("lstm_output_kernel");
}

void lstm_pointwise_fused(float* h, float* c, const float* G, const float* c_prev, int B, int H,
                          cudaStream_t stream) {
    check_sizes(B, H);
    const std::size_t n = static_cast<std::size_t>(B) * static_cast<std::size_t>(H);
    if (n == 0) return;
    lstm_pointwise_fused_kernel<<<blocks_for(n), kThreads, 0, stream>>>(h, c, G, c_prev, n, H);
    DL_CUDA_CHECK_LAUNCH("lstm_pointwise_fused_kernel");
}

}  // namespace dl::cuda
