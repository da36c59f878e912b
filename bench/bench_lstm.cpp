// bench_lstm: chapter 6's kernel, the float32 LSTM step of the chapter's language model
// (D = 64 inputs, H hidden units, a batch of B = 32 sequences):
//   BM_lstm_step/<variant>/<H>/<B>/threads:<t>    one step forward: gates = [x, h] Wᵀ + b (W [4H, D+H]),
//                                                 then i, f, g, o, c and h: each variant in
//                                                 dl::lstm_step_variants<float>, then the reference row
//     naive            lstm_cell_forward_naive: each gate its own loops over its block of W
//     fused            lstm_cell_forward: one gemm_blocked for the four gates + one pointwise pass
//     fused_openblas   the same with OpenBLAS's cblas_sgemm: the ceiling
//   BM_lstm_train/<variant>/<H>/<B>/threads:<t>   forward and backward through T = 64 steps (what a
//                                                 training step of the chapter costs in the LSTM)
//     per_step         lstm_sequence_forward, then lstm_cell_backward step by step (the
//                      straightforward BPTT: dW's GEMM inside the loop, K = B)
//     hoisted          lstm_sequence_backward: only dh's GEMM in the loop; dW and dX as one GEMM each
//                      over all T·B rows after it
//   FLOPS   2·B·4H·(D+H) per step forward (the GEMM; the pointwise work is O(B·H)); three times that
//           per step for forward + backward; per second
//   TOKENS  characters (sequence steps × B) per second
//   pct_peak_flops   percent of peak.json's fma_flops_1t (or _all)
// Before timing, each row's outputs (poisoned with NaN first) are checked against the naive cell
// run in float64 (the train rows: dW against the per-step BPTT in float64); a wrong row is an error.
// Usage: bench_lstm [--short] [Google Benchmark flags]. --short (CI): H = 256 only.

#include "openblas_gemm.hpp"
#include "peak.hpp"

#include "dl/ops/rnn.hpp"
#include "dl/rng.hpp"

#include <benchmark/benchmark.h>
#include <cblas.h>
#include <omp.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::size_t D = 64, B = 32, T = 64;

template <class F>
dl::TensorT<F> random(dl::Shape shape, dl::Rng& rng, double scale) {
    dl::TensorT<F> t(std::move(shape));
    for (auto& v : t) v = static_cast<F>(rng.uniform(-scale, scale));
    return t;
}

struct Problem {
    std::size_t H;
    dl::Tensor x, h, c, W, b, X, dY;
    explicit Problem(std::size_t hidden) : H(hidden) {
        dl::Rng rng(hidden);
        const double bound = 1.0 / std::sqrt(static_cast<double>(H));
        x = random<float>({B, D}, rng, 1), h = random<float>({B, H}, rng, 1), c = random<float>({B, H}, rng, 1);
        W = random<float>({4 * H, D + H}, rng, bound), b = random<float>({4 * H}, rng, bound);
        X = random<float>({B, T, D}, rng, 1), dY = random<float>({B, T, H}, rng, 1);
    }
    double step_flops() const { return 2.0 * static_cast<double>(B * 4 * H * (D + H)); }
};

using dl::bench::compare_to_reference;
using dl::bench::wall_seconds;

// The reference row: the fused cell on OpenBLAS's GEMM.
constexpr dl::LstmStepVariant<float> fused_openblas{
    "fused_openblas", [](dl::StepCache<float>& s, const dl::Tensor& x, const dl::Tensor& h_prev,
                         const dl::Tensor& c_prev, const dl::Tensor& W, const dl::Tensor& b) {
        dl::lstm_cell_forward(s, x, h_prev, c_prev, W, b, &dl::bench::gemm_openblas);
    }};

void report(benchmark::State& state, const std::optional<dl::bench::Peak>& peak, double flops, double tokens,
            double cpu0, double wall0, int threads) {
    const double seconds = threads == 1 ? dl::bench::thread_cpu_seconds() - cpu0 : wall_seconds() - wall0;
    const double calls = static_cast<double>(state.iterations());
    state.counters["FLOPS"] = benchmark::Counter(flops * calls / seconds);
    state.counters["TOKENS"] = benchmark::Counter(tokens * calls / seconds);
    dl::bench::add_peak_counters(state, peak, flops, 0, seconds, threads);
}

void bm_step(benchmark::State& state, dl::LstmStepVariant<float> variant, std::size_t H, int threads,
             const std::optional<dl::bench::Peak>* peak) {
    omp_set_num_threads(threads);
    const Problem p(H);
    dl::StepCache<float> s;
    const auto validate = [&]() -> std::string {
        dl::StepCache<double> ref;
        dl::lstm_cell_forward_naive(ref, dl::tensor_cast<double>(p.x), dl::tensor_cast<double>(p.h),
                                    dl::tensor_cast<double>(p.c), dl::tensor_cast<double>(p.W), dl::tensor_cast<double>(p.b));
        const float nan = std::numeric_limits<float>::quiet_NaN();
        s.h = dl::Tensor({B, H}, nan), s.c = dl::Tensor({B, H}, nan);
        variant.fn(s, p.x, p.h, p.c, p.W, p.b);
        std::string e = compare_to_reference("lstm step", "h", s.h, ref.h);
        return e.empty() ? compare_to_reference("lstm step", "c", s.c, ref.c) : e;
    };
    if (!dl::bench::validated(state, "lstm step", validate)) return;
    const double cpu0 = dl::bench::thread_cpu_seconds(), wall0 = wall_seconds();
    for (auto _ : state) {
        variant.fn(s, p.x, p.h, p.c, p.W, p.b);
        benchmark::ClobberMemory();
    }
    report(state, *peak, p.step_flops(), static_cast<double>(B), cpu0, wall0, threads);
}

