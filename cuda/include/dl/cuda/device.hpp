#pragma once
// The CUDA plumbing: checked calls, device discovery, and a device buffer.
// Every CUDA call goes through DL_CUDA_CHECK and every launch is followed by DL_CUDA_CHECK_LAUNCH,
// so an error names the call, the file and the line instead of surfacing later as garbage.

#include <cstddef>
#include <string>

namespace dl::cuda {

// Whether a usable GPU is present; when not, `reason` says why (no driver, no device, ...).
bool device_available(std::string* reason = nullptr);

// "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs)"
std::string device_description();

// Throws dl::Error "<what> failed: <CUDA error string> at file:line" unless status is success.
void check_status(int status, const char* what, const char* file, int line);
// Checks the last kernel launch (cudaGetLastError) and, in debug builds, waits for it to finish.
void check_launch(const char* kernel, const char* file, int line);

}  // namespace dl::cuda

#define DL_CUDA_CHECK(call) ::dl::cuda::check_status(static_cast<int>(call), #call, __FILE__, __LINE__)
#define DL_CUDA_CHECK_LAUNCH(kernel) ::dl::cuda::check_launch(kernel, __FILE__, __LINE__)
