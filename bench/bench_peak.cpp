// bench_peak: measures this machine's ceilings and writes them to peak.json, which the other
// benchmark programs and scripts/bench-report read for "% of peak".
//   fma_flops_1t, fma_flops_all   FP32 FLOP/s of a loop of independent FMAs on registers only (no
//                                 memory traffic): the compute roof, one thread and all threads.
//                                 Measured with 256-bit (AVX2) and, where the CPU has it, 512-bit
//                                 (AVX-512) vectors; the best is the peak, both are recorded.
//   triad_bytes_all               bytes/s of the STREAM triad a[i] = b[i] + s * c[i] on float64
//                                 arrays far larger than the caches, over all OpenMP threads,
//                                 counted as STREAM counts it: 24 bytes per element (read b and c,
//                                 write a; the cache's read of a before writing it is not counted).
// Usage: bench_peak [--out FILE] [--quick]

#include "peak.hpp"

#include "dl/util/json.hpp"
#include "dl/util/timer.hpp"

#include <immintrin.h>
#include <omp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

namespace {

// One FMA has a latency of about 4 cycles and a core issues up to 2 per cycle, so at least 8
// independent accumulators are needed to keep both units busy; we use more to be safe.
constexpr int kAcc256 = 12;  // 12 accumulators + 2 constants fit in AVX2's 16 ymm registers
constexpr int kAcc512 = 16;  // AVX-512 has 32 zmm registers

// `iters` rounds of kAcc256 independent 8-wide FMAs, acc = acc * a + b. Returns the sum of the
// accumulators so the compiler must do every one of them. (a < 1, so nothing overflows.)
__attribute__((target("avx2,fma"))) float fma_loop_256(std::int64_t iters) {
    __m256 acc[kAcc256];
    for (int k = 0; k < kAcc256; ++k) acc[k] = _mm256_set1_ps(0.001f * static_cast<float>(k));
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-6f);
    for (std::int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 16
        for (int k = 0; k < kAcc256; ++k) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
    }
    alignas(32) float lanes[8];
    float sum = 0;
    for (int k = 0; k < kAcc256; ++k) {
        _mm256_store_ps(lanes, acc[k]);
        for (float v : lanes) sum += v;
    }
    return sum;
}

// The same with 16-wide AVX-512 vectors.
__attribute__((target("avx512f"))) float fma_loop_512(std::int64_t iters) {
    __m512 acc[kAcc512];
    for (int k = 0; k < kAcc512; ++k) acc[k] = _mm512_set1_ps(0.001f * static_cast<float>(k));
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-6f);
    for (std::int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 16
        for (int k = 0; k < kAcc512; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
    }
    alignas(64) float lanes[16];  // (not _mm512_reduce_add_ps: GCC 12 warns inside it)
    float sum = 0;
    for (int k = 0; k < kAcc512; ++k) {
        _mm512_store_ps(lanes, acc[k]);
        for (float v : lanes) sum += v;
    }
    return sum;
}

struct FmaKernel {
    float (*loop)(std::int64_t);
    double flops_per_iter;  // accumulators × lanes × 2 (an FMA is a multiply and an add)
};

// FLOP/s of `kernel` on `threads` threads: iterations calibrated to about `seconds`, best of
// `repeats` runs. Each thread's rate is its iterations per second of its own CPU time, and the
// threads' rates add up: the same clock as the benchmarks' rates, and a figure that other programs
// taking turns on the cores (this machine may be shared) lower much less than they lower wall time.
double measure_fma(const FmaKernel& kernel, int threads, double seconds, int repeats) {
    float sink = 0;
    auto run = [&](std::int64_t iters) {  // iterations per CPU second, summed over the threads
        float sum = 0;
        double rate = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sum, rate)
        {
            const double t0 = dl::bench::thread_cpu_seconds();
            sum += kernel.loop(iters);
            rate += static_cast<double>(iters) / (dl::bench::thread_cpu_seconds() - t0);
        }
        sink += sum;
        return rate;
    };
    std::int64_t iters = 1 << 16;
    double rate = run(iters);
    while (static_cast<double>(iters) * threads / rate < 0.01) rate = run(iters *= 4);
    iters = std::max<std::int64_t>(1, static_cast<std::int64_t>(rate / threads * seconds));
    double best = 0;
    for (int r = 0; r < repeats; ++r) best = std::max(best, run(iters));
    if (!(sink > 0)) throw std::runtime_error("the FMA loop produced " + std::to_string(sink));
    return best * kernel.flops_per_iter;
}

// float64 arrays aligned to 2 MiB pages (and asking for huge pages, so the TLB is not what we measure).
struct FreeDeleter {
    void operator()(double* p) const { std::free(p); }
};
using Array = std::unique_ptr<double[], FreeDeleter>;

Array allocate(std::size_t n) {
    constexpr std::size_t align = std::size_t{2} << 20;
    const std::size_t bytes = (n * sizeof(double) + align - 1) / align * align;
    auto* p = static_cast<double*>(std::aligned_alloc(align, bytes));
    if (p == nullptr) throw std::runtime_error("cannot allocate " + std::to_string(bytes >> 20) + " MiB for the triad");
    madvise(p, bytes, MADV_HUGEPAGE);  // a hint; without transparent huge pages it does nothing
    return Array(p);
}

