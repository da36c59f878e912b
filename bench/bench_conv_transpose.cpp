// bench_conv_transpose: chapter 9's kernel, the float32 transposed convolution (stride 2, padding
// 1, kernel 4×4), forward and backward, on the two layers of the chapter's GAN generator:
//   layer 1  up1  X [N, 64, 7, 7]    W [64, 32, 4, 4]   Y [N, 32, 14, 14]
//   layer 2  up2  X [N, 32, 14, 14]  W [32, 1, 4, 4]    Y [N, 1, 28, 28]
// at batch N = 64 (the chapter's) and 256.
//   BM_conv_transpose/<variant>/<layer>/<N>/threads:<t>            forward:  Y = conv_T(X, W) + b
//   BM_conv_transpose_backward/<variant>/<layer>/<N>/threads:<t>   backward: dX (overwritten), dW, db (accumulated)
//   rows (the ladder):
//     naive          conv_transpose2d_*_naive, the seven loops (dl::conv_transpose2d_variants)
//     gemm           a GEMM per image with col2im (forward) or im2col (backward) on gemm_blocked,
//                    1 thread and all (dl::conv_transpose2d_variants)
//     gemm_openblas  the same on OpenBLAS's cblas_sgemm per image: the ceiling, 1 thread and all
//   The gemm rows run the images of the batch in parallel (OpenMP), each image's GEMM on one thread:
//   per image, up1's forward GEMM is only [512, 64] · [64, 49].
//   FLOPS  2·N·C·H·W·OC·KH·KW per call (forward: every input pixel stamps OC·KH·KW products),
//          twice that (backward: the dX and dW products), per second
//   BYTES  each tensor read or written once per call, per second
//   pct_peak_flops, pct_peak_bw   percent of peak.json's fma_flops_1t (or _all) and triad_bytes_all
// Rates divide by this thread's CPU time on one-thread rows, by wall-clock time on the others. Before
// timing, every row's result (outputs poisoned with NaN first) is checked element by element against
// the naive variant run in float64 on the same inputs; a wrong row is reported as an error, not timed.
// Usage: bench_conv_transpose [--short] [Google Benchmark flags]. --short (or DLFS_BENCH_SHORT=1),
// the CI smoke test: N = 64 only, every row.

#include "openblas_gemm.hpp"
#include "peak.hpp"

#include "dl/ops/conv_transpose.hpp"
#include "dl/rng.hpp"
#include "dl/tensor.hpp"

#include <benchmark/benchmark.h>
#include <cblas.h>
#include <omp.h>

#include <cstddef>
#include <cstdint>
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
    std::size_t C, H, OC;  // square images; the kernel is 4×4
};
const std::vector<Layer> layers = {{1, "up1", 64, 7, 32}, {2, "up2", 32, 14, 1}};
constexpr std::size_t K = 4;
constexpr dl::ConvTranspose2dParams params{2, 1, 0};  // doubles the side, as in the chapter's generator

enum class Pass { forward, backward };

// One layer at one batch size: random inputs in [-1, 1), the starting values of the accumulated
// gradients, and the naive variant's results in float64 (computed when first asked for).
struct Problem {
    Layer layer;
    std::size_t N = 0;
    dl::Tensor X, W, b, dY, dW0, db0;
    std::optional<dl::TensorD> Y, dX, dW, db;  // the float64 reference

