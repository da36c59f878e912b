#pragma once
// Device memory that frees itself, with the three moves every check and benchmark makes:
// upload host data, poison (so an element a kernel forgets to write shows up as NaN), download.

#include "dl/cuda/device.hpp"
#include "dl/error.hpp"

#include <cuda_runtime.h>

#include <cstddef>
#include <utility>
#include <vector>

namespace dl::cuda {

template <class T>
class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(std::size_t n) : n_(n) {
        if (n_ > 0) DL_CUDA_CHECK(cudaMalloc(&data_, n_ * sizeof(T)));
    }
    explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { upload(host); }
    DeviceBuffer(DeviceBuffer&& other) noexcept
        : data_(std::exchange(other.data_, nullptr)), n_(std::exchange(other.n_, 0)) {}
    DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
        std::swap(data_, other.data_);
        std::swap(n_, other.n_);
        return *this;
    }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    ~DeviceBuffer() { cudaFree(data_); }   // no check: a destructor must not throw

    T* data() { return data_; }
    const T* data() const { return data_; }
    std::size_t size() const { return n_; }
    std::size_t bytes() const { return n_ * sizeof(T); }

    void upload(const std::vector<T>& host) {
        DL_CHECK(host.size() == n_, "upload of " << host.size() << " elements into a buffer of " << n_);
        if (n_ > 0) DL_CUDA_CHECK(cudaMemcpy(data_, host.data(), bytes(), cudaMemcpyHostToDevice));
    }
    std::vector<T> download() const {
        std::vector<T> host(n_);
        if (n_ > 0) DL_CUDA_CHECK(cudaMemcpy(host.data(), data_, bytes(), cudaMemcpyDeviceToHost));
        return host;
    }
    // Every byte 0xFF: for float that is a NaN, so an unwritten output element cannot pass a check.
    void poison() {
        if (n_ > 0) DL_CUDA_CHECK(cudaMemset(data_, 0xFF, bytes()));
    }

private:
    T* data_ = nullptr;
    std::size_t n_ = 0;
};

}  // namespace dl::cuda
