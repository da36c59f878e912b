// Layer-norm variants on matrices larger than the H100's 50 MB L2, so every row comes from device
// memory: a wide shape (4096 columns) and a narrow one (256 columns, where a warp per row beats a
// block per row). Each variant is checked against the naive one's output before it is timed; the
// yardstick is the device's copy bandwidth (X read once, Y written once; gamma and beta are small).
#include "bench.hpp"

#include "dl/cuda/buffer.hpp"
#include "dl/cuda/device.hpp"
#include "dl/cuda/layernorm.hpp"
#include "dl/rng.hpp"

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <utility>
#include <vector>

namespace dl::cuda::bench {

namespace {

// A wrong kernel lands near rel 1; two correct FP32 kernels differ by rounding, below 1e-4 at these lengths.
constexpr double kAgreeTol = 1e-3;
constexpr float kEps = 1e-5f;

void bench_shape(Bench& bench, int R, int C) {
    const std::size_t n = static_cast<std::size_t>(R) * static_cast<std::size_t>(C);
    Rng rng(7);
    const DeviceBuffer<float> X(random_inputs(n, rng));
    const DeviceBuffer<float> gamma(random_inputs(static_cast<std::size_t>(C), rng));
    const DeviceBuffer<float> beta(random_inputs(static_cast<std::size_t>(C), rng));
    DeviceBuffer<float> Y(n);

    std::vector<float> first_output;   // the first (naive) variant's: the others must agree with it
    for (const LayerNormVariant& variant : layernorm_variants) {
        auto run = [&] { variant.fn(Y.data(), X.data(), gamma.data(), beta.data(), R, C, kEps, nullptr); };
        Y.poison();
        run();
        DL_CUDA_CHECK(cudaDeviceSynchronize());
        std::vector<float> output = Y.download();
        if (first_output.empty()) {
            first_output = std::move(output);
        } else if (const double rel = relative_error(output, first_output); !(rel <= kAgreeTol)) {
            std::printf("ERROR layernorm %s is wrong: rel %.2e against %s on %dx%d (not timed)\n", variant.name, rel,
                        layernorm_variants[0].name, R, C);
            continue;
        }

        Row row;
        row.kernel = "layernorm";
        row.variant = variant.name;
        row.sizes = {R, C};
        row.ms = bench.time_ms(run);
        // X read once, Y written once, gamma and beta read once
        row.bytes = (2.0 * static_cast<double>(n) + 2.0 * C) * sizeof(float);
        row.ratio = row.bytes / (row.ms * 1e6) / bench.copy_gbps();
        row.ratio_of = "of copy BW";
        bench.add(row);
    }
}

}  // namespace

void bench_layernorm(Bench& bench) {
    if (bench.quick()) {
        bench_shape(bench, 2048, 4096);    // 32 MB
        bench_shape(bench, 32768, 256);    // 32 MB
    } else {
        bench_shape(bench, 16384, 4096);   // 256 MB
        bench_shape(bench, 262144, 256);   // 256 MB
    }
}

}  // namespace dl::cuda::bench
