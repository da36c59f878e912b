// bench_gemm: chapter 2's kernel, the float32 GEMM C = op(A) · op(B) (alpha = 1, beta = 0), for
// every variant in dl::gemm_variants<float> and for OpenBLAS's cblas_sgemm as the reference rows.
//   BM_gemm/<variant>/<n>/threads:<t>          square, M = N = K = n
//   BM_gemm/<variant>/<M>/<N>/<K>/threads:<t>  the shapes of the chapter's MLP (batch 32, 784-128-10),
//                                              with its transposes (see mlp_shapes below)
//   rows: naive, reordered (one thread: they have none), blocked and openblas on 1 thread and on
//   all threads (omp_get_num_procs(); OpenMP for ours, openblas_set_num_threads for OpenBLAS)
//   FLOPS  2·M·N·K per call, per second
//   BYTES  4·(M·K + K·N + M·N) per call, per second: each matrix once, the least any GEMM moves
//   pct_peak_flops, pct_peak_bw   percent of peak.json's fma_flops_1t (or _all) and triad_bytes_all
// FLOPS and BYTES divide by this thread's CPU time on one-thread rows (as Google Benchmark does),
// and by wall-clock time on rows with more threads: there the calling thread's CPU time would
// leave out the time it sleeps or yields while the others finish.
// Before timing, each variant's result, computed into a C poisoned with NaN, is checked against a
// float64 product of the same data (every element up to 2^27 multiply-adds, else 16 rows spread
// over C, first and last included); a wrong one is reported as an error, not timed.
// Usage: bench_gemm [--short] [Google Benchmark flags]. --short (or DLFS_BENCH_SHORT=1) runs only
// square sizes up to 256 and the (smaller) MLP shapes without the naive row, as the CI smoke test does.
// OpenBLAS 0.3.21 does not recognise some newer CPUs: run with OPENBLAS_CORETYPE=SkylakeX (AVX-512)
// or Haswell (AVX2), as `./dlfs bench` does, or its row is no ceiling at all.

#include "openblas_gemm.hpp"
#include "peak.hpp"

#include "dl/error.hpp"
#include "dl/ops/gemm.hpp"
#include "dl/rng.hpp"
#include "dl/tensor.hpp"

#include <benchmark/benchmark.h>
#include <cblas.h>
#include <omp.h>

#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using dl::Trans;
using dl::bench::gemm_openblas;  // the vendor library as the ceiling, with our signature

struct Shape {
    std::size_t M, N, K;
    Trans ta = Trans::no, tb = Trans::no;
    bool square() const { return M == N && N == K; }
    double flops() const { return 2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K); }
    double bytes() const { return 4.0 * static_cast<double>(M * K + K * N + M * N); }
    bool operator==(const Shape&) const = default;
};

// Random A, B in [-1, 1) stored as the transposes say (leading dimensions minimal), and float64
// reference rows of C = op(A) · op(B).
struct GemmData {
    Shape shape;
    dl::Tensor A, B;
    std::size_t lda = 0, ldb = 0;
    std::vector<std::size_t> rows;     // the rows of C that are checked
    std::vector<double> exact, scale;  // per checked row: Σ_k a_ik b_kj and Σ_k |a_ik b_kj|, N each
};

float op_at(const dl::Tensor& X, std::size_t ld, Trans t, std::size_t r, std::size_t c) {
    return t == Trans::no ? X[r * ld + c] : X[c * ld + r];
}

