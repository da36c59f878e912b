#pragma once
// The first kernel, proving the plumbing: z = x + y on the device, one thread per element.
// Host pointers in and out (the function copies to and from the device).

#include <cstddef>

namespace dl::cuda {

void vector_add(const float* x, const float* y, float* z, std::size_t n);

}  // namespace dl::cuda
