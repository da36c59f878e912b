#include "reference_rows.hpp"

#include "dl/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

namespace dl::cuda::reference {

namespace {
std::size_t elements(int rows, int cols) { return static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols); }
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
}  // namespace

std::vector<double> softmax_rows(const std::vector<float>& X, int R, int C) {
    DL_CHECK(R >= 0 && C >= 0 && X.size() == elements(R, C),
             "softmax_rows: X has " << X.size() << " elements, expected R x C = " << R << " x " << C);
    const std::vector<double> Xd(X.begin(), X.end());
    std::vector<double> Y(X.size());
    for (std::size_t r = 0; r < static_cast<std::size_t>(R); ++r) {
        const double* x = Xd.data() + r * C;
        double* y = Y.data() + r * C;
        double m = -std::numeric_limits<double>::infinity();
        for (int j = 0; j < C; ++j) m = std::max(m, x[j]);
        double sum = 0.0;
        for (int j = 0; j < C; ++j) sum += std::exp(x[j] - m);
        for (int j = 0; j < C; ++j) y[j] = std::exp(x[j] - m) / sum;
    }
    return Y;
}

std::vector<double> layernorm_rows(const std::vector<float>& X, const std::vector<float>& gamma,
                                   const std::vector<float>& beta, int R, int C, double eps) {
    DL_CHECK(R >= 0 && C >= 0 && X.size() == elements(R, C) && gamma.size() == static_cast<std::size_t>(C) &&
                 beta.size() == static_cast<std::size_t>(C),
             "layernorm_rows: X has " << X.size() << " elements, gamma " << gamma.size() << ", beta " << beta.size()
                                      << "; expected R x C = " << R << " x " << C);
    const std::vector<double> Xd(X.begin(), X.end()), g(gamma.begin(), gamma.end()), b(beta.begin(), beta.end());
    std::vector<double> Y(X.size());
    for (std::size_t r = 0; r < static_cast<std::size_t>(R); ++r) {
        const double* x = Xd.data() + r * C;
        double* y = Y.data() + r * C;
        double mean = 0.0;
        for (int j = 0; j < C; ++j) mean += x[j];
        mean /= C;
        double var = 0.0;
        for (int j = 0; j < C; ++j) var += (x[j] - mean) * (x[j] - mean);
        var /= C;
        const double inv_std = 1.0 / std::sqrt(var + eps);
        for (int j = 0; j < C; ++j) y[j] = (x[j] - mean) * inv_std * g[j] + b[j];
    }
    return Y;
}

LstmPointwiseResult lstm_pointwise(const std::vector<float>& G, const std::vector<float>& c_prev, int B, int H) {
    DL_CHECK(B >= 0 && H >= 0 && G.size() == 4 * elements(B, H) && c_prev.size() == elements(B, H),
             "lstm_pointwise: G has " << G.size() << " elements, c_prev " << c_prev.size()
                                      << "; expected [B, 4H] and [B, H] with B = " << B << ", H = " << H);
    LstmPointwiseResult out{std::vector<double>(c_prev.size()), std::vector<double>(c_prev.size()),
                            std::vector<double>(c_prev.size())};
    const std::vector<double> Gd(G.begin(), G.end()), c_prev_d(c_prev.begin(), c_prev.end());
    for (std::size_t b = 0; b < static_cast<std::size_t>(B); ++b) {
        const double* gates = Gd.data() + b * 4 * H;
        for (std::size_t j = 0; j < static_cast<std::size_t>(H); ++j) {
            const double i = sigmoid(gates[j]);
            const double f = sigmoid(gates[H + j]);
            const double g = std::tanh(gates[2 * H + j]);
            const double o = sigmoid(gates[3 * H + j]);
            const std::size_t k = b * H + j;
            out.c[k] = f * c_prev_d[k] + i * g;
            out.c_terms[k] = std::abs(f * c_prev_d[k]) + std::abs(i * g);
            out.h[k] = o * std::tanh(out.c[k]);
        }
    }
    return out;
}

}  // namespace dl::cuda::reference
