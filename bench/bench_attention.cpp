// bench_attention: chapter 7's kernel, causal scaled dot-product attention forward in float32 for
// N = 8 problems (a batch of 2 sequences × 4 heads) of T positions and head size d:
//   BM_attention/<variant>/<T>/<d>/threads:<t>, a row for each variant in dl::attention_variants<float>:
//     naive       attention_forward: the scores S = Q Kᵀ/√d materialised as [N, T, T], masked,
//                 softmaxed in place, then O = P V (one GEMM per problem and product)
//     blockwise   attention_blockwise_forward: blocks of 64 queries × 64 keys with an online
//                 softmax; the [T, T] matrix never exists, and a query block stops at its diagonal
//   FLOPS   the causal work: 2 products of 2·d multiply-adds per (query, visible key) pair,
//           4·N·d·T(T+1)/2 per call, the same count for both variants (the naive one does twice
//           that, masked half included), per second
//   BYTES   the memory traffic the variant needs at least, per second:
//             naive      Q, K, V read and O written (4·N·T·d floats) plus the score matrix
//                        written by the GEMM, read and written by the mask and the softmax, and read
//                        by P V: 5·N·T² floats
//             blockwise  Q and O once, K and V once per query block (up to the diagonal):
//                        2·N·T·d + 2·N·d·Σ_blocks (keys seen) floats
//   pct_peak_flops, pct_peak_bw   percent of peak.json's ceilings
// Before timing, each row's O (poisoned with NaN first) is checked against attention_forward run in
// float64; a wrong row is an error (a learner's stub is skipped).
// Usage: bench_attention [--short] [Google Benchmark flags]. --short (CI): T = 64 and 256, d = 32.

#include "peak.hpp"

#include "dl/ops/attention.hpp"
#include "dl/rng.hpp"

#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::size_t N = 8, block = 64;

struct Problem {
    std::size_t T, d;
    dl::Tensor Q, K, V;
    Problem(std::size_t positions, std::size_t head) : T(positions), d(head) {
        dl::Rng rng(positions * 100 + head);
        for (dl::Tensor* t : {&Q, &K, &V}) {
            *t = dl::Tensor({N, T, d});
            for (auto& v : *t) v = static_cast<float>(rng.normal());
        }
    }
    double flops() const { return 4.0 * static_cast<double>(N * d) * static_cast<double>(T * (T + 1) / 2); }
    // The naive row writes and rereads the scores; any other row streams them, as blockwise does.
    double bytes(std::string_view variant) const {
        const double f = sizeof(float), nt = static_cast<double>(N * T), hd = static_cast<double>(d);
        if (variant == "naive") return f * (4.0 * nt * hd + 5.0 * nt * static_cast<double>(T));
        double keys_seen = 0;   // Σ over query blocks of the keys up to the block's last row
        for (std::size_t i0 = 0; i0 < T; i0 += block) keys_seen += static_cast<double>(std::min(i0 + block, T));
        return f * (2.0 * nt * hd + 2.0 * static_cast<double>(N) * hd * keys_seen);
    }
};

void bm_attention(benchmark::State& state, dl::AttentionVariant<float> variant, std::size_t T, std::size_t d,
                  int threads, const std::optional<dl::bench::Peak>* peak) {
    omp_set_num_threads(threads);
    const Problem p(T, d);
    const std::string what = std::string("attention ") + variant.name;
    dl::Tensor O, P;
    const auto run = [&] { variant.fn(O, P, p.Q, p.K, p.V, true, block); };
    const auto validate = [&]() -> std::string {
        dl::TensorD ref, ref_P;
        dl::attention_forward(ref, ref_P, dl::tensor_cast<double>(p.Q), dl::tensor_cast<double>(p.K),
                              dl::tensor_cast<double>(p.V), true);
        O = dl::Tensor({N, T, d}, std::numeric_limits<float>::quiet_NaN());
        run();
        return dl::bench::compare_to_reference(what, "O", O, ref);
    };
    if (!dl::bench::validated(state, what, validate)) return;
    dl::bench::time_calls(state, *peak, threads, p.flops(), p.bytes(variant.name), run);
}

}  // namespace

int main(int argc, char** argv) {
    const bool short_mode = dl::bench::take_short_flag(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    const int all = omp_get_num_procs();
    benchmark::AddCustomContext("dlfs_metric", "flops");
    benchmark::AddCustomContext("attention", "causal, N = 8 problems (2 sequences x 4 heads), blocks of 64");
    static const std::optional<dl::bench::Peak> peak = dl::bench::load_peak("bench_attention");
    if (peak) benchmark::AddCustomContext("peak_json", peak->path);

    const std::vector<std::size_t> lengths = short_mode ? std::vector<std::size_t>{64, 256}
                                                        : std::vector<std::size_t>{64, 128, 256, 512, 1024, 2048};
    const std::vector<std::size_t> heads = short_mode ? std::vector<std::size_t>{32} : std::vector<std::size_t>{32, 64};
    std::vector<int> thread_counts{1};
    if (all > 1) thread_counts.push_back(all);
    for (const std::size_t d : heads)
        for (const int t : thread_counts)
            for (const std::size_t T : lengths)
                for (const auto& variant : dl::attention_variants<float>) {
                    std::ostringstream name;
                    name << "BM_attention/" << variant.name << "/" << T << "/" << d << "/threads:" << t;
                    benchmark::RegisterBenchmark(name.str().c_str(), bm_attention, variant, T, d, t, &peak)
                        ->Unit(benchmark::kMicrosecond);
                }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
