#include "dl/cuda/device.hpp"
#include "dl/cuda/vector_add.hpp"

#include <cuda_runtime.h>

namespace dl::cuda {

namespace {
// z_i = x_i + y_i, one thread per element; the guard covers the last, partly filled block.
__global__ void vector_add_kernel(const float* x, const float* y, float* z, std::size_t n) {
    const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) z[i] = x[i] + y[i];
}
}  // namespace

void vector_add(const float* x, const float* y, float* z, std::size_t n) {
    if (n == 0) return;
    const std::size_t bytes = n * sizeof(float);
    float *dx = nullptr, *dy = nullptr, *dz = nullptr;
    DL_CUDA_CHECK(cudaMalloc(&dx, bytes));
    DL_CUDA_CHECK(cudaMalloc(&dy, bytes));
    DL_CUDA_CHECK(cudaMalloc(&dz, bytes));
    DL_CUDA_CHECK(cudaMemcpy(dx, x, bytes, cudaMemcpyHostToDevice));
    DL_CUDA_CHECK(cudaMemcpy(dy, y, bytes, cudaMemcpyHostToDevice));
    constexpr unsigned threads = 256;
    const auto blocks = static_cast<unsigned>((n + threads - 1) / threads);
    vector_add_kernel<<<blocks, threads>>>(dx, dy, dz, n);
    DL_CUDA_CHECK_LAUNCH("vector_add_kernel");
    DL_CUDA_CHECK(cudaMemcpy(z, dz, bytes, cudaMemcpyDeviceToHost));
    DL_CUDA_CHECK(cudaFree(dx));
    DL_CUDA_CHECK(cudaFree(dy));
    DL_CUDA_CHECK(cudaFree(dz));
}

}  // namespace dl::cuda