std::unique_ptr<GemmData> make_data(const Shape& s) {
    auto d = std::make_unique<GemmData>();
    d->shape = s;
    const bool ta = s.ta == Trans::yes, tb = s.tb == Trans::yes;
    d->A = dl::Tensor({ta ? s.K : s.M, ta ? s.M : s.K});
    d->B = dl::Tensor({tb ? s.N : s.K, tb ? s.K : s.N});
    d->lda = d->A.dim(1);
    d->ldb = d->B.dim(1);
    dl::Rng rng(s.M * 1000003 + s.N * 1009 + s.K);
    for (float& v : d->A) v = static_cast<float>(rng.uniform(-1.0, 1.0));
    for (float& v : d->B) v = static_cast<float>(rng.uniform(-1.0, 1.0));
    constexpr std::size_t every_element = std::size_t{1} << 27, sampled_rows = 16;
    if (s.M * s.N * s.K <= every_element || s.M <= sampled_rows) {
        for (std::size_t i = 0; i < s.M; ++i) d->rows.push_back(i);
    } else {
        for (std::size_t r = 0; r < sampled_rows; ++r) d->rows.push_back(r * (s.M - 1) / (sampled_rows - 1));
    }
    d->exact.assign(d->rows.size() * s.N, 0.0);
    d->scale.assign(d->rows.size() * s.N, 0.0);
    for (std::size_t r = 0; r < d->rows.size(); ++r)
        for (std::size_t k = 0; k < s.K; ++k) {
            const auto a = static_cast<double>(op_at(d->A, d->lda, s.ta, d->rows[r], k));
            for (std::size_t j = 0; j < s.N; ++j) {
                const double p = a * static_cast<double>(op_at(d->B, d->ldb, s.tb, k, j));
                d->exact[r * s.N + j] += p;
                d->scale[r * s.N + j] += std::abs(p);
            }
        }
    return d;
}

// The data of the shape being benchmarked, made once and shared by every row of that shape.
// Benchmarks are registered shape by shape, so only one shape is held at a time.
using DataCache = dl::bench::ProblemCache<GemmData, Shape>;

// Empty when every element of fn's result is finite and every checked one is within
// K·FLT_EPSILON·Σ_k|a_ik b_kj| of the float64 reference (the rounding bound of a float32 sum of K
// terms, in any order); else why not. C starts as NaN, so an element never written cannot pass.
std::string validate(const char* variant, dl::GemmFn<float> fn, const GemmData& d, dl::Tensor& C) {
    const Shape& s = d.shape;
    C.fill(std::numeric_limits<float>::quiet_NaN());
    fn(s.ta, s.tb, s.M, s.N, s.K, 1.0f, d.A.data(), d.lda, d.B.data(), d.ldb, 0.0f, C.data(), s.N);
    const auto where = [&](std::size_t i, std::size_t j) {
        std::ostringstream msg;
        msg << "gemm " << variant << " is wrong at " << s.M << "x" << s.N << "x" << s.K
            << " (op(A)=" << (s.ta == Trans::yes ? "T" : "N") << ", op(B)=" << (s.tb == Trans::yes ? "T" : "N")
            << "): C[" << i << ", " << j << "] = " << C[i * s.N + j];
        return msg.str();
    };
    for (std::size_t i = 0; i < s.M; ++i)
        for (std::size_t j = 0; j < s.N; ++j)
            if (!std::isfinite(C[i * s.N + j])) return where(i, j) + ", not a finite number";
    for (std::size_t r = 0; r < d.rows.size(); ++r)
        for (std::size_t j = 0; j < s.N; ++j) {
            const auto got = static_cast<double>(C[d.rows[r] * s.N + j]);
            const double exact = d.exact[r * s.N + j];
            const double tol = static_cast<double>(s.K) * static_cast<double>(FLT_EPSILON) * d.scale[r * s.N + j];
            if (!(std::abs(got - exact) <= tol)) {
                std::ostringstream msg;
                msg << where(d.rows[r], j) << ", float64 reference " << exact << ", error " << std::abs(got - exact)
                    << " > tolerance " << tol;
                return msg.str();
            }
        }
    return {};
}

struct Row {
    std::string variant;
    dl::GemmFn<float> fn;
    int threads;
};


