#include "dl/ops/attention.hpp"

#include "dl/exercise.hpp"
#include "dl/util/vector_math.hpp"

#include <cstddef>
#include <limits>

namespace dl {

// Y[r, k] = e^(X[r,k] − m_r) / Σ_j e^(X[r,j] − m_r), row by row (Y may be X: each row is read before
// it is written).
template <class T>
void softmax_forward(TensorT<T>& Y, const TensorT<T>& X) {
    DL_CHECK(X.rank() >= 1 && X.size() > 0, "softmax_forward: X is empty");
    const std::size_t K = X.shape().back(), rows = X.size() / K;
    if (&Y != &X) Y.resize(X.shape());
    const T minus_inf = -std::numeric_limits<T>::infinity();
#pragma omp parallel for schedule(static) if (rows * K > 32768)
    for (std::size_t r = 0; r < rows; ++r) {
        const T* x = X.data() + r * K;
        T* y = Y.data() + r * K;
        T m = x[0];
        for (std::size_t k = 1; k < K; ++k) m = x[k] > m ? x[k] : m;
        T sum = 0;
#pragma omp simd reduction(+ : sum)
        for (std::size_t k = 0; k < K; ++k) {
            const T e = x[k] == minus_inf ? T(0) : vmath::exp(x[k] - m);   // a masked score weighs 0
            y[k] = e;
            sum += e;
        }
        const T inv = T(1) / sum;
        for (std::size_t k = 0; k < K; ++k) y[k] *= inv;
    }
}

// dX[r, j] = Y[r, j] (dY[r, j] − Σ_k dY[r, k] Y[r, k]): the Jacobian Y_k (δ_kj − Y_j) times dY,
// never built (dX may be dY).
template <class T>
void softmax_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& Y) {
    check_same_shape(dY.shape(), Y.shape(), "softmax_backward", "dY", "Y");
    const std::size_t K = Y.shape().back(), rows = Y.size() / K;
    if (&dX != &dY) dX.resize(Y.shape());
#pragma omp parallel for schedule(static) if (rows * K > 32768)
    for (std::size_t r = 0; r < rows; ++r) {
        const T* y = Y.data() + r * K;
        const T* dy = dY.data() + r * K;
        T* dx = dX.data() + r * K;
        T inner = 0;
#pragma omp simd reduction(+ : inner)
        for (std::size_t k = 0; k < K; ++k) inner += dy[k] * y[k];
        for (std::size_t k = 0; k < K; ++k) dx[k] = y[k] * (dy[k] - inner);
    }
}

#define DL_INSTANTIATE(T)                                                     \
    template void softmax_forward(TensorT<T>&, const TensorT<T>&);             \
    template void softmax_backward(TensorT<T>&, const TensorT<T>&, const TensorT<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
