#pragma once
// The CUDA benchmark harness (no Google Benchmark on the GPU machine, and host timers would time the
// launch, not the kernel): each variant runs once to warm up, then is timed with device events
// around every launch, and the median is kept. Rows print as a table and, with --out, are written
// as Google Benchmark JSON (BM_cuda_<kernel>/<variant>/<sizes>/threads:1 with FLOPS and BYTES rate
// counters), so scripts/bench-report charts them like the CPU rows.

#include "dl/rng.hpp"

#include <cuda_runtime.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace dl::cuda::bench {

struct Row {
    std::string kernel, variant;
    std::vector<long> sizes;     // as in the row name: N for gemm, T for attention, ...
    double ms = 0.0;             // median time of one call
    double flops = 0.0;          // floating-point operations of one call (0: not counted)
    double bytes = 0.0;          // fewest bytes one call must move through device memory
    double ratio = 0.0;          // against the row's yardstick (0: none)
    std::string ratio_of;        // "of cuBLAS", "of copy BW", "x naive"
};

class Bench {
public:
    explicit Bench(bool quick);
    ~Bench();
    bool quick() const { return quick_; }

    // The median time of launch() in milliseconds: one warm-up call, then as many timed calls as fit
    // in about 0.2 s (at least 3, at most 50), each between two device events.
    double time_ms(const std::function<void()>& launch);

    // The device's copy bandwidth in GB/s (bytes read + bytes written, cudaMemcpy device to device
    // of 1 GiB), measured once: the yardstick of the memory-bound kernels.
    double copy_gbps();

    void add(Row row);
    void print_table() const;
    void write_json(const std::string& path) const;

private:
    bool quick_;
    cudaEvent_t start_{}, stop_{};
    double copy_gbps_ = 0.0;
    std::vector<Row> rows_;
};

// Inputs for timing: n values uniform in [lo, hi), never zeros (which can run faster than real data).
std::vector<float> random_inputs(std::size_t n, Rng& rng, double lo = -1.0, double hi = 1.0);
// ‖got − ref‖₂ / ‖ref‖₂ between two variants' outputs; NaN when got holds a NaN (an element left
// unwritten after the poisoning), which then fails any `rel <= tol`.
double relative_error(const std::vector<float>& got, const std::vector<float>& ref);

// The benchmarks, one function per kernel family (bench_<family>.cu).
void bench_gemm(Bench& bench);
void bench_conv(Bench& bench);
void bench_softmax(Bench& bench);
void bench_layernorm(Bench& bench);
void bench_lstm(Bench& bench);
void bench_attention(Bench& bench);

}  // namespace dl::cuda::bench
