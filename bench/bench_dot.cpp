// bench_dot: chapter 1's kernel, the float32 dot product x · y, for every variant in
// dl::dot_variants<float> and for OpenBLAS's cblas_sdot as the reference row.
//   BM_dot/<variant>/<n>/threads:1
//   FLOPS  2n per call (a multiply and an add per element)
//   BYTES  8n per call (x and y, 4 bytes each, read once; nothing is written)
//   pct_peak_flops, pct_peak_bw   percent of peak.json's fma_flops_1t and triad_bytes_all
// A dot product does 1 FLOP per 4 bytes it reads, so outside the L1 cache it is memory bound:
// read it in GB/s. Every variant is checked against a float64 dot of the same data before it is
// timed; a wrong one is reported as an error, not timed.
// Usage: bench_dot [--short] [Google Benchmark flags]. --short (or DLFS_BENCH_SHORT=1) runs only
// small sizes, as the CI smoke test does.

#include "peak.hpp"

#include "dl/error.hpp"
#include "dl/ops/dot.hpp"
#include "dl/rng.hpp"
#include "dl/tensor.hpp"

#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

using DotFn = float (*)(std::span<const float>, std::span<const float>);

// The vendor library as the ceiling: OpenBLAS's single-threaded sdot, with our signature.
float dot_openblas(std::span<const float> x, std::span<const float> y) {
    return cblas_sdot(static_cast<blasint>(x.size()), x.data(), 1, y.data(), 1);
}

// Random x, y in [-1, 1) and what a correct dot product of them must be close to.
struct DotData {
    dl::Tensor x, y;
    std::vector<double> exact;    // exact[k]: Σ x_i y_i over the first lengths[k] elements, in float64
    std::vector<double> abs_sum;  // Σ |x_i y_i| over the same elements (scales the tolerance)
    std::vector<std::size_t> lengths;
};

std::unique_ptr<DotData> make_data(std::size_t n) {
    auto d = std::make_unique<DotData>();
    d->x = dl::Tensor({n});
    d->y = dl::Tensor({n});
    dl::Rng rng(n);
    for (float& v : d->x) v = static_cast<float>(rng.uniform(-1.0, 1.0));
    for (float& v : d->y) v = static_cast<float>(rng.uniform(-1.0, 1.0));
    // Check the full length and, when there is one, a shorter odd length that fills no whole
    // step of an unrolled loop, so a wrong tail cannot pass.
    d->lengths = {n};
    if (n > 3) d->lengths.push_back(n - 3);
    for (std::size_t len : d->lengths) {
        double exact = 0, abs_sum = 0;
        for (std::size_t i = 0; i < len; ++i) {
            const double p = static_cast<double>(d->x.data()[i]) * static_cast<double>(d->y.data()[i]);
            exact += p;
            abs_sum += std::abs(p);
        }
        d->exact.push_back(exact);
        d->abs_sum.push_back(abs_sum);
    }
    return d;
}

// The data of the size being benchmarked, made once and shared by every variant of that size.
// Benchmarks are registered size by size, so only one size is held at a time.
class DataCache {
public:
    const DotData& get(std::size_t n) {
        if (!data_ || data_->x.size() != n) {
            data_.reset();
            data_ = make_data(n);
        }
        return *data_;
    }

private:
    std::unique_ptr<DotData> data_;
};

// Empty when fn agrees with the float64 result within n·FLT_EPSILON·Σ|x_i y_i| (the worst-case
// rounding bound of a float32 sum of n terms, in any order) at every checked length; else why not.
// A NaN never passes.
std::string validate(const char* variant, DotFn fn, const DotData& d) {
    for (std::size_t k = 0; k < d.lengths.size(); ++k) {
        const std::size_t len = d.lengths[k];
        const double got = fn(d.x.span().first(len), d.y.span().first(len));
        const double tol = static_cast<double>(len) * static_cast<double>(FLT_EPSILON) * d.abs_sum[k];
        if (!(std::abs(got - d.exact[k]) <= tol)) {
            std::ostringstream msg;
            msg << "dot " << variant << " is wrong at n = " << len << ": got " << got << ", float64 reference "
                << d.exact[k] << ", error " << std::abs(got - d.exact[k]) << " > tolerance " << tol;
            return msg.str();
        }
    }
    return {};
}

void bm_dot(benchmark::State& state, const char* variant, DotFn fn, DataCache* cache,
            const std::optional<dl::bench::Peak>* peak) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const DotData& d = cache->get(n);
    if (!dl::bench::validated(state, std::string("dot ") + variant, [&] { return validate(variant, fn, d); })) return;
    const std::span<const float> x = d.x.span(), y = d.y.span();
    const double t0 = dl::bench::thread_cpu_seconds();
    for (auto _ : state) {
        float result = fn(x, y);
        benchmark::DoNotOptimize(result);
    }
    const double loop_seconds = dl::bench::thread_cpu_seconds() - t0;
    const double flops = 2.0 * static_cast<double>(n), bytes = 8.0 * static_cast<double>(n);
    using benchmark::Counter;
    state.counters["FLOPS"] = Counter(flops, Counter::kIsIterationInvariantRate);
    state.counters["BYTES"] = Counter(bytes, Counter::kIsIterationInvariantRate);
    dl::bench::add_peak_counters(state, *peak, flops, bytes, loop_seconds);
}


}  // namespace

int main(int argc, char** argv) {
    const bool short_mode = dl::bench::take_short_flag(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

    openblas_set_num_threads(1);
    const std::string core = openblas_get_corename();
    benchmark::AddCustomContext("openblas", openblas_get_config());
    benchmark::AddCustomContext("openblas_core", core);
    benchmark::AddCustomContext("dlfs_metric", "bytes");  // scripts/bench-report charts GB/s by default
    // OpenBLAS 0.3.21 does not recognise some newer CPUs and falls back to its SSE3 kernels, which
    // makes its row no ceiling at all. It picks its kernels when loaded, so we can only say so.
    if (core == "Prescott" && __builtin_cpu_supports("avx2"))
        std::cerr << "bench_dot: OpenBLAS does not recognise this CPU and uses its SSE3 'Prescott' kernels; "
                     "run with OPENBLAS_CORETYPE=SkylakeX (AVX-512) or Haswell (AVX2) for a fair reference row\n";
    static const std::optional<dl::bench::Peak> peak = dl::bench::load_peak("bench_dot");
    if (peak) benchmark::AddCustomContext("peak_json", peak->path);
    static DataCache cache;

    // The variants: the chapter's table, then the vendor library.
    std::vector<std::pair<const char*, DotFn>> variants;
    for (const auto& v : dl::dot_variants<float>) variants.emplace_back(v.name, v.fn);
    variants.emplace_back("openblas", &dot_openblas);

    // Floats per array: 1K (both arrays fit L1), 64K (L2), 1M (L3), 16M and 64M (DRAM, unless the
    // L3 is huge). Short mode: small sizes only, and no naive kernel above 256 (CI smoke test).
    const std::vector<std::int64_t> sizes =
        short_mode ? std::vector<std::int64_t>{256, 4096}
                   : std::vector<std::int64_t>{1 << 10, 1 << 16, 1 << 20, 1 << 24, 1 << 26};
    for (const std::int64_t n : sizes)
        for (const auto& [name, fn] : variants) {
            if (short_mode && n > 256 && std::strcmp(name, "naive") == 0) continue;
            benchmark::RegisterBenchmark((std::string("BM_dot/") + name).c_str(), bm_dot, name, fn, &cache, &peak)
                ->Arg(n)
                ->Threads(1)
                ->Unit(benchmark::kMicrosecond);
        }

    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
