// bench_autograd: chapter 8's tape against the hand-written backward passes, same kernels, same run.
//   BM_autograd_op/<mode>/<n>/threads:1     a chain of 64 elementwise products on n-element tensors:
//     plain            the kernels alone (NoGrad: nothing recorded)
//     record           recorded (a node, its inputs and its VJP per op)
//     record_backward  recorded, then the reverse sweep
//   ns_per_op: time per op; for small n it is the tape's bookkeeping, for large n the arithmetic.
//   BM_autograd_mlp/<hand|tape>/<N>/threads:<t>     chapter 2's MLP (784-128-10, ReLU) on a batch of
//     N = 32: forward, softmax cross-entropy and backward (no optimizer step)
//   BM_autograd_block/<hand|tape>/<T>/threads:<t>   chapter 7's Transformer block (C = 128, 4 heads,
//     B = 4 sequences of T = 128): forward and backward
//   The tape's overhead is the ratio of a tape row to the hand row beside it, from one run.
// Before timing, the tape's gradients are checked against the hand-written ones (relative 1e-4 in
// float32); a mismatch is an error, not a row.
// Usage: bench_autograd [--short] [Google Benchmark flags]. --short (CI): n = 8 only, T = 64.

#include "peak.hpp"

#include "dl/nn/loss.hpp"
#include "dl/nn/models.hpp"
#include "dl/nn/tape_model.hpp"
#include "dl/nn/transformer.hpp"
#include "dl/ops/tape_ops.hpp"
#include "dl/rng.hpp"

#include <benchmark/benchmark.h>
#include <omp.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace dl;

Tensor random(Shape shape, Rng& rng) {
    Tensor t(std::move(shape));
    for (float& v : t) v = static_cast<float>(rng.uniform(-1, 1));
    return t;
}

constexpr int chain = 64;

void bm_op(benchmark::State& state, const std::string& mode, std::size_t n) {
    Rng rng(1);
    const Var<float> x(random({n}, rng), true), w(random({n}, rng));
    double seconds = 0;
    for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        if (mode == "plain") {
            NoGrad off;
            Var<float> y = x;
            for (int i = 0; i < chain; ++i) y = mul(y, w);
            benchmark::DoNotOptimize(y.value().data());
        } else {
            Var<float> y = x;
            for (int i = 0; i < chain; ++i) y = mul(y, w);
            if (mode == "record_backward") backward(y, Tensor({n}, 1.0f));
            benchmark::DoNotOptimize(y.value().data());
        }
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    state.counters["ns_per_op"] = 1e9 * seconds / (static_cast<double>(state.iterations()) * chain);
}

void bm_mlp(benchmark::State& state, bool tape, std::size_t N, int threads) {
    omp_set_num_threads(threads);
    Rng rng(2);
    nn::Sequential model({784});
    nn::TapeModel& tape_model = model.add<nn::TapeModel>(
        std::make_unique<nn::Sequential>(nn::mlp({784}, {128}, 10, nn::Activation::relu, rng)), Shape{784},
        [](const Var<float>& X, std::span<const Var<float>> p) { return nn::mlp_through_tape(X, p, nn::Activation::relu); });
    nn::LayerT<float>& hand = tape_model.source();
    hand.set_input_grad_needed(false);
    tape_model.set_input_grad_needed(false);
    const Tensor X = random({N, 784}, rng);
    std::vector<int> labels(N);
    for (std::size_t i = 0; i < N; ++i) labels[i] = static_cast<int>(i % 10);
    nn::SoftmaxCrossEntropy loss;
    auto step = [&](nn::LayerT<float>& m) {
        loss.forward(m.forward(X, nn::Mode::train), labels);
        m.backward(loss.backward());
    };
    const double d = nn::tape_against_hand(model.parameters(), [&] { step(tape_model); }, [&] { step(hand); });
    if (!(d < 1e-4)) {
        state.SkipWithError(("the tape's gradients differ from the hand-written ones by " + std::to_string(d)).c_str());
        return;
    }
    nn::LayerT<float>& timed = tape ? static_cast<nn::LayerT<float>&>(tape_model) : hand;
    for (auto _ : state) step(timed);
    state.counters["examples"] = benchmark::Counter(static_cast<double>(N), benchmark::Counter::kIsIterationInvariantRate);
}

void bm_block(benchmark::State& state, bool tape, std::size_t T, int threads) {
    omp_set_num_threads(threads);
    constexpr std::size_t B = 4, C = 128, heads = 4;
    Rng rng(3);
    nn::TransformerBlock block(C, heads, 4, 4, rng);
    const Tensor x0 = random({B * T, C}, rng), dy = random({B * T, C}, rng);
    const auto params = block.parameters();
    const std::vector<Var<float>> vars = nn::borrow_parameters(params);
    auto by_tape = [&] {
        const Var<float> y = nn::transformer_block_through_tape(Var<float>(x0), std::span<const Var<float>>(vars), B, T, heads);
        backward(y, dy);
    };
    Tensor x, dx;
    auto by_hand = [&] {
        x = x0;
        block.forward(x, B, T);
        dx = dy;
        block.backward(dx);
    };
    const double d = nn::tape_against_hand(params, by_tape, by_hand);
    if (!(d < 1e-4)) {
        state.SkipWithError(("the tape's gradients differ from the hand-written ones by " + std::to_string(d)).c_str());
        return;
    }
    for (auto _ : state) tape ? by_tape() : by_hand();
    state.counters["tokens"] = benchmark::Counter(static_cast<double>(B * T), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

int main(int argc, char** argv) {
    const bool short_mode = dl::bench::take_short_flag(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    benchmark::AddCustomContext("dlfs_metric", "time");
    const int all = omp_get_num_procs();
    std::vector<int> thread_counts{1};
    if (all > 1 && !short_mode) thread_counts.push_back(all);
    const std::vector<std::size_t> sizes = short_mode ? std::vector<std::size_t>{8} : std::vector<std::size_t>{8, 4096};
    for (const std::size_t n : sizes)
        for (const char* mode : {"plain", "record", "record_backward"}) {
            std::ostringstream name;
            name << "BM_autograd_op/" << mode << "/" << n << "/threads:1";
            benchmark::RegisterBenchmark(name.str().c_str(), bm_op, std::string(mode), n)->Unit(benchmark::kMicrosecond);
        }
    for (const int t : thread_counts) {
        for (const bool tape : {false, true}) {
            std::ostringstream name;
            name << "BM_autograd_mlp/" << (tape ? "tape" : "hand") << "/32/threads:" << t;
            benchmark::RegisterBenchmark(name.str().c_str(), bm_mlp, tape, 32, t)->Unit(benchmark::kMicrosecond);
        }
        const std::size_t T = short_mode ? 64 : 128;
        for (const bool tape : {false, true}) {
            std::ostringstream name;
            name << "BM_autograd_block/" << (tape ? "tape" : "hand") << "/" << T << "/threads:" << t;
            benchmark::RegisterBenchmark(name.str().c_str(), bm_block, tape, T, t)->Unit(benchmark::kMillisecond);
        }
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
