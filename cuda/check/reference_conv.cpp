#include "reference_conv.hpp"

#include <cstddef>

namespace dl::cuda::reference {

std::vector<double> conv2d_forward(const std::vector<double>& X, const std::vector<double>& W,
                                   const std::vector<double>& b, const Conv2dShape& s) {
    const int OH = s.OH(), OW = s.OW();
    std::vector<double> Y(static_cast<std::size_t>(s.N) * s.K * OH * OW);
    auto x_at = [&](int n, int c, int y, int x) {
        if (y < 0 || y >= s.H || x < 0 || x >= s.W) return 0.0;   // the zero padding
        return X[((static_cast<std::size_t>(n) * s.C + c) * s.H + y) * s.W + x];
    };
    for (int n = 0; n < s.N; ++n)
        for (int k = 0; k < s.K; ++k)
            for (int oy = 0; oy < OH; ++oy)
                for (int ox = 0; ox < OW; ++ox) {
                    double acc = b[static_cast<std::size_t>(k)];
                    for (int c = 0; c < s.C; ++c)
                        for (int r = 0; r < s.R; ++r)
                            for (int q = 0; q < s.S; ++q)
                                acc += W[((static_cast<std::size_t>(k) * s.C + c) * s.R + r) * s.S + q] *
                                       x_at(n, c, oy * s.stride + r - s.pad, ox * s.stride + q - s.pad);
                    Y[((static_cast<std::size_t>(n) * s.K + k) * OH + oy) * OW + ox] = acc;
                }
    return Y;
}

}  // namespace dl::cuda::reference
