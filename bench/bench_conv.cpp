// bench_conv: chapter 5's kernel, the float32 convolution (stride 1, no padding), forward and
// backward, on the two convolution layers of the chapter's model:
//   layer 1  conv1  X [N, 1, 28, 28]   W [32, 1, 3, 3]    Y [N, 32, 26, 26]   (K = C·KH·KW = 9)
//   layer 2  conv2  X [N, 32, 13, 13]  W [64, 32, 3, 3]   Y [N, 64, 11, 11]   (K = 288)
// at batch N = 32 and 128.
//   BM_conv/<variant>/<layer>/<N>/threads:<t>            forward:  Y = conv(X, W) + b
//   BM_conv_backward/<variant>/<layer>/<N>/threads:<t>   backward: dX (overwritten), dW and db (accumulated)
//   rows (the ladder):
//     naive              conv2d_*_naive, the seven loops (dl::conv2d_variants)
//     im2col_naive_gemm  im2col + chapter 2's gemm_naive per image
//     im2col             im2col + gemm_blocked per image (dl::conv2d_variants), 1 thread and all
//     im2col_openblas    im2col + OpenBLAS's cblas_sgemm per image: the ceiling, 1 thread and all
//   The im2col rows run the images of the batch in parallel (OpenMP, omp_set_num_threads(t)), each
//   image's GEMM on one thread: per image, conv2's forward GEMM is only [64, 288] · [288, 121].
//   FLOPS  2·N·OC·OH·OW·C·KH·KW per call (forward), twice that (backward: the dW and dX products;
//          db is negligible), per second
//   BYTES  each tensor read or written once per call (the least any convolution moves), per second
//   pct_peak_flops, pct_peak_bw   percent of peak.json's fma_flops_1t (or _all) and triad_bytes_all
// Rates divide by this thread's CPU time on one-thread rows, by wall-clock time on the others (as
// bench_gemm does). Before timing, every row's result (outputs poisoned with NaN first) is checked
// element by element against the naive variant run in float64 on the same inputs; a wrong row is
// reported as an error, not timed.
// Usage: bench_conv [--short] [Google Benchmark flags]. --short (or DLFS_BENCH_SHORT=1), the CI smoke
// test: N = 32 only, every row (the slowest, naive backward on conv2, takes about 0.12 s a call on a
// 2-core Xeon; the whole short run with --benchmark_min_time=0.01 takes a few seconds).

#include "openblas_gemm.hpp"
#include "peak.hpp"

#include "dl/ops/conv.hpp"
#include "dl/ops/gemm.hpp"
#include "dl/rng.hpp"
#include "dl/tensor.hpp"

#include <benchmark/benchmark.h>
#include <cblas.h>
#include <omp.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

struct Layer {
    int index;  // the <layer> of a row's name: scripts/bench-report reads only numbers there
    const char* name;
    std::size_t C, H, OC, KH;  // square images and kernels
};
const std::vector<Layer> layers = {{1, "conv1", 1, 28, 32, 3}, {2, "conv2", 32, 13, 64, 3}};
constexpr dl::Conv2dParams params{};  // stride 1, no padding, as in the chapter's model

enum class Pass { forward, backward };

// One layer at one batch size: random inputs in [-1, 1), the starting values of the accumulated
// gradients, and the naive variant's results in float64 (computed when first asked for).
struct Problem {
    Layer layer;
    std::size_t N = 0;
    dl::Tensor X, W, b, dY, dW0, db0;
    std::optional<dl::TensorD> Y, dX, dW, db;  // the float64 reference

    std::size_t OH() const { return layer.H - layer.KH + 1; }
    double flops(Pass pass) const {
        const double forward = 2.0 * static_cast<double>(N * layer.OC * OH() * OH() * layer.C * layer.KH * layer.KH);
        return pass == Pass::forward ? forward : 2.0 * forward;
    }
    double bytes(Pass pass) const {
        const auto y = static_cast<double>(N * layer.OC * OH() * OH());
        const auto x = static_cast<double>(X.size()), w = static_cast<double>(W.size()),
                   o = static_cast<double>(b.size());
        // forward: read X, W, b, write Y; backward: read dY, X, W, write dX, read and write dW, db
        return 4.0 * (pass == Pass::forward ? x + w + o + y : y + 2 * x + 3 * w + 2 * o);
    }

