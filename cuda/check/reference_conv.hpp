#pragma once
// The float64 CPU reference of the convolution, until chapter 5 lands its own naive version in
// solutions/ (then the check compares with that one, like GEMM with chapter 2's gemm_naive).
#include "dl/cuda/conv.hpp"

#include <vector>

namespace dl::cuda::reference {

// Y[n, k, oy, ox] = b[k] + Σ_c Σ_r Σ_s W[k, c, r, s] · X[n, c, oy·stride + r − pad, ox·stride + s − pad]
std::vector<double> conv2d_forward(const std::vector<double>& X, const std::vector<double>& W,
                                   const std::vector<double>& b, const Conv2dShape& s);

}  // namespace dl::cuda::reference