void bm_gemm(benchmark::State& state, Row row, Shape shape, DataCache* cache,
             const std::optional<dl::bench::Peak>* peak) {
    omp_set_num_threads(row.threads);
    openblas_set_num_threads(row.threads);
    const GemmData& d = cache->get(shape, [&] { return make_data(shape); });
    dl::Tensor C({shape.M, shape.N});
    if (!dl::bench::validated(state, "gemm " + row.variant, [&] { return validate(row.variant.c_str(), row.fn, d, C); }))
        return;
    dl::bench::time_calls(state, *peak, row.threads, shape.flops(), shape.bytes(), [&] {
        row.fn(shape.ta, shape.tb, shape.M, shape.N, shape.K, 1.0f, d.A.data(), d.lda, d.B.data(), d.ldb, 0.0f,
               C.data(), shape.N);
    });
}


// The products in one training step of the chapter's MLP (Dense 784 -> 128) on a batch of 32:
//   forward    Y[32, 128]  = X[32, 784] · Wᵀ           (W stored [128, 784]: op(B) = Wᵀ)
//   backward   dW[128, 784] = dYᵀ · X                  (dY stored [32, 128]: op(A) = dYᵀ)
//              dX[32, 784]  = dY[32, 128] · W[128, 784]
const std::vector<Shape> mlp_shapes = {
    {32, 128, 784, Trans::no, Trans::yes},
    {128, 784, 32, Trans::yes, Trans::no},
    {32, 784, 128, Trans::no, Trans::no},
};

std::string row_name(const Row& row, const Shape& s) {
    std::ostringstream name;
    name << "BM_gemm/" << row.variant << "/";
    if (s.square())
        name << s.M;
    else
        name << s.M << "/" << s.N << "/" << s.K;
    name << "/threads:" << row.threads;
    return name.str();
}

}  // namespace

int main(int argc, char** argv) {
    const bool short_mode = dl::bench::take_short_flag(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

    const int all = omp_get_num_procs();
    dl::bench::add_openblas_context("bench_gemm");
    benchmark::AddCustomContext("dlfs_metric", "flops");
    static const std::optional<dl::bench::Peak> peak = dl::bench::load_peak("bench_gemm");
    if (peak) benchmark::AddCustomContext("peak_json", peak->path);
    static DataCache cache;

    // The rows of each shape: the chapter's table on one thread, then blocked and OpenBLAS on all.
    // Each OpenBLAS row comes right after ours, in the same conditions.
    const auto fn = [](const char* name) {
        for (const auto& v : dl::gemm_variants<float>)
            if (std::strcmp(v.name, name) == 0) return v.fn;
        throw std::logic_error(std::string("bench_gemm: no gemm variant named ") + name);
    };
    std::vector<Row> rows = {{"naive", fn("naive"), 1},
                             {"reordered", fn("reordered"), 1},
                             {"blocked", fn("blocked"), 1},
                             {"openblas", &gemm_openblas, 1}};
    if (all > 1) {
        rows.push_back({"blocked", fn("blocked"), all});
        rows.push_back({"openblas", &gemm_openblas, all});
    }

    // Square sizes from L1-sized (64: 48 KiB for the three matrices) to far past L2 (2048: 48 MiB),
    // then the MLP's. The naive loop takes seconds per call above 512, and the CI smoke test
    // (--short) stays at 256 and below.
    std::vector<Shape> shapes;
    for (const std::size_t n : {64, 128, 256, 512, 1024, 2048})
        if (!short_mode || n <= 256) shapes.push_back({n, n, n});
    shapes.insert(shapes.end(), mlp_shapes.begin(), mlp_shapes.end());
    for (const Shape& s : shapes)
        for (const Row& row : rows) {
            const bool too_slow = s.square() ? s.M > 512 : short_mode;  // the MLP's have a dimension of 784
            if (row.variant == "naive" && too_slow) continue;
            benchmark::RegisterBenchmark(row_name(row, s).c_str(), bm_gemm, row, s, &cache, &peak)
                ->Unit(benchmark::kMillisecond);
        }

    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
