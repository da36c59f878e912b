#include "dl/ops/dense.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/gemm.hpp"

#include <cstddef>

namespace dl {

namespace {
template <class T>
void check_dense(const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b, const char* where) {
    DL_CHECK(X.rank() == 2 && W.rank() == 2 && X.dim(1) == W.dim(1),
             where << ": X has shape " << to_string(X.shape()) << " but W has shape " << to_string(W.shape())
                   << " (expected X [N, in] and W [out, in])");
    check_shape(b.shape(), {W.dim(0)}, where, "b");
}
}  // namespace

// Y = X · Wᵀ + b: one GEMM (W is stored [out, in], so op(B) = Wᵀ), then the bias on every row.
template <class T>
void dense_forward(TensorT<T>& Y, const TensorT<T>& X, const TensorT<T>& W, const TensorT<T>& b) {
    check_dense(X, W, b, "dense_forward");
    const std::size_t n = X.dim(0), in = X.dim(1), out = W.dim(0);
    Y.resize({n, out});
    gemm_blocked<T>(Trans::no, Trans::yes, n, out, in, T(1), X.data(), in, W.data(), in, T(0), Y.data(), out);
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t j = 0; j < out; ++j) Y(r, j) += b[j];
}

// dX = dY · W,   dW += dYᵀ · X,   db += Σ_n dY[n, :].
template <class T>
void dense_backward(TensorT<T>& dX, TensorT<T>& dW, TensorT<T>& db, const TensorT<T>& dY, const TensorT<T>& X,
                    const TensorT<T>& W) {
    check_shape(dW.shape(), W.shape(), "dense_backward", "dW");
    check_shape(db.shape(), {W.dim(0)}, "dense_backward", "db");
    check_dense(X, W, db, "dense_backward");
    const std::size_t n = X.dim(0), in = X.dim(1), out = W.dim(0);
    check_shape(dY.shape(), {n, out}, "dense_backward", "dY");
    dX.resize({n, in});
    gemm_blocked<T>(Trans::no, Trans::no, n, in, out, T(1), dY.data(), out, W.data(), in, T(0), dX.data(), in);
    // beta = 1: parameter gradients accumulate (the optimizer zeroes them).
    gemm_blocked<T>(Trans::yes, Trans::no, out, in, n, T(1), dY.data(), out, X.data(), in, T(1), dW.data(), in);
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t j = 0; j < out; ++j) db[j] += dY(r, j);
}

#define DL_INSTANTIATE(T)                                                                                   \
    template void dense_forward(TensorT<T>&, const TensorT<T>&, const TensorT<T>&, const TensorT<T>&);      \
    template void dense_backward(TensorT<T>&, TensorT<T>&, TensorT<T>&, const TensorT<T>&, const TensorT<T>&, \
                                 const TensorT<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
