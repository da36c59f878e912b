#pragma once
// Float64 CPU references of the row-wise kernels (softmax, layer normalisation) and of the LSTM's
// pointwise step, for cuda_check to compare the FP32 device kernels with. Inputs are the very floats
// the device saw; everything after is done in double, so the reference's own error (~1e-16) is
// negligible against any FP32 tolerance.

#include <vector>

namespace dl::cuda::reference {

// Y[r, j] = exp(X[r, j] − m_r) / Σ_k exp(X[r, k] − m_r)      m_r = max_k X[r, k]
//   X, Y: [R, C] row-major
std::vector<double> softmax_rows(const std::vector<float>& X, int R, int C);

// Y[r, j] = (X[r, j] − μ_r) / sqrt(σ²_r + eps) · gamma[j] + beta[j]
//   μ_r = mean_j X[r, j]    σ²_r = mean_j (X[r, j] − μ_r)²  (biased)
//   X, Y: [R, C] row-major; gamma, beta: [C]
std::vector<double> layernorm_rows(const std::vector<float>& X, const std::vector<float>& gamma,
                                   const std::vector<float>& beta, int R, int C, double eps);

// One LSTM step's pointwise part, gates in PyTorch's order i, f, g, o:
//   i = σ(G_i)  f = σ(G_f)  g = tanh(G_g)  o = σ(G_o)     c = f ⊙ c_prev + i ⊙ g     h = o ⊙ tanh(c)
//   G: [B, 4H]; c_prev, c, h: [B, H]
struct LstmPointwiseResult {
    std::vector<double> h, c;
    // |f ⊙ c_prev| + |i ⊙ g|, the size of the two terms c sums: where they nearly cancel, c is small and
    // an FP32 c carries a larger relative error (the check scales its tolerance by this).
    std::vector<double> c_terms;
};
LstmPointwiseResult lstm_pointwise(const std::vector<float>& G, const std::vector<float>& c_prev, int B, int H);

}  // namespace dl::cuda::reference
