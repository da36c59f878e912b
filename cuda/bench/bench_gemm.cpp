// GEMM: every rung at N = 1024, 2048, 4096 (square), beside cuBLAS in the same precision; then the
// tunings of rungs 7 and 8 at N = 4096. Each variant's output is compared with cuBLAS's before it is timed.
#include "bench.hpp"
#include "dl/cuda/buffer.hpp"
#include "dl/cuda/gemm.hpp"
#include "dl/rng.hpp"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <vector>

namespace dl::cuda::bench {

namespace {

struct Baseline {
    DeviceBuffer<float> C;
    double ms = 0.0;
};

void run_size(Bench& bench, int n, const std::vector<GemmVariant>& variants, const char* kernel, Rng& rng) {
    const auto count = static_cast<std::size_t>(n) * n;
    DeviceBuffer<float> A(random_inputs(count, rng)), B(random_inputs(count, rng)), C(count);
    const double flops = 2.0 * n * double(n) * n;
    auto time = [&](const GemmVariant& v) {
        return bench.time_ms([&] { v.fn(n, n, n, 1.0f, A.data(), B.data(), 0.0f, C.data(), nullptr); });
    };
    // cuBLAS in each precision first: its output is what the hand-written kernels must match.
    Baseline fp32{DeviceBuffer<float>(count)}, tf32{DeviceBuffer<float>(count)};
    for (const GemmVariant& v : gemm_variants) {
        const bool is_fp32 = v.fn == &gemm_cublas, is_tf32 = v.fn == &gemm_cublas_tf32;
        if (!is_fp32 && !is_tf32) continue;
        Baseline& base = is_fp32 ? fp32 : tf32;
        base.ms = time(v);
        v.fn(n, n, n, 1.0f, A.data(), B.data(), 0.0f, base.C.data(), nullptr);
    }
    for (const GemmVariant& v : variants) {
        const Baseline& base = v.precision == Precision::fp32 ? fp32 : tf32;
        C.poison();
        v.fn(n, n, n, 1.0f, A.data(), B.data(), 0.0f, C.data(), nullptr);
        DL_CUDA_CHECK(cudaDeviceSynchronize());
        // Two FP32 results differ by at most both their errors (each ~sqrt(n)·ε); TF32 by ~1e-3.
        const double tol = v.precision == Precision::fp32 ? 16.0 * std::sqrt(double(n)) * static_cast<double>(FLT_EPSILON) : 4e-3;
        const double rel = relative_error(C.download(), base.C.download());
        if (!(rel <= tol)) {
            std::printf("ERROR gemm %s is wrong at n = %d: rel %.2e against cuBLAS (tol %.1e); not timed\n", v.name, n,
                        rel, tol);
            continue;
        }
        const bool is_baseline = v.fn == &gemm_cublas || v.fn == &gemm_cublas_tf32;
        const double ms = is_baseline ? base.ms : time(v);
        bench.add({kernel, v.name, {n}, ms, flops, 0.0, base.ms / ms,
                   v.precision == Precision::fp32 ? "of cuBLAS" : "of cuBLAS TF32"});
    }
}

}  // namespace

void bench_gemm(Bench& bench) {
    Rng rng(7);
    const std::vector<GemmVariant> ladder(std::begin(gemm_variants), std::end(gemm_variants));
    for (int n : bench.quick() ? std::vector<int>{1024} : std::vector<int>{1024, 2048, 4096})
        run_size(bench, n, ladder, "gemm", rng);
    std::vector<GemmVariant> tunings(std::begin(gemm_tunings), std::end(gemm_tunings));
    run_size(bench, bench.quick() ? 1024 : 4096, tunings, "gemm_tuning", rng);
}

}  // namespace dl::cuda::bench
