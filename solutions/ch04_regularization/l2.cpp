#include "dl/ops/l2.hpp"

#include "dl/exercise.hpp"

#include <cstddef>

namespace dl {

// penalty = (λ/2) Σ_i θ_i²
template <class T>
T l2_penalty(const TensorT<T>& param, T lambda) {
    // The sum in double: a float sum over a large weight matrix would lose digits.
    double sum = 0;
    for (const T v : param) sum += static_cast<double>(v) * static_cast<double>(v);
    return static_cast<T>(0.5 * static_cast<double>(lambda) * sum);
}

// grad += λ θ
template <class T>
void l2_backward(TensorT<T>& grad, const TensorT<T>& param, T lambda) {
    check_same_shape(grad.shape(), param.shape(), "l2_backward", "grad", "param");
    for (std::size_t i = 0; i < param.size(); ++i) grad[i] += lambda * param[i];
}

#define DL_INSTANTIATE(T)                                  \
    template T l2_penalty(const TensorT<T>&, T);           \
    template void l2_backward(TensorT<T>&, const TensorT<T>&, T);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
