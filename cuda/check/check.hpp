#pragma once
// The CUDA check harness: a small program (no Catch2, so it builds on the GPU machine, which has
// none of our Debian packages) that runs every device kernel on fresh random inputs and compares
// it with a float64 reference computed on the CPU: the chapters' own naive ops from solutions/,
// instantiated for double, on the very floats the device saw (gemm_naive, conv2d_forward_naive,
// lstm_cell_forward_naive, softmax_forward, layernorm_forward, attention_forward).
//
// A check draws inputs (uniform in [-1, 1), never zeros), poisons the device output (NaN), runs the
// kernel, downloads the output and calls Checker::compare, which reports
//     rel = ‖got − ref‖₂ / ‖ref‖₂      and the number of elements that are NaN or infinite
// and fails when rel > tol or any element was left unwritten. Tolerances are per precision:
// FP32 kernels get a bound that grows with the length of the reductions they do (see fp32_tol).

#include "dl/rng.hpp"
#include "dl/tensor.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace dl::cuda::check {

struct Options {
    bool small = false;          // --small: tiny shapes, for compute-sanitizer (which is slow)
    std::uint64_t seed = 2026;   // --seed N
};

class Checker {
public:
    explicit Checker(Options options) : options_(options), rng_(options.seed) {}
    const Options& options() const { return options_; }

    // Fresh inputs: n values uniform in [lo, hi), never all zeros; each call continues the seeded
    // sequence, so every check gets its own data and a failure replays with the same --seed.
    std::vector<float> random(std::size_t n, float lo = -1.0f, float hi = 1.0f);

    // One comparison: `what` names the kernel variant and the shape, e.g. "gemm/tiled 127x65x33".
    // Returns whether it passed; a failure is printed and counted, and the remaining checks still run.
    bool compare(const std::string& what, const std::vector<float>& got, std::span<const double> ref, double tol);
    // A check passed that compared nothing (an error that was raised as it should be).
    void pass(const std::string& what);
    // A failure found some other way (a variant that threw, a shape the kernel refused).
    void fail(const std::string& what, const std::string& why);

    int passed() const { return passed_; }
    int failed() const { return failed_; }

private:
    Options options_;
    Rng rng_;
    int passed_ = 0, failed_ = 0;
};

std::vector<double> to_double(const std::vector<float>& x);
// The floats the device saw as a float64 tensor of the given shape (their count must match), the
// input of a chapter's naive op instantiated for double.
TensorD to_tensor(const std::vector<float>& x, dl::Shape shape);

// A tolerance for FP32 results whose elements are sums of `terms` products: a few ulps per term
// in the worst case grows like terms·ε, the typical (random-walk) error like sqrt(terms)·ε; we
// allow 8·sqrt(terms)·ε plus a floor, which random data never comes near unless something is wrong.
double fp32_tol(std::size_t terms);

// The checks, one function per kernel family (check_<family>.cpp).
void check_gemm(Checker& checker);
void check_conv(Checker& checker);
void check_softmax(Checker& checker);
void check_layernorm(Checker& checker);
void check_lstm(Checker& checker);
void check_attention(Checker& checker);

}  // namespace dl::cuda::check
