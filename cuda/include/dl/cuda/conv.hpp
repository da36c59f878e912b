#pragma once
// 2-D convolution, forward (chapter 5), NCHW:
//
//   Y[n, k, oy, ox] = b[k] + Σ_c Σ_r Σ_s W[k, c, r, s] · X[n, c, oy·stride + r − pad, ox·stride + s − pad]
//   X: [N, C, H, W]   W: [K, C, R, S]   b: [K]   Y: [N, K, OH, OW]   device memory
//   OH = (H + 2·pad − R) / stride + 1,  OW likewise; X is zero outside the image (the padding)

#include <cuda_runtime.h>

namespace dl::cuda {

struct Conv2dShape {
    int N, C, H, W;   // input
    int K, R, S;      // K filters of C × R × S
    int stride = 1, pad = 0;
    int OH() const { return (H + 2 * pad - R) / stride + 1; }
    int OW() const { return (W + 2 * pad - S) / stride + 1; }
};

using Conv2dFn = void (*)(float* Y, const float* X, const float* W, const float* b, const Conv2dShape& shape,
                          cudaStream_t stream);

// one thread per output element, the C·R·S sum read straight from device memory
void conv2d_forward_direct(float* Y, const float* X, const float* W, const float* b, const Conv2dShape& shape,
                           cudaStream_t stream);
// im2col: the batch unrolled on the device into a [C·R·S, N·OH·OW] matrix of patches (in a work buffer
// the function keeps and grows), one GEMM W · patches with the warp-tiled FP32 kernel, and a last
// pass that adds the bias and puts the result in NCHW order
void conv2d_forward_im2col(float* Y, const float* X, const float* W, const float* b, const Conv2dShape& shape,
                           cudaStream_t stream);

struct Conv2dVariant {
    const char* name;
    Conv2dFn fn;
};

inline constexpr Conv2dVariant conv2d_variants[] = {
    {"direct", &conv2d_forward_direct},
    {"im2col", &conv2d_forward_im2col},
};

}  // namespace dl::cuda