    const dl::TensorD& forward_reference() {
        if (!Y) {
            dl::TensorD y;
            dl::conv2d_forward_naive(y, dl::tensor_cast<double>(X), dl::tensor_cast<double>(W),
                                     dl::tensor_cast<double>(b), params);
            Y = std::move(y);
        }
        return *Y;
    }
    void backward_reference() {
        if (dX) return;
        dl::TensorD dx, dw = dl::tensor_cast<double>(dW0), db_ = dl::tensor_cast<double>(db0);
        dl::conv2d_backward_naive(dx, dw, db_, dl::tensor_cast<double>(dY), dl::tensor_cast<double>(X),
                                  dl::tensor_cast<double>(W), params);
        dX = std::move(dx), dW = std::move(dw), db = std::move(db_);
    }
};

std::unique_ptr<Problem> make_problem(const Layer& layer, std::size_t N) {
    auto p = std::make_unique<Problem>();
    p->layer = layer;
    p->N = N;
    const std::size_t OH = p->OH();
    p->X = dl::Tensor({N, layer.C, layer.H, layer.H});
    p->W = dl::Tensor({layer.OC, layer.C, layer.KH, layer.KH});
    p->b = dl::Tensor({layer.OC});
    p->dY = dl::Tensor({N, layer.OC, OH, OH});
    p->dW0 = dl::Tensor(p->W.shape());
    p->db0 = dl::Tensor(p->b.shape());
    dl::Rng rng(static_cast<std::uint64_t>(layer.index) * 1009 + N);
    for (dl::Tensor* t : {&p->X, &p->W, &p->b, &p->dY, &p->dW0, &p->db0})
        for (float& v : *t) v = static_cast<float>(rng.uniform(-1.0, 1.0));
    return p;
}

// Keyed by the layer's index and the batch size.
using ProblemCache = dl::bench::ProblemCache<Problem, std::pair<int, std::size_t>>;

// The tolerance of compare_to_reference (peak.hpp), 1e-4 · (|ref| + rms(ref)), against what these
// sums need: each element is a float32 sum, in an order that differs between variants, of
// C·KH·KW = 9 or 288 products (Y), OC·KH·KW = 288 or 576 (dX), or N·OH·OW = 3,872 to 86,528 (dW,
// db). The rounding error of such a sum grows about as √terms · FLT_EPSILON (6e-8) times its partial
// sums: measured here, |got − ref| / (|ref| + rms) is at most 1.1e-5 (the naive variant's dW on conv1
// at N = 128, one running sum of 86,528 terms), 3e-6 for the im2col rows (they sum per image, then
// add the images) and 2e-6 for Y and dX. A bug (a missing image, channel or tap, an element never
// written, a NaN) is off by far more: one image of 128 carries about 9% of dW.
using dl::bench::compare_to_reference;

struct Row {
    std::string variant;
    dl::Conv2dVariant<float> conv;
    int threads;
};

// The im2col convolution with another GEMM in place of gemm_blocked.
constexpr dl::Conv2dVariant<float> im2col_naive_gemm{
    "im2col_naive_gemm",
    [](dl::Tensor& Y, const dl::Tensor& X, const dl::Tensor& W, const dl::Tensor& b, dl::Conv2dParams p) {
        dl::conv2d_forward_im2col(Y, X, W, b, p, &dl::gemm_naive<float>);
    },
    [](dl::Tensor& dX, dl::Tensor& dW, dl::Tensor& db, const dl::Tensor& dY, const dl::Tensor& X, const dl::Tensor& W,
       dl::Conv2dParams p) { dl::conv2d_backward_im2col(dX, dW, db, dY, X, W, p, &dl::gemm_naive<float>); }};
constexpr dl::Conv2dVariant<float> im2col_openblas{
    "im2col_openblas",
    [](dl::Tensor& Y, const dl::Tensor& X, const dl::Tensor& W, const dl::Tensor& b, dl::Conv2dParams p) {
        dl::conv2d_forward_im2col(Y, X, W, b, p, &dl::bench::gemm_openblas);
    },
    [](dl::Tensor& dX, dl::Tensor& dW, dl::Tensor& db, const dl::Tensor& dY, const dl::Tensor& X, const dl::Tensor& W,
       dl::Conv2dParams p) { dl::conv2d_backward_im2col(dX, dW, db, dY, X, W, p, &dl::bench::gemm_openblas); }};

// Buffers of one row's calls: the outputs of the pass being timed.
struct Outputs {
    dl::Tensor Y, dX, dW, db;
};

void run(const Row& row, Pass pass, Problem& p, Outputs& out) {
    if (pass == Pass::forward)
        row.conv.forward(out.Y, p.X, p.W, p.b, params);
    else
        row.conv.backward(out.dX, out.dW, out.db, p.dY, p.X, p.W, params);
}

