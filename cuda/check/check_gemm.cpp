// GEMM: every rung of the ladder and every tuning of rungs 7 and 8 against chapter 2's gemm_naive in float64.
#include "check.hpp"
#include "dl/cuda/buffer.hpp"
#include "dl/cuda/gemm.hpp"
#include "dl/ops/gemm.hpp"

#include <cstdio>
#include <exception>
#include <iterator>
#include <string>
#include <vector>

namespace dl::cuda::check {

namespace {

struct Shape {
    int M, N, K;
};

// TF32 rounds each input to a 10-bit mantissa (relative error up to 2⁻¹¹ ≈ 4.9e-4 per input), so a
// product is off by up to about 1e-3; over random signs the errors of a sum mostly cancel, and the
// relative error of the whole result stays near 3e-4. 2e-3 leaves room without hiding a wrong index
// (which gives an error of order 1).
constexpr double kTf32Tol = 2e-3;

void check_variant(Checker& checker, const GemmVariant& v, const Shape& s, float alpha, float beta) {
    const auto M = static_cast<std::size_t>(s.M), N = static_cast<std::size_t>(s.N), K = static_cast<std::size_t>(s.K);
    const auto A = checker.random(M * K), B = checker.random(K * N), C0 = checker.random(M * N);
    // The reference: chapter 2's textbook loops, in float64 on the float inputs.
    auto ref = to_double(C0);
    const auto Ad = to_double(A), Bd = to_double(B);
    dl::gemm_naive<double>(Trans::no, Trans::no, M, N, K, alpha, Ad.data(), K, Bd.data(), N, beta, ref.data(), N);

    DeviceBuffer<float> dA(A), dB(B), dC(M * N);
    if (beta == 0.0f)
        dC.poison();   // C is not read: NaN in it must not leak into the result, and an unwritten element shows
    else
        dC.upload(C0);
    char what[128];
    std::snprintf(what, sizeof what, "gemm/%s %dx%dx%d%s", v.name, s.M, s.N, s.K, beta != 0.0f ? " beta" : "");
    try {
        v.fn(s.M, s.N, s.K, alpha, dA.data(), dB.data(), beta, dC.data(), nullptr);
        DL_CUDA_CHECK(cudaDeviceSynchronize());
    } catch (const std::exception& e) {
        checker.fail(what, e.what());
        return;
    }
    const double tol = v.precision == Precision::tf32 ? kTf32Tol : fp32_tol(K);
    checker.compare(what, dC.download(), ref, tol);
}

}  // namespace

void check_gemm(Checker& checker) {
    // Awkward shapes: single elements, sizes that fill no tile, one more and one less than a tile,
    // K not a multiple of 4 (the scalar-load path) and of the K steps, and an aligned shape with
    // partial tiles (the 16-byte path at the edges).
    std::vector<Shape> shapes = {{1, 1, 1},    {7, 5, 3},     {33, 65, 17},  {127, 129, 31},
                                 {128, 128, 128}, {200, 136, 96}, {257, 255, 300}, {64, 1000, 12}, {5, 7, 0}};
    if (checker.options().small) shapes = {{7, 5, 3}, {33, 65, 17}, {130, 132, 20}};
    std::vector<GemmVariant> variants(std::begin(gemm_variants), std::end(gemm_variants));
    variants.insert(variants.end(), std::begin(gemm_tunings), std::end(gemm_tunings));
    for (const GemmVariant& v : variants) {
        for (const Shape& s : shapes) check_variant(checker, v, s, 1.5f, 0.0f);
        // beta ≠ 0: C is read and scaled, on the single-float path and on the 16-byte one
        check_variant(checker, v, shapes[2], 0.75f, 0.5f);
        check_variant(checker, v, checker.options().small ? Shape{128, 132, 20} : Shape{200, 136, 96}, 0.75f, 0.5f);
    }
}

}  // namespace dl::cuda::check
