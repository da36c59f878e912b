// The LSTM pointwise step, unfused against fused, with G larger than the H100's 50 MB L2 (B = H = 4096:
// G is 256 MB). The fused kernel moves the fewest bytes (G and c_prev read once, c and h written once);
// the unfused one moves about 2.6 times as many through its intermediates. The yardstick is the
// device's copy bandwidth. The fused variant is checked against the unfused one before it is timed.
#include "bench.hpp"

#include "dl/cuda/buffer.hpp"
#include "dl/cuda/device.hpp"
#include "dl/cuda/lstm.hpp"
#include "dl/rng.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <utility>
#include <vector>

namespace dl::cuda::bench {

namespace {

// A wrong kernel lands near rel 1; two correct variants differ by a few ulps at most.
constexpr double kAgreeTol = 1e-5;

void bench_shape(Bench& bench, int B, int H) {
    const std::size_t n = static_cast<std::size_t>(B) * static_cast<std::size_t>(H);
    Rng rng(7);
    const DeviceBuffer<float> G(random_inputs(4 * n, rng, -3.0, 3.0));
    const DeviceBuffer<float> c_prev(random_inputs(n, rng, -1.0, 1.0));
    DeviceBuffer<float> h(n), c(n);

    std::vector<float> first_h, first_c;   // the first (unfused) variant's: the others must agree with it
    for (const LstmPointwiseVariant& variant : lstm_pointwise_variants) {
        auto run = [&] { variant.fn(h.data(), c.data(), G.data(), c_prev.data(), B, H, nullptr); };
        h.poison();
        c.poison();
        run();
        DL_CUDA_CHECK(cudaDeviceSynchronize());
        std::vector<float> out_h = h.download(), out_c = c.download();
        if (first_h.empty()) {
            first_h = std::move(out_h);
            first_c = std::move(out_c);
        } else if (const double rel = std::max(relative_error(out_h, first_h), relative_error(out_c, first_c));
                   !(rel <= kAgreeTol)) {
            std::printf("ERROR lstm_pointwise %s is wrong: rel %.2e against %s on B=%d H=%d (not timed)\n",
                        variant.name, rel, lstm_pointwise_variants[0].name, B, H);
            continue;
        }

        Row row;
        row.kernel = "lstm_pointwise";
        row.variant = variant.name;
        row.sizes = {B, H};
        row.ms = bench.time_ms(run);
        row.bytes = 7.0 * static_cast<double>(n) * sizeof(float);   // G (4) and c_prev read, c and h written
        row.ratio = row.bytes / (row.ms * 1e6) / bench.copy_gbps();
        row.ratio_of = "of copy BW";
        bench.add(row);
    }
}

}  // namespace

void bench_lstm(Bench& bench) {
    if (bench.quick())
        bench_shape(bench, 1024, 1024);   // G: 16 MB
    else
        bench_shape(bench, 4096, 4096);   // G: 256 MB
}

}  // namespace dl::cuda::bench