// Runs the row once from poisoned outputs (dW and db start from dW0 and db0: they accumulate) and
// compares every output with the float64 naive variant's.
std::string validate(const Row& row, Pass pass, Problem& p, Outputs& out) {
    std::ostringstream what;
    what << "conv" << (pass == Pass::forward ? "" : " backward") << " " << row.variant << " is wrong on "
         << p.layer.name << " at N = " << p.N;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    if (pass == Pass::forward) {
        const dl::TensorD& Y = p.forward_reference();
        out.Y = dl::Tensor(Y.shape(), nan);
        run(row, pass, p, out);
        return compare_to_reference(what.str(), "Y", out.Y, Y);
    }
    p.backward_reference();
    out.dX = dl::Tensor(p.X.shape(), nan);
    out.dW = p.dW0;
    out.db = p.db0;
    run(row, pass, p, out);
    std::string error = compare_to_reference(what.str(), "dX", out.dX, *p.dX);
    if (error.empty()) error = compare_to_reference(what.str(), "dW", out.dW, *p.dW);
    if (error.empty()) error = compare_to_reference(what.str(), "db", out.db, *p.db);
    return error;
}

void bm_conv(benchmark::State& state, Row row, Pass pass, Layer layer, std::size_t N, ProblemCache* cache,
             const std::optional<dl::bench::Peak>* peak) {
    omp_set_num_threads(row.threads);
    Problem& p = cache->get({layer.index, N}, [&] { return make_problem(layer, N); });
    Outputs out;
    const std::string what = std::string(pass == Pass::forward ? "conv " : "conv backward ") + row.variant;
    if (!dl::bench::validated(state, what, [&] { return validate(row, pass, p, out); })) return;
    dl::bench::time_calls(state, *peak, row.threads, p.flops(pass), p.bytes(pass), [&] { run(row, pass, p, out); });
}

std::string row_name(Pass pass, const Row& row, const Layer& layer, std::size_t N) {
    std::ostringstream name;
    name << (pass == Pass::forward ? "BM_conv/" : "BM_conv_backward/") << row.variant << "/" << layer.index << "/" << N
         << "/threads:" << row.threads;
    return name.str();
}

}  // namespace

int main(int argc, char** argv) {
    const bool short_mode = dl::bench::take_short_flag(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

    const int all = omp_get_num_procs();
    // OpenBLAS on one thread in every row: the parallelism is ours, over the images of the batch, and
    // each image's GEMM is small (conv2: 64 x 121 x 288), too small to share between threads.
    openblas_set_num_threads(1);
    dl::bench::add_openblas_context("bench_conv");
    benchmark::AddCustomContext("dlfs_metric", "flops");
    benchmark::AddCustomContext("conv_layers",
                                "1: conv1 X [N, 1, 28, 28] W [32, 1, 3, 3]; "
                                "2: conv2 X [N, 32, 13, 13] W [64, 32, 3, 3]; stride 1, no padding");
    static const std::optional<dl::bench::Peak> peak = dl::bench::load_peak("bench_conv");
    if (peak) benchmark::AddCustomContext("peak_json", peak->path);
    static ProblemCache cache;

    // The chapter's table on one thread, with im2col_naive_gemm (the same loop on chapter 2's naive
    // GEMM) before im2col and OpenBLAS last; then the parallel ones on all threads. naive and
    // im2col_naive_gemm stay on one thread: they are the rungs below, not contenders.
    std::vector<Row> rows;
    for (const auto& v : dl::conv2d_variants<float>) {
        if (std::string_view(v.name) == "im2col") rows.push_back({im2col_naive_gemm.name, im2col_naive_gemm, 1});
        rows.push_back({v.name, v, 1});
    }
    rows.push_back({im2col_openblas.name, im2col_openblas, 1});
    if (all > 1) {
        for (const auto& v : dl::conv2d_variants<float>)
            if (std::string_view(v.name) != "naive") rows.push_back({v.name, v, all});
        rows.push_back({im2col_openblas.name, im2col_openblas, all});
    }

    const std::vector<std::size_t> batches =
        short_mode ? std::vector<std::size_t>{32} : std::vector<std::size_t>{32, 128};
    for (const Pass pass : {Pass::forward, Pass::backward})
        for (const Layer& layer : layers)
            for (const std::size_t N : batches)
                for (const Row& row : rows)
                    benchmark::RegisterBenchmark(row_name(pass, row, layer, N).c_str(), bm_conv, row, pass, layer, N,
                                                 &cache, &peak)
                        ->Unit(benchmark::kMillisecond);

    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