// Forward through T steps, then backward: per step with lstm_cell_backward, or the library's BPTT.
template <class F>
void train_pass(bool hoisted, const dl::TensorT<F>& X, const dl::TensorT<F>& dY, const dl::TensorT<F>& W,
                const dl::TensorT<F>& b, std::vector<dl::StepCache<F>>& steps, dl::TensorT<F>& dX, dl::TensorT<F>& dW,
                dl::TensorT<F>& db) {
    const std::size_t H = dY.dim(2);
    const dl::TensorT<F> zero({B, H});
    dl::TensorT<F> Y, dh0, dc0;
    dl::lstm_sequence_forward(Y, steps, X, zero, zero, W, b);
    if (hoisted) {
        dl::lstm_sequence_backward(dX, dh0, dc0, dW, db, dY, steps, zero, W);
        return;
    }
    dl::TensorT<F> dh({B, H}), dc({B, H}), dx, dh_prev({B, H}), dc_prev;
    dX.resize({B, T, D});
    for (std::size_t t = T; t-- > 0;) {
        for (std::size_t n = 0; n < B; ++n)
            for (std::size_t j = 0; j < H; ++j) dh(n, j) = dY[(n * T + t) * H + j] + (t + 1 < T ? dh_prev(n, j) : F(0));
        dl::lstm_cell_backward(dx, dh_prev, dc_prev, dW, db, dh, dc, steps[t], t == 0 ? zero : steps[t - 1].c, W);
        dc = dc_prev;
        for (std::size_t n = 0; n < B; ++n)
            for (std::size_t d = 0; d < D; ++d) dX[(n * T + t) * D + d] = dx(n, d);
    }
}

void bm_train(benchmark::State& state, bool hoisted, std::size_t H, int threads, const std::optional<dl::bench::Peak>* peak) {
    omp_set_num_threads(threads);
    const Problem p(H);
    std::vector<dl::StepCache<float>> steps;
    dl::Tensor dX, dW(p.W.shape()), db(p.b.shape());
    const auto validate = [&]() -> std::string {
        std::vector<dl::StepCache<double>> ref_steps;
        dl::TensorD rdX, rdW(p.W.shape()), rdb(p.b.shape());
        train_pass<double>(false, dl::tensor_cast<double>(p.X), dl::tensor_cast<double>(p.dY), dl::tensor_cast<double>(p.W),
                           dl::tensor_cast<double>(p.b), ref_steps, rdX, rdW, rdb);
        dW.fill(0), db.fill(0);
        dX = dl::Tensor({B, T, D}, std::numeric_limits<float>::quiet_NaN());
        train_pass<float>(hoisted, p.X, p.dY, p.W, p.b, steps, dX, dW, db);
        std::string e = compare_to_reference("lstm train", "dW", dW, rdW);
        return e.empty() ? compare_to_reference("lstm train", "dX", dX, rdX) : e;
    };
    if (!dl::bench::validated(state, "lstm train", validate)) return;
    const double cpu0 = dl::bench::thread_cpu_seconds(), wall0 = wall_seconds();
    for (auto _ : state) {
        train_pass<float>(hoisted, p.X, p.dY, p.W, p.b, steps, dX, dW, db);
        benchmark::ClobberMemory();
    }
    report(state, *peak, 3 * p.step_flops() * T, static_cast<double>(B * T), cpu0, wall0, threads);
}

}  // namespace

int main(int argc, char** argv) {
    const bool short_mode = dl::bench::take_short_flag(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    const int all = omp_get_num_procs();
    openblas_set_num_threads(1);   // the openblas rows' threads are set per row below
    dl::bench::add_openblas_context("bench_lstm");
    benchmark::AddCustomContext("dlfs_metric", "flops");
    benchmark::AddCustomContext("lstm", "D = 64 inputs, B = 32 sequences, T = 64 steps (train rows)");
    static const std::optional<dl::bench::Peak> peak = dl::bench::load_peak("bench_lstm");
    if (peak) benchmark::AddCustomContext("peak_json", peak->path);

    const std::vector<std::size_t> hidden = short_mode ? std::vector<std::size_t>{256} : std::vector<std::size_t>{256, 512};
    std::vector<int> thread_counts{1};
    if (all > 1) thread_counts.push_back(all);
    for (const std::size_t H : hidden) {
        for (const int t : thread_counts) {
            const auto name = [&](const char* kind, const char* variant) {
                std::ostringstream s;
                s << kind << variant << "/" << H << "/" << B << "/threads:" << t;
                return s.str();
            };
            for (const auto& variant : dl::lstm_step_variants<float>) {
                if (t > 1 && std::string_view(variant.name) == "naive") continue;   // the rung below: one thread
                benchmark::RegisterBenchmark(name("BM_lstm_step/", variant.name).c_str(), bm_step, variant, H, t, &peak)
                    ->Unit(benchmark::kMicrosecond);
            }
            benchmark::RegisterBenchmark(name("BM_lstm_step/", fused_openblas.name).c_str(),
                                         [](benchmark::State& s, std::size_t h, int threads) {
                                             openblas_set_num_threads(threads);
                                             bm_step(s, fused_openblas, h, threads, &peak);
                                             openblas_set_num_threads(1);
                                         },
                                         H, t)
                ->Unit(benchmark::kMicrosecond);
            benchmark::RegisterBenchmark(name("BM_lstm_train/", "per_step").c_str(), bm_train, false, H, t, &peak)
                ->Unit(benchmark::kMillisecond);
            benchmark::RegisterBenchmark(name("BM_lstm_train/", "hoisted").c_str(), bm_train, true, H, t, &peak)
                ->Unit(benchmark::kMillisecond);
        }
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
