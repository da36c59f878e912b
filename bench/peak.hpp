#pragma once
// The machine's measured ceilings (peak.json, written by bench_peak) and the "% of peak" counters
// every benchmark program adds beside its FLOPS and BYTES rates.

#include "dl/tensor.hpp"

#include <benchmark/benchmark.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace dl::bench {

struct Peak {
    double fma_flops_1t = 0;     // FP32 FLOP/s of one thread's FMA loop
    double fma_flops_all = 0;    // the same, all threads together
    double triad_bytes_all = 0;  // STREAM-like triad bytes/s, all threads
    std::string path;            // where it was read from
};

// Reads $DLFS_PEAK_JSON if set, else ./peak.json. Returns nothing (and prints one line on stderr
// saying to run bench_peak first) when the file is missing or lacks the three keys.
std::optional<Peak> load_peak(const char* program);

// This thread's CPU time in seconds: the clock Google Benchmark divides by for its rates (unless a
// benchmark asks for UseRealTime). Read it before and after the timing loop.
double thread_cpu_seconds();
// Wall-clock seconds (steady), for the rows on several threads, whose CPU time is the sum of theirs.
double wall_seconds();

// Adds pct_peak_flops and pct_peak_bw, in percent, for a kernel doing flops_per_iter and moving
// bytes_per_iter per iteration, whose timing loop took loop_seconds on `threads` threads: FLOP/s
// against fma_flops_1t (one thread) or fma_flops_all (more), bytes/s always against
// triad_bytes_all (the memory system's ceiling; no pct_peak_bw when bytes_per_iter is 0: a kernel
// whose traffic is not counted). Does nothing without a peak.
// (Plain counters, not rate counters, so the console shows "pct_peak_bw=42.1", not "42.1/s".)
void add_peak_counters(benchmark::State& state, const std::optional<Peak>& peak, double flops_per_iter,
                       double bytes_per_iter, double loop_seconds, int threads = 1);

// Sets FLOPS and BYTES (rates: flops_per_call and bytes_per_call times the calls, over
// loop_seconds) and the peak counters above.
void add_rate_counters(benchmark::State& state, const std::optional<Peak>& peak, double flops_per_call,
                       double bytes_per_call, double loop_seconds, int threads);

// The timing loop of one row: `call()` as often as Google Benchmark asks, then its rates. Rates
// divide by this thread's CPU time on a one-thread row, by the wall clock on the others (whose CPU
// time is the sum of their threads').
template <class Call>
void time_calls(benchmark::State& state, const std::optional<Peak>& peak, int threads, double flops_per_call,
                double bytes_per_call, Call&& call) {
    const double cpu0 = thread_cpu_seconds(), wall0 = wall_seconds();
    for (auto _ : state) {
        call();
        benchmark::ClobberMemory();
    }
    const double seconds = threads == 1 ? thread_cpu_seconds() - cpu0 : wall_seconds() - wall0;
    add_rate_counters(state, peak, flops_per_call, bytes_per_call, seconds, threads);
}

// The inputs of the size being benchmarked, made once and shared by every row of that size.
// Benchmarks are registered size by size, so only one is held at a time: the next size's
// replaces it.
template <class Problem, class Key>
class ProblemCache {
public:
    template <class Make>
    Problem& get(const Key& key, Make&& make) {
        if (!problem_ || !(key_ == key)) {
            problem_.reset();   // free the old one before the new one is made
            problem_ = make();
            key_ = key;
        }
        return *problem_;
    }

private:
    std::unique_ptr<Problem> problem_;
    Key key_{};
};

// Every benchmark checks its variant before timing it: runs `validate` (an error message, or ""
// when the variant's output is right) and marks the benchmark skipped on an error or an
// exception, a learner's NotImplemented stub included, so the other rows still run. Returns
// whether timing may go on. `what` names the row in messages ("gemm blocked").
bool validated(benchmark::State& state, const std::string& what, const std::function<std::string()>& validate);

// Empty when every element of `got` is within tolerance of the float64 reference `ref`, else a line
// naming `what`, the tensor, the first element that is off, both values and the tolerance:
//   |got − ref| ≤ 1e-4 · (|ref| + rms(ref))
// that is, a relative error of 1e-4, or 1e-4 of the tensor's typical size where an element is near
// zero (a relative tolerance alone fails there: a sum that cancels to almost 0 keeps the rounding
// error of its large terms). A NaN, or an element never written (poisoned with NaN first), fails.
std::string compare_to_reference(const std::string& what, const char* tensor, const Tensor& got, const TensorD& ref);

// The short mode of every benchmark (CI's smoke test): true when --short is among the arguments
// (it is removed from them, since Google Benchmark rejects flags it does not know) or
// DLFS_BENCH_SHORT is set to something other than "" or "0".
bool take_short_flag(int& argc, char** argv);

}  // namespace dl::bench
