#pragma once
// What the row kernels (softmax.cu, layernorm.cu) share: warp reductions, and reading or mapping a
// row with float4 accesses when its alignment allows, one float at a time when not.

#include <cstdint>

namespace dl::cuda {

inline constexpr unsigned kFullMask = 0xffffffffu;
inline constexpr int kWarpSize = 32;

// The largest value across the 32 lanes of a warp; every lane gets it (butterfly exchange).
__device__ inline float warp_max(float v) {
    for (int offset = kWarpSize / 2; offset > 0; offset /= 2) v = fmaxf(v, __shfl_xor_sync(kFullMask, v, offset));
    return v;
}

// The sum across the 32 lanes of a warp; every lane gets it.
__device__ inline float warp_sum(float v) {
    for (int offset = kWarpSize / 2; offset > 0; offset /= 2) v += __shfl_xor_sync(kFullMask, v, offset);
    return v;
}

// Calls visit(j, x[j]) for j = first, first + stride, ... below C. When `vectorised` (C % 4 == 0 and
// the row 16-byte aligned) it reads four floats per load, and first and stride count groups of four.
template <class Visit>
__device__ inline void for_each_in_row(const float* x, int C, int first, int stride, bool vectorised, Visit visit) {
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
__device__ inline void map_row(float* y, const float* x, int C, int first, int stride, bool vectorised, F f) {
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

inline bool is_16_byte_aligned(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

// float4 access needs every row of X and Y to start on a 16-byte boundary: the base pointers aligned and C % 4 == 0.
inline bool rows_allow_float4(float* Y, const float* X, int C) {
    return C % 4 == 0 && is_16_byte_aligned(Y) && is_16_byte_aligned(X);
}

}  // namespace dl::cuda
