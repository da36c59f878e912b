#pragma once
// The pointwise part of one LSTM time step (chapter 6), after the matrix products have produced the
// gate pre-activations G = X_t · W_xᵀ + H_{t−1} · W_hᵀ + b:
//
//   G: [B, 4H], each row the four gates' pre-activations in the order i, f, g, o (PyTorch's)
//   i = σ(G_i)   f = σ(G_f)   g = tanh(G_g)   o = σ(G_o)
//   c = f ⊙ c_prev + i ⊙ g           h = o ⊙ tanh(c)
//   c_prev, c, h: [B, H]; device memory
//
// The work is a handful of flops per element: the kernel is memory bound, and fusing is the lesson.

#include <cuda_runtime.h>

namespace dl::cuda {

using LstmPointwiseFn = void (*)(float* h, float* c, const float* G, const float* c_prev, int B, int H,
                                 cudaStream_t stream);

// one launch per operation (the activations, the cell update, tanh(c), the output), each reading its
// inputs from and writing its result to device memory, as a framework without fusion runs it
void lstm_pointwise_unfused(float* h, float* c, const float* G, const float* c_prev, int B, int H,
                            cudaStream_t stream);
// one kernel, one thread per (b, j): reads the four gates and c_prev once, writes c and h once
void lstm_pointwise_fused(float* h, float* c, const float* G, const float* c_prev, int B, int H,
                          cudaStream_t stream);

struct LstmPointwiseVariant {
    const char* name;
    LstmPointwiseFn fn;
};

inline constexpr LstmPointwiseVariant lstm_pointwise_variants[] = {
    {"unfused", &lstm_pointwise_unfused},
    {"fused", &lstm_pointwise_fused},
};

}  // namespace dl::cuda