    std::size_t OH() const { return dl::conv_transpose_output_size(layer.H, K, params); }
    double flops(Pass pass) const {
        const double forward = 2.0 * static_cast<double>(N * layer.C * layer.H * layer.H * layer.OC * K * K);
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
            dl::conv_transpose2d_forward_naive(y, dl::tensor_cast<double>(X), dl::tensor_cast<double>(W),
                                               dl::tensor_cast<double>(b), params);
            Y = std::move(y);
        }
        return *Y;
    }
    void backward_reference() {
        if (dX) return;
        dl::TensorD dx, dw = dl::tensor_cast<double>(dW0), db_ = dl::tensor_cast<double>(db0);
        dl::conv_transpose2d_backward_naive(dx, dw, db_, dl::tensor_cast<double>(dY), dl::tensor_cast<double>(X),
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
    p->W = dl::Tensor({layer.C, layer.OC, K, K});
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

// The tolerance of compare_to_reference (peak.hpp), 1e-4 · (|ref| + rms(ref)): each element is a
// float32 sum of at most C·KH·KW / S² = 256 products (Y), OC·KH·KW = 512 (dX) or N·H·W = 50,176
// (dW of up2 at N = 256), far below that in another order; a missing image or tap is far above it.
using dl::bench::compare_to_reference;

struct Row {
    std::string variant;
    dl::ConvTranspose2dVariant<float> conv;
    int threads;
};

// The GEMM variant on OpenBLAS in place of gemm_blocked.
constexpr dl::ConvTranspose2dVariant<float> gemm_openblas{
    "gemm_openblas",
    [](dl::Tensor& Y, const dl::Tensor& X, const dl::Tensor& W, const dl::Tensor& b, dl::ConvTranspose2dParams p) {
        dl::conv_transpose2d_forward_gemm(Y, X, W, b, p, &dl::bench::gemm_openblas);
    },
    [](dl::Tensor& dX, dl::Tensor& dW, dl::Tensor& db, const dl::Tensor& dY, const dl::Tensor& X, const dl::Tensor& W,
       dl::ConvTranspose2dParams p) {
        dl::conv_transpose2d_backward_gemm(dX, dW, db, dY, X, W, p, &dl::bench::gemm_openblas);
    }};

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
    what << "conv_transpose" << (pass == Pass::forward ? "" : " backward") << " " << row.variant << " is wrong on "
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

void bm_conv_transpose(benchmark::State& state, Row row, Pass pass, Layer layer, std::size_t N, ProblemCache* cache,
                       const std::optional<dl::bench::Peak>* peak) {
    omp_set_num_threads(row.threads);
    Problem& p = cache->get({layer.index, N}, [&] { return make_problem(layer, N); });
    Outputs out;
    const std::string what =
        std::string(pass == Pass::forward ? "conv_transpose " : "conv_transpose backward ") + row.variant;
    if (!dl::bench::validated(state, what, [&] { return validate(row, pass, p, out); })) return;
    dl::bench::time_calls(state, *peak, row.threads, p.flops(pass), p.bytes(pass), [&] { run(row, pass, p, out); });
}

std::string row_name(Pass pass, const Row& row, const Layer& layer, std::size_t N) {
    std::ostringstream name;
    name << (pass == Pass::forward ? "BM_conv_transpose/" : "BM_conv_transpose_backward/") << row.variant << "/"
         << layer.index << "/" << N << "/threads:" << row.threads;
    return name.str();
}

}  // namespace

int main(int argc, char** argv) {
    const bool short_mode = dl::bench::take_short_flag(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

    const int all = omp_get_num_procs();
    // OpenBLAS on one thread in every row: the parallelism is ours, over the images of the batch.
    openblas_set_num_threads(1);
    dl::bench::add_openblas_context("bench_conv_transpose");
    benchmark::AddCustomContext("dlfs_metric", "flops");
    benchmark::AddCustomContext("conv_transpose_layers",
                                "1: up1 X [N, 64, 7, 7] W [64, 32, 4, 4]; 2: up2 X [N, 32, 14, 14] W [32, 1, 4, 4]; "
                                "stride 2, padding 1");
    static const std::optional<dl::bench::Peak> peak = dl::bench::load_peak("bench_conv_transpose");
    if (peak) benchmark::AddCustomContext("peak_json", peak->path);
    static ProblemCache cache;

    // The ladder on one thread, OpenBLAS last; then the parallel rows on all threads (naive stays on
    // one: it is the rung below, not a contender).
    std::vector<Row> rows;
    for (const auto& v : dl::conv_transpose2d_variants<float>) rows.push_back({v.name, v, 1});
    rows.push_back({gemm_openblas.name, gemm_openblas, 1});
    if (all > 1) {
        for (const auto& v : dl::conv_transpose2d_variants<float>)
            if (std::string_view(v.name) != "naive") rows.push_back({v.name, v, all});
        rows.push_back({gemm_openblas.name, gemm_openblas, all});
    }

    const std::vector<std::size_t> batches =
        short_mode ? std::vector<std::size_t>{64} : std::vector<std::size_t>{64, 256};
    for (const Pass pass : {Pass::forward, Pass::backward})
        for (const Layer& layer : layers)
            for (const std::size_t N : batches)
                for (const Row& row : rows)
                    benchmark::RegisterBenchmark(row_name(pass, row, layer, N).c_str(), bm_conv_transpose, row, pass,
                                                 layer, N, &cache, &peak)
                        ->Unit(benchmark::kMillisecond);

    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
