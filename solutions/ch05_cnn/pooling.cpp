#include "dl/ops/pooling.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/conv.hpp"

#include <cstddef>
#include <vector>

namespace dl {

namespace {
// Below this many input elements a parallel region costs more than it saves.
constexpr std::size_t parallel_threshold = std::size_t{1} << 16;

// The output shape [N, C, OH, OW] of pooling X [N, C, H, W] with K×K windows and stride S.
Shape pooled_shape(const char* where, const Shape& x, std::size_t K, std::size_t S) {
    if (x.size() != 4) DL_THROW(ShapeError, where << ": X has shape " << to_string(x) << ", expected [N, C, H, W]");
    return {x[0], x[1], conv_output_size(x[2], K, S, 0), conv_output_size(x[3], K, S, 0)};
}

// One (n, c) plane of max pooling: y and where [OH, OW] from the plane of x that starts at x[first].
template <class T>
void maxpool_plane(T* y, std::size_t* where, const T* x, std::size_t first, std::size_t W, std::size_t K,
                   std::size_t S, std::size_t OH, std::size_t OW) {
    for (std::size_t i = 0; i < OH; ++i)
        for (std::size_t j = 0; j < OW; ++j) {
            const std::size_t corner = first + i * S * W + j * S;   // the window's top left
            std::size_t best = corner;
            T best_value = x[corner];
            for (std::size_t k = 0; k < K; ++k)
                for (std::size_t l = 0; l < K; ++l) {
                    // Strictly greater, so the first maximum in row-major order wins a tie; and a
                    // NaN beats any number (x != x only for NaN), so a NaN anywhere in the window
                    // comes out, as in PyTorch, instead of vanishing unless it comes first. Selects
                    // rather than an if, which random data would mispredict half the time.
                    const std::size_t at = corner + k * W + l;
                    const bool greater = x[at] > best_value || (x[at] != x[at] && best_value == best_value);
                    best_value = greater ? x[at] : best_value;
                    best = greater ? at : best;
                }
            y[i * OW + j] = best_value;
            where[i * OW + j] = best;
        }
}
}  // namespace

// Y[n, c, i, j] = max_{k, l < K} X[n, c, i·S + k, j·S + l]; argmax holds where that max is in X.
template <class T>
void maxpool2d_forward(TensorT<T>& Y, std::vector<std::size_t>& argmax, const TensorT<T>& X, std::size_t K,
                       std::size_t S) {
    Y.resize(pooled_shape("maxpool2d_forward", X.shape(), K, S));
    argmax.resize(Y.size());
    const std::size_t H = X.dim(2), W = X.dim(3), OH = Y.dim(2), OW = Y.dim(3);
    const std::size_t planes = X.dim(0) * X.dim(1);   // one (n, c) plane after another
    // The planes are independent: split them among the threads when there is enough work.
#pragma omp parallel for schedule(static) if (X.size() >= parallel_threshold)
    for (std::size_t plane = 0; plane < planes; ++plane)
        maxpool_plane(Y.data() + plane * OH * OW, argmax.data() + plane * OH * OW, X.data(), plane * H * W, W, K, S,
                      OH, OW);
}

// Only the winner of each window moved the output, so only it gets the gradient.
template <class T>
void maxpool2d_backward(TensorT<T>& dX, const TensorT<T>& dY, const std::vector<std::size_t>& argmax,
                        const Shape& x_shape) {
    DL_CHECK(argmax.size() == dY.size(), "maxpool2d_backward: " << argmax.size() << " argmax entries for dY of shape "
                                                                << to_string(dY.shape()));
    DL_CHECK(x_shape.size() == 4 && dY.rank() == 4 && dY.dim(0) * dY.dim(1) == x_shape[0] * x_shape[1],
             "maxpool2d_backward: dY of shape " << to_string(dY.shape()) << " for X of shape " << to_string(x_shape));
    dX.resize(x_shape);
    // Plane by plane (each window, so each argmax, lies inside its own (n, c) plane), the planes
    // split among the threads. An argmax outside its plane is counted, and reported after the
    // loop: an exception must not leave a parallel region.
    const std::size_t planes = x_shape[0] * x_shape[1], plane_in = x_shape[2] * x_shape[3];
    const std::size_t plane_out = dY.size() / planes;
    std::size_t outside = 0;
#pragma omp parallel for schedule(static) reduction(+ : outside) if (dX.size() >= parallel_threshold)
    for (std::size_t plane = 0; plane < planes; ++plane) {
        T* dx = dX.data() + plane * plane_in;
        std::fill(dx, dx + plane_in, T(0));
        for (std::size_t i = plane * plane_out; i < (plane + 1) * plane_out; ++i) {
            const std::size_t at = argmax[i] - plane * plane_in;   // wraps around (huge) when below the plane
            if (at < plane_in)
                dx[at] += dY[i];
            else
                ++outside;
        }
    }
    DL_CHECK(outside == 0, "maxpool2d_backward: " << outside << " argmax entries point outside their window's "
                                                  << "plane of X (shape " << to_string(x_shape) << ")");
}

// Y[n, c, i, j] = (1/K²) Σ_{k, l < K} X[n, c, i·S + k, j·S + l]
template <class T>
void avgpool2d_forward(TensorT<T>& Y, const TensorT<T>& X, std::size_t K, std::size_t S) {
    Y.resize(pooled_shape("avgpool2d_forward", X.shape(), K, S));
    const std::size_t H = X.dim(2), W = X.dim(3), OH = Y.dim(2), OW = Y.dim(3);
    const std::size_t planes = X.dim(0) * X.dim(1);
    const T scale = T(1) / static_cast<T>(K * K);
    for (std::size_t plane = 0; plane < planes; ++plane)
        for (std::size_t i = 0; i < OH; ++i)
            for (std::size_t j = 0; j < OW; ++j) {
                T sum = 0;
                for (std::size_t k = 0; k < K; ++k)
                    for (std::size_t l = 0; l < K; ++l) sum += X[plane * H * W + (i * S + k) * W + j * S + l];
                Y[(plane * OH + i) * OW + j] = sum * scale;
            }
}

// dX[n, c, i·S + k, j·S + l] += dY[n, c, i, j] / K² for every window.
template <class T>
void avgpool2d_backward(TensorT<T>& dX, const TensorT<T>& dY, const Shape& x_shape, std::size_t K, std::size_t S) {
    check_shape(dY.shape(), pooled_shape("avgpool2d_backward", x_shape, K, S), "avgpool2d_backward", "dY");
    dX.resize(x_shape);
    dX.fill(T(0));
    const std::size_t H = x_shape[2], W = x_shape[3], OH = dY.dim(2), OW = dY.dim(3);
    const std::size_t planes = x_shape[0] * x_shape[1];
    const T scale = T(1) / static_cast<T>(K * K);
    for (std::size_t plane = 0; plane < planes; ++plane)
        for (std::size_t i = 0; i < OH; ++i)
            for (std::size_t j = 0; j < OW; ++j) {
                const T g = dY[(plane * OH + i) * OW + j] * scale;
                for (std::size_t k = 0; k < K; ++k)
                    for (std::size_t l = 0; l < K; ++l) dX[plane * H * W + (i * S + k) * W + j * S + l] += g;
            }
}

#define DL_INSTANTIATE(T)                                                                                          \
    template void maxpool2d_forward(TensorT<T>&, std::vector<std::size_t>&, const TensorT<T>&, std::size_t,        \
                                    std::size_t);                                                                  \
    template void maxpool2d_backward(TensorT<T>&, const TensorT<T>&, const std::vector<std::size_t>&, const Shape&); \
    template void avgpool2d_forward(TensorT<T>&, const TensorT<T>&, std::size_t, std::size_t);                     \
    template void avgpool2d_backward(TensorT<T>&, const TensorT<T>&, const Shape&, std::size_t, std::size_t);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
