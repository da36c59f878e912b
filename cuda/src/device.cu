#include "dl/cuda/device.hpp"
#include "dl/error.hpp"

#include <cuda_runtime.h>

#include <sstream>

namespace dl::cuda {

bool device_available(std::string* reason) {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
        // cudaErrorInsufficientDriver / cudaErrorNoDevice on a machine without a GPU.
        if (reason) *reason = std::string("no usable CUDA device: ") + cudaGetErrorString(status);
        cudaGetLastError();   // clear the sticky error
        return false;
    }
    if (count == 0) {
        if (reason) *reason = "no CUDA device found";
        return false;
    }
    return true;
}

std::string device_description() {
    int device = 0;
    DL_CUDA_CHECK(cudaGetDevice(&device));
    cudaDeviceProp prop{};
    DL_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    std::ostringstream out;
    out << prop.name << " (sm_" << prop.major << prop.minor << ", " << prop.multiProcessorCount << " SMs)";
    return out.str();
}

void check_status(int status, const char* what, const char* file, int line) {
    if (status == static_cast<int>(cudaSuccess)) return;
    DL_THROW(Error, what << " failed: " << cudaGetErrorString(static_cast<cudaError_t>(status)) << " at " << file
                         << ':' << line);
}

void check_launch(const char* kernel, const char* file, int line) {
    check_status(static_cast<int>(cudaGetLastError()), kernel, file, line);
#ifndef NDEBUG
    check_status(static_cast<int>(cudaDeviceSynchronize()), kernel, file, line);
#endif
}

}  // namespace dl::cuda
