#pragma once
// Float64 reference of scaled dot-product attention, the yardstick of cuda_check's attention family.

#include <vector>

namespace dl::cuda::reference {

// O = softmax(Q · Kᵀ / sqrt(D) + M) · V, computed in float64, per head.
//   Q, K, V: [BH, T, D] row-major        returns O: [BH, T, D]
//   M: 0, or with `causal` −∞ above the diagonal (query i sees keys j ≤ i)
std::vector<double> attention_forward(const std::vector<float>& Q, const std::vector<float>& K,
                                      const std::vector<float>& V, int BH, int T, int D, bool causal);

}  // namespace dl::cuda::reference
