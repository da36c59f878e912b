// Attention: every variant against the naive one (the yardstick), BH = 16 heads (batch 2 × 8 heads)
// of size D = 64, at T = 1024 and 4096, with and without the causal mask.
//
//   flops = 4 · BH · T² · D     (Q·Kᵀ and P·V, 2·T²·D each per head; half of it with causal)
//   bytes = 4 · BH · T · D · 4  (read Q, K, V once, write O once: the least any version can move)
//
// The naive version at T = 4096 writes and rereads 1 GiB of scores and is slow: it is timed only
// the harness's minimum (a warm-up and 3 calls), and the whole family stays within ~20 s.
#include "bench.hpp"

#include "dl/cuda/attention.hpp"
#include "dl/cuda/buffer.hpp"
#include "dl/cuda/device.hpp"
#include "dl/rng.hpp"

#include <cuda_runtime.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace dl::cuda::bench {

void bench_attention(Bench& bench) {
    const int BH = 16, D = 64;
    const std::vector<int> lengths = bench.quick() ? std::vector<int>{1024} : std::vector<int>{1024, 4096};
    Rng rng(2026);

    for (const int T : lengths) {
        const std::size_t n = static_cast<std::size_t>(BH) * T * D;
        DeviceBuffer<float> Q(random_inputs(n, rng)), K(random_inputs(n, rng)), V(random_inputs(n, rng));
        DeviceBuffer<float> O(n);
        // Each of the two FP32 results may be fp32_tol(T + D) (cuda_check's bound) from the exact
        // one, so they may differ by twice that: 1.2e-4 at T = 4096. A wrong kernel is off by ~1.
        const double tolerance = 2.0 * (8.0 * std::sqrt(T + D + 1.0) * static_cast<double>(FLT_EPSILON) + 1e-6);

        for (const bool causal : {false, true}) {
            const double flops = (causal ? 2.0 : 4.0) * BH * static_cast<double>(T) * T * D;
            const double bytes = 4.0 * static_cast<double>(n) * sizeof(float);
            const std::string suffix = causal ? "_causal" : "";
            auto run = [&](AttentionFn fn) { fn(O.data(), Q.data(), K.data(), V.data(), BH, T, D, causal, nullptr); };

            // The yardstick: its output is what every other variant must reproduce.
            O.poison();
            run(&attention_naive);
            DL_CUDA_CHECK(cudaDeviceSynchronize());
            const std::vector<float> expected = O.download();
            const double naive_ms = bench.time_ms([&] { run(&attention_naive); });
            bench.add({.kernel = "attention",
                       .variant = "naive" + suffix,
                       .sizes = {BH, T, D},
                       .ms = naive_ms,
                       .flops = flops,
                       .bytes = bytes,
                       .ratio = 0.0,   // the yardstick has none
                       .ratio_of = ""});

            for (const AttentionVariant& variant : attention_variants) {
                if (variant.fn == &attention_naive) continue;
                O.poison();
                run(variant.fn);
                DL_CUDA_CHECK(cudaDeviceSynchronize());
                const double rel = relative_error(O.download(), expected);
                if (!(rel <= tolerance)) {
                    std::printf(
                        "ERROR attention %s%s is wrong: rel %.2e against naive (tol %.1e) at %dx%dx%d; not timed\n",
                        variant.name, suffix.c_str(), rel, tolerance, BH, T, D);
                    continue;
                }
                const double ms = bench.time_ms([&] { run(variant.fn); });
                bench.add({.kernel = "attention",
                           .variant = variant.name + suffix,
                           .sizes = {BH, T, D},
                           .ms = ms,
                           .flops = flops,
                           .bytes = bytes,
                           .ratio = naive_ms / ms,
                           .ratio_of = "x naive"});
            }
        }
    }
}

}  // namespace dl::cuda::bench
