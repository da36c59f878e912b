// bench_batchnorm: chapter 4's batch-norm forward (training mode) on [N, D] batches, for every
// variant in dl::batchnorm_forward_variants<float>:
//   naive   the chapter's batchnorm_forward_train: a pass for the means, one for the variances, one
//           to write (the input read three times, the sums in double)
//   fused   the statistics of every feature in one pass over the rows (Welford's running mean and
//           squared deviations, in float), then one pass to write: the input read twice
// BM_batchnorm/<variant>/<N>/<D>/threads:1, with BYTES the fewest a training forward must move (read
// X, write Y and x̂: 12·N·D bytes) per second, and pct_peak_bw against peak.json's triad bandwidth.
// It is memory bound: 5 or so operations per element. Before timing, each variant's Y is checked
// against a float64 computation on the same batch.
// Usage: bench_batchnorm [--short] [Google Benchmark flags].

#include "peak.hpp"

#include "dl/ops/batchnorm.hpp"
#include "dl/rng.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Batch {
    dl::Tensor X, gamma, beta;
    std::vector<double> expected;   // Y in float64
};

std::unique_ptr<Batch> make_batch(std::size_t N, std::size_t D) {
    auto b = std::make_unique<Batch>();
    b->X = dl::Tensor({N, D});
    b->gamma = dl::Tensor({D});
    b->beta = dl::Tensor({D});
    dl::Rng rng(N * 7919 + D);
    // Features with their own offsets and scales, as a layer's pre-activations have.
    std::vector<double> offset(D), scale(D);
    for (std::size_t d = 0; d < D; ++d) offset[d] = rng.uniform(-3, 3), scale[d] = rng.uniform(0.5, 2);
    for (std::size_t n = 0; n < N; ++n)
        for (std::size_t d = 0; d < D; ++d) b->X(n, d) = static_cast<float>(offset[d] + scale[d] * rng.normal());
    for (auto& v : b->gamma) v = static_cast<float>(rng.uniform(0.5, 1.5));
    for (auto& v : b->beta) v = static_cast<float>(rng.uniform(-0.5, 0.5));
    b->expected.resize(N * D);
    for (std::size_t d = 0; d < D; ++d) {
        double mean = 0, var = 0;
        for (std::size_t n = 0; n < N; ++n) mean += static_cast<double>(b->X(n, d));
        mean /= static_cast<double>(N);
        for (std::size_t n = 0; n < N; ++n) var += std::pow(static_cast<double>(b->X(n, d)) - mean, 2);
        var /= static_cast<double>(N);
        for (std::size_t n = 0; n < N; ++n)
            b->expected[n * D + d] = static_cast<double>(b->gamma[d]) * (static_cast<double>(b->X(n, d)) - mean) /
                                         std::sqrt(var + 1e-5) +
                                     static_cast<double>(b->beta[d]);
    }
    return b;
}

void bm_batchnorm(benchmark::State& state, const char* variant, dl::BatchNormForwardFn<float> fn,
                  const std::optional<dl::bench::Peak>* peak) {
    const auto N = static_cast<std::size_t>(state.range(0)), D = static_cast<std::size_t>(state.range(1));
    const auto batch = make_batch(N, D);
    dl::Tensor Y, x_hat, inv_std, running_mean({D}, 0.0f), running_var({D}, 1.0f);
    auto run = [&] { fn(Y, x_hat, inv_std, running_mean, running_var, batch->X, batch->gamma, batch->beta, 0.1f, 1e-5f); };
    // Y within 1e-4 of the float64 result (x̂ is O(1); the float rounding of its statistics is far below).
    if (!dl::bench::validated(state, std::string("batchnorm ") + variant, [&]() -> std::string {
            run();
            for (std::size_t i = 0; i < N * D; ++i)
                if (!(std::abs(static_cast<double>(Y.data()[i]) - batch->expected[i]) <= 1e-4)) {
                    std::ostringstream msg;
                    msg << "batchnorm " << variant << " is wrong at element " << i << ": " << Y.data()[i]
                        << ", float64 reference " << batch->expected[i];
                    return msg.str();
                }
            return {};
        }))
        return;
    const double t0 = dl::bench::thread_cpu_seconds();
    for (auto _ : state) {
        run();
        benchmark::DoNotOptimize(Y.data());
        benchmark::ClobberMemory();
    }
    const double loop_seconds = dl::bench::thread_cpu_seconds() - t0;
    const double bytes = 12.0 * static_cast<double>(N * D), flops = 8.0 * static_cast<double>(N * D);
    using benchmark::Counter;
    state.counters["BYTES"] = Counter(bytes, Counter::kIsIterationInvariantRate);
    state.counters["FLOPS"] = Counter(flops, Counter::kIsIterationInvariantRate);
    dl::bench::add_peak_counters(state, *peak, flops, bytes, loop_seconds);
}

}  // namespace

int main(int argc, char** argv) {
    const bool short_mode = dl::bench::take_short_flag(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    benchmark::AddCustomContext("dlfs_metric", "bytes");   // scripts/bench-report charts GB/s
    static const std::optional<dl::bench::Peak> peak = dl::bench::load_peak("bench_batchnorm");
    if (peak) benchmark::AddCustomContext("peak_json", peak->path);
    // [N, D]: an MLP's hidden layer (batch 32 and 256 of 512 features: cache-sized), then batches
    // far larger than the caches (64 MB) where memory bandwidth decides.
    const std::vector<std::pair<std::int64_t, std::int64_t>> shapes =
        short_mode ? std::vector<std::pair<std::int64_t, std::int64_t>>{{32, 512}, {256, 512}}
                   : std::vector<std::pair<std::int64_t, std::int64_t>>{{32, 512}, {256, 512}, {4096, 1024}, {16384, 1024}};
    for (const auto& [N, D] : shapes)
        for (const auto& v : dl::batchnorm_forward_variants<float>)
            benchmark::RegisterBenchmark((std::string("BM_batchnorm/") + v.name).c_str(), bm_batchnorm, v.name, v.fn, &peak)
                ->Args({N, D})
                ->Threads(1)
                ->Unit(benchmark::kMicrosecond);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
