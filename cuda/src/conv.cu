// 2-D convolution forward, NCHW (dl/cuda/conv.hpp): the direct loops, and im2col + GEMM.
#include "dl/cuda/buffer.hpp"
#include "dl/cuda/conv.hpp"
#include "dl/cuda/device.hpp"
#include "dl/cuda/gemm.hpp"
#include "dl/error.hpp"

namespace dl::cuda {

namespace {

constexpr int kThreads = 256;

unsigned blocks_for(std::size_t n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

void check_shape(const Conv2dShape& s) {
    DL_CHECK(s.N >= 0 && s.C > 0 && s.H > 0 && s.W > 0 && s.K > 0 && s.R > 0 && s.S > 0,
             "conv2d: every size must be positive (N may be 0)");
    DL_CHECK(s.stride > 0 && s.pad >= 0, "conv2d: stride " << s.stride << " must be positive, pad " << s.pad
                                                           << " non-negative");
    DL_CHECK(s.H + 2 * s.pad >= s.R && s.W + 2 * s.pad >= s.S,
             "conv2d: the " << s.R << "x" << s.S << " filter is larger than the padded " << s.H << "x" << s.W
                            << " image");
}

// One thread per output element: Y[n, k, oy, ox] = b[k] + Σ_c Σ_r Σ_s W[k, c, r, s] · X[n, c, iy, ix],
// iy = oy·stride + r − pad, ix = ox·stride + s − pad, skipping the padding (where X is zero).
__global__ void conv2d_direct_kernel(float* Y, const float* X, const float* W, const float* b, Conv2dShape s,
                                     int OH, int OW) {
    const std::size_t idx = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    const std::size_t total = static_cast<std::size_t>(s.N) * s.K * OH * OW;
    if (idx >= total) return;
    const int ox = static_cast<int>(idx % OW), oy = static_cast<int>(idx / OW % OH);
    const int k = static_cast<int>(idx / (static_cast<std::size_t>(OW) * OH) % s.K);
    const int n = static_cast<int>(idx / (static_cast<std::size_t>(OW) * OH * s.K));
    float acc = b[k];
    for (int c = 0; c < s.C; ++c) {
        const float* x = X + (static_cast<std::size_t>(n) * s.C + c) * s.H * s.W;
        const float* w = W + (static_cast<std::size_t>(k) * s.C + c) * s.R * s.S;
        for (int r = 0; r < s.R; ++r) {
            const int iy = oy * s.stride + r - s.pad;
            if (iy < 0 || iy >= s.H) continue;
            for (int q = 0; q < s.S; ++q) {
                const int ix = ox * s.stride + q - s.pad;
                if (ix >= 0 && ix < s.W) acc += w[r * s.S + q] * x[iy * s.W + ix];
            }
        }
    }
    Y[idx] = acc;
}

// im2col for the whole batch: col[(c·R + r)·S + q, n·OH·OW + oy·OW + ox] = X[n, c, iy, ix] (0 in the
// padding). One thread per element of the [C·R·S, N·OH·OW] matrix; consecutive threads take
// consecutive ox, so the writes coalesce and the reads nearly do (stride apart).
__global__ void im2col_kernel(float* col, const float* X, Conv2dShape s, int OH, int OW) {
    const std::size_t idx = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    const std::size_t P = static_cast<std::size_t>(OH) * OW, NP = P * s.N;
    if (idx >= static_cast<std::size_t>(s.C) * s.R * s.S * NP) return;
    const std::size_t j = idx % NP;
    const int row = static_cast<int>(idx / NP), n = static_cast<int>(j / P), p = static_cast<int>(j % P);
    const int q = row % s.S, r = row / s.S % s.R, c = row / (s.S * s.R);
    const int iy = p / OW * s.stride + r - s.pad, ix = p % OW * s.stride + q - s.pad;
    col[idx] = (iy >= 0 && iy < s.H && ix >= 0 && ix < s.W)
                   ? X[((static_cast<std::size_t>(n) * s.C + c) * s.H + iy) * s.W + ix]
                   : 0.0f;
}

// The GEMM's output is [K, N·P]; the layer's is [N, K, P]: Y[n, k, p] = Yt[k, n·P + p] + b[k].
__global__ void scatter_add_bias_kernel(float* Y, const float* Yt, const float* b, int N, int K, std::size_t P) {
    const std::size_t idx = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (idx >= static_cast<std::size_t>(N) * K * P) return;
    const std::size_t p = idx % P;
    const int k = static_cast<int>(idx / P % static_cast<std::size_t>(K)), n = static_cast<int>(idx / P / K);
    Y[idx] = Yt[(static_cast<std::size_t>(k) * N + n) * P + p] + b[k];
}

}  // namespace

void conv2d_forward_direct(float* Y, const float* X, const float* W, const float* b, const Conv2dShape& s,
                           cudaStream_t stream) {
    check_shape(s);
    const int OH = s.OH(), OW = s.OW();
    const std::size_t total = static_cast<std::size_t>(s.N) * s.K * OH * OW;
    if (total == 0) return;
    conv2d_direct_kernel<<<blocks_for(total), kThreads, 0, stream>>>(Y, X, W, b, s, OH, OW);
    DL_CUDA_CHECK_LAUNCH("conv2d_direct_kernel");
}

void conv2d_forward_im2col(float* Y, const float* X, const float* W, const float* b, const Conv2dShape& s,
                           cudaStream_t stream) {
    check_shape(s);
    const int OH = s.OH(), OW = s.OW(), CRS = s.C * s.R * s.S;
    const std::size_t P = static_cast<std::size_t>(OH) * OW, NP = P * s.N, total = NP * s.K;
    if (total == 0) return;
    DL_CHECK(NP <= 0x7fffffff, "conv2d_forward_im2col: N·OH·OW = " << NP << " is too large for one GEMM");
    // The patches [C·R·S, N·P] and the GEMM's output [K, N·P], in one work buffer kept between calls
    // and grown when a larger convolution comes (allocating on every call would cost more than the work).
    static DeviceBuffer<float> work;
    const std::size_t col_size = static_cast<std::size_t>(CRS) * NP;
    if (work.size() < col_size + total) {
        DL_CUDA_CHECK(cudaStreamSynchronize(stream));   // a previous call may still be reading the old one
        work = DeviceBuffer<float>(col_size + total);
    }
    float* col = work.data();
    float* Yt = work.data() + col_size;
    im2col_kernel<<<blocks_for(col_size), kThreads, 0, stream>>>(col, X, s, OH, OW);
    DL_CUDA_CHECK_LAUNCH("im2col_kernel");
    // Yt [K, N·P] = W [K, C·R·S] · col [C·R·S, N·P]: one GEMM for the whole batch. With few filters a
    // 128-row tile would be mostly empty, so K ≤ 64 takes the 64-row configuration.
    const GemmFn gemm = s.K <= 64 ? &gemm_warptiled_64x128_k16_t128 : &gemm_warptiled;
    gemm(s.K, static_cast<int>(NP), CRS, 1.0f, W, col, 0.0f, Yt, stream);
    scatter_add_bias_kernel<<<blocks_for(total), kThreads, 0, stream>>>(Y, Yt, b, s.N, s.K, P);
    DL_CUDA_CHECK_LAUNCH("scatter_add_bias_kernel");
}

}  // namespace dl::cuda
