#include "reference_attention.hpp"

#include "dl/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace dl::cuda::reference {

std::vector<double> attention_forward(const std::vector<float>& Q, const std::vector<float>& K,
                                      const std::vector<float>& V, int BH, int T, int D, bool causal) {
    const std::size_t n = static_cast<std::size_t>(BH) * T * D;
    DL_CHECK(Q.size() == n && K.size() == n && V.size() == n,
             "attention_forward: Q, K, V must each hold BH·T·D = " << n << " values");
    const double scale = 1.0 / std::sqrt(static_cast<double>(D));
    std::vector<double> O(n, 0.0);
    std::vector<double> p(static_cast<std::size_t>(T));   // one row of scores, then of probabilities
    for (int bh = 0; bh < BH; ++bh) {
        const std::size_t head = static_cast<std::size_t>(bh) * T * D;
        for (int i = 0; i < T; ++i) {
            const int keys = causal ? i + 1 : T;   // the masked keys get probability exactly 0
            const float* q = &Q[head + static_cast<std::size_t>(i) * D];
            double max = -INFINITY;
            for (int j = 0; j < keys; ++j) {
                const float* k = &K[head + static_cast<std::size_t>(j) * D];
                double dot = 0.0;
                for (int c = 0; c < D; ++c) dot += static_cast<double>(q[c]) * static_cast<double>(k[c]);
                p[j] = dot * scale;
                max = std::max(max, p[j]);
            }
            double sum = 0.0;
            for (int j = 0; j < keys; ++j) {
                p[j] = std::exp(p[j] - max);
                sum += p[j];
            }
            double* o = &O[head + static_cast<std::size_t>(i) * D];
            for (int j = 0; j < keys; ++j) {
                const float* v = &V[head + static_cast<std::size_t>(j) * D];
                const double weight = p[j] / sum;
                for (int c = 0; c < D; ++c) o[c] += weight * static_cast<double>(v[c]);
            }
        }
    }
    return O;
}

}  // namespace dl::cuda::reference
