// Convolution: the direct kernel and im2col + GEMM against chapter 5's conv2d_forward_naive<double>,
// on shapes with padding, strides, odd sizes and filters as large as the padded image.
#include "check.hpp"
#include "dl/cuda/buffer.hpp"
#include "dl/cuda/conv.hpp"
#include "dl/error.hpp"
#include "dl/ops/conv.hpp"

#include <cstddef>
#include <cstdio>
#include <exception>
#include <vector>

namespace dl::cuda::check {

namespace {

// The reference: chapter 5's conv2d_forward_naive in float64 on the floats the device saw.
TensorD conv_reference(const std::vector<float>& X, const std::vector<float>& W, const std::vector<float>& b,
                       const Conv2dShape& s) {
    const auto dim = [](int v) { return static_cast<std::size_t>(v); };
    TensorD Y;
    dl::conv2d_forward_naive(Y, to_tensor(X, {dim(s.N), dim(s.C), dim(s.H), dim(s.W)}),
                             to_tensor(W, {dim(s.K), dim(s.C), dim(s.R), dim(s.S)}), to_tensor(b, {dim(s.K)}),
                             dl::Conv2dParams{dim(s.stride), dim(s.pad)});
    return Y;
}

}  // namespace

void check_conv(Checker& checker) {
    std::vector<Conv2dShape> shapes = {
        {1, 1, 1, 1, 8, 1, 1, 1, 0},     // a single pixel, 8 filters (one output alone could be a
                                         // near-cancellation b + w·x, whose relative error is unbounded)
        {2, 3, 7, 5, 4, 3, 3, 1, 1},     // 3x3 "same"
        {3, 2, 9, 11, 5, 3, 2, 2, 1},    // stride 2, a 3x2 filter
        {2, 1, 28, 28, 6, 5, 5, 1, 2},   // Fashion-MNIST's first layer
        {1, 4, 6, 6, 3, 8, 8, 1, 1},     // the filter covers the whole padded image
        {2, 16, 13, 13, 33, 3, 3, 1, 1}, // K and C·R·S that fill no GEMM tile
        {4, 8, 15, 15, 16, 1, 1, 2, 0},  // 1x1 with stride
    };
    if (checker.options().small) shapes = {{2, 3, 7, 5, 4, 3, 3, 1, 1}, {3, 2, 9, 11, 5, 3, 2, 2, 1}};
    for (const Conv2dVariant& v : conv2d_variants)
        for (const Conv2dShape& s : shapes) {
            const auto x_size = static_cast<std::size_t>(s.N) * s.C * s.H * s.W;
            const auto w_size = static_cast<std::size_t>(s.K) * s.C * s.R * s.S;
            const auto y_size = static_cast<std::size_t>(s.N) * s.K * s.OH() * s.OW();
            const auto X = checker.random(x_size), W = checker.random(w_size), b = checker.random(s.K);
            const TensorD ref = conv_reference(X, W, b, s);
            DeviceBuffer<float> dX(X), dW(W), db(b), dY(y_size);
            dY.poison();
            char what[128];
            std::snprintf(what, sizeof what, "conv/%s n%d c%d %dx%d k%d %dx%d s%d p%d", v.name, s.N, s.C, s.H, s.W, s.K,
                          s.R, s.S, s.stride, s.pad);
            try {
                v.fn(dY.data(), dX.data(), dW.data(), db.data(), s, nullptr);
                DL_CUDA_CHECK(cudaDeviceSynchronize());
            } catch (const std::exception& e) {
                checker.fail(what, e.what());
                continue;
            }
            checker.compare(what, dY.download(), ref.span(), fp32_tol(static_cast<std::size_t>(s.C) * s.R * s.S));
        }
    // A shape that cannot be convolved is refused with a message, not run.
    try {
        const Conv2dShape bad{1, 1, 3, 3, 1, 7, 7, 1, 0};
        conv2d_forward_direct(nullptr, nullptr, nullptr, nullptr, bad, nullptr);
        checker.fail("conv/refuses a 7x7 filter on a 3x3 image", "no error was raised");
    } catch (const dl::Error&) {
        checker.pass("conv/refuses a 7x7 filter on a 3x3 image");
    }
}

}  // namespace dl::cuda::check
