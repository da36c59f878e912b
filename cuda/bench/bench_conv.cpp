// Convolution: the direct kernel against im2col + GEMM on three layers of the kind chapter 5 trains
// and a ResNet-sized one. im2col's output is compared with the direct kernel's before it is timed.
#include "bench.hpp"
#include "dl/cuda/buffer.hpp"
#include "dl/cuda/conv.hpp"
#include "dl/rng.hpp"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <vector>

namespace dl::cuda::bench {

void bench_conv(Bench& bench) {
    Rng rng(11);
    std::vector<Conv2dShape> shapes = {
        {256, 1, 28, 28, 32, 5, 5, 1, 2},   // chapter 5's first layer, a batch of Fashion-MNIST
        {256, 32, 14, 14, 64, 3, 3, 1, 1},  // its second layer
        {32, 64, 56, 56, 64, 3, 3, 1, 1},   // a ResNet-50 3x3 layer
    };
    if (bench.quick()) shapes.resize(2);
    for (const Conv2dShape& s : shapes) {
        const auto y_size = static_cast<std::size_t>(s.N) * s.K * s.OH() * s.OW();
        DeviceBuffer<float> X(random_inputs(static_cast<std::size_t>(s.N) * s.C * s.H * s.W, rng));
        DeviceBuffer<float> W(random_inputs(static_cast<std::size_t>(s.K) * s.C * s.R * s.S, rng));
        DeviceBuffer<float> b(random_inputs(static_cast<std::size_t>(s.K), rng)), Y(y_size);
        const double flops = 2.0 * double(y_size) * s.C * s.R * s.S;
        const double bytes = 4.0 * (double(X.size()) + double(W.size()) + double(y_size));
        std::vector<float> direct_out;
        double direct_ms = 0.0;
        for (const Conv2dVariant& v : conv2d_variants) {
            Y.poison();
            v.fn(Y.data(), X.data(), W.data(), b.data(), s, nullptr);
            DL_CUDA_CHECK(cudaDeviceSynchronize());
            if (direct_out.empty()) {
                direct_out = Y.download();
            } else {
                const double rel = relative_error(Y.download(), direct_out),
                             tol = 16.0 * std::sqrt(double(s.C) * s.R * s.S) * static_cast<double>(FLT_EPSILON);
                if (!(rel <= tol)) {
                    std::printf("ERROR conv %s is wrong: rel %.2e against direct (tol %.1e); not timed\n", v.name, rel,
                                tol);
                    continue;
                }
            }
            const double ms = bench.time_ms([&] { v.fn(Y.data(), X.data(), W.data(), b.data(), s, nullptr); });
            if (direct_ms == 0.0) direct_ms = ms;
            bench.add({"conv", v.name, {s.N, s.C, s.H, s.K, s.R}, ms, flops, bytes, direct_ms / ms, "x direct"});
        }
    }
}

}  // namespace dl::cuda::bench