struct Triad {
    double bytes_per_s;
    std::size_t array_bytes;
};

// The triad a[i] = b[i] + s * c[i], best of `repeats` passes, all threads.
Triad measure_triad(std::size_t n, int repeats) {
    Array a = allocate(n), b = allocate(n), c = allocate(n);
    const auto len = static_cast<std::int64_t>(n);
    // First touch with the same static schedule as the triad, so each thread's pages are its own.
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < len; ++i) {
        a[i] = 0.0;
        b[i] = 1.0;
        c[i] = 2.0;
    }
    const double s = 3.0;
    double best = 0;
    for (int r = 0; r < repeats; ++r) {
        dl::util::Timer timer;
#pragma omp parallel for schedule(static)
        for (std::int64_t i = 0; i < len; ++i) a[i] = b[i] + s * c[i];
        best = std::max(best, 24.0 * static_cast<double>(n) / timer.seconds());
    }
    if (a[0] != 7.0 || a[n / 2] != 7.0 || a[n - 1] != 7.0)
        throw std::runtime_error("the triad computed a wrong result");
    return {best, n * sizeof(double)};
}

std::size_t l3_bytes() {
    const long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
    return l3 > 0 ? static_cast<std::size_t>(l3) : std::size_t{32} << 20;
}

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(line.find_first_not_of(' ', colon + 1));
        }
    return "unknown";
}

double giga(double v) {
    return v / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
    std::string out = "peak.json";
    bool quick = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--quick") {
            quick = true;
        } else if (arg == "--out" && i + 1 < argc) {
            out = argv[++i];
        } else if (arg == "--help" || arg == "-h") {
            std::cout << "usage: bench_peak [--out FILE] [--quick]\n"
                         "  measures FP32 FMA FLOP/s (1 thread, all threads) and triad memory bandwidth,\n"
                         "  writes them to FILE (default peak.json) for the benchmarks' % of peak\n";
            return 0;
        } else {
            std::cerr << "bench_peak: unknown option '" << arg << "' (try --help)\n";
            return 2;
        }
    }
    try {
        __builtin_cpu_init();
        if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
            throw std::runtime_error("this CPU lacks AVX2/FMA, which the FMA loop needs");
        const bool has512 = __builtin_cpu_supports("avx512f");
        const int threads = omp_get_max_threads();
        const double seconds = quick ? 0.03 : 0.1;
        const int repeats = quick ? 4 : 8;  // many short runs: the best one is the least disturbed

        const FmaKernel k256{&fma_loop_256, kAcc256 * 8 * 2.0}, k512{&fma_loop_512, kAcc512 * 16 * 2.0};
        const double f256_1 = measure_fma(k256, 1, seconds, repeats);
        const double f256_all = measure_fma(k256, threads, seconds, repeats);
        const double f512_1 = has512 ? measure_fma(k512, 1, seconds, repeats) : 0.0;
        const double f512_all = has512 ? measure_fma(k512, threads, seconds, repeats) : 0.0;

        // Each array 4× the last-level cache (2× with --quick), at least 64 MiB, at most 1/8 of RAM.
        const std::size_t ram =
            static_cast<std::size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
        const std::size_t array_bytes =
            std::min(std::max((quick ? 2 : 4) * l3_bytes(), std::size_t{64} << 20), ram / 8);
        const Triad triad = measure_triad(array_bytes / sizeof(double), quick ? 3 : 5);

        auto json = dl::util::Json::object();
        json.set("cpu_model", cpu_model())
            .set("threads", threads)
            .set("fma_flops_1t", std::max(f256_1, f512_1))
            .set("fma_flops_all", std::max(f256_all, f512_all))
            .set("triad_bytes_all", triad.bytes_per_s)
            .set("fma_flops_1t_256", f256_1)
            .set("fma_flops_all_256", f256_all)
            .set("fma_flops_1t_512", has512 ? dl::util::Json(f512_1) : dl::util::Json())
            .set("fma_flops_all_512", has512 ? dl::util::Json(f512_all) : dl::util::Json())
            .set("triad_element", "float64")
            .set("triad_bytes_per_element", 24)
            .set("triad_array_bytes", triad.array_bytes)
            .set("quick", quick);
        dl::util::write_file_atomically(out, json.dump() + "\n");

        std::cout << std::fixed << std::setprecision(1) << "bench_peak: " << cpu_model() << ", " << threads
                  << " threads\n"
                  << "  FP32 FMA, 256-bit (AVX2)    1 thread " << giga(f256_1) << " GFLOP/s, all " << giga(f256_all)
                  << " GFLOP/s\n";
        if (has512)
            std::cout << "  FP32 FMA, 512-bit (AVX-512) 1 thread " << giga(f512_1) << " GFLOP/s, all " << giga(f512_all)
                      << " GFLOP/s\n";
        else
            std::cout << "  FP32 FMA, 512-bit (AVX-512) not supported by this CPU\n";
        std::cout << "  triad a = b + s*c, float64, 3 arrays of " << (triad.array_bytes >> 20) << " MiB, all threads "
                  << giga(triad.bytes_per_s) << " GB/s (24 bytes per element)\n"
                  << "wrote " << out << "\n";
    } catch (const std::exception& e) {
        std::cerr << "bench_peak: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
