#include "dl/ops/mse.hpp"

#include "dl/exercise.hpp"

#include <cstddef>

namespace dl {

// L = (1/M) Σ_i (Y_i − T_i)².
template <class T>
T mse_forward(const TensorT<T>& Y, const TensorT<T>& target) {
    check_same_shape(Y.shape(), target.shape(), "mse_forward", "Y", "target");
    DL_CHECK(Y.size() > 0, "mse_forward: empty input");
    T sum = 0;
    for (std::size_t i = 0; i < Y.size(); ++i) sum += (Y[i] - target[i]) * (Y[i] - target[i]);
    return sum / static_cast<T>(Y.size());
}

// dY = (2/M) (Y − T).
template <class T>
void mse_backward(TensorT<T>& dY, const TensorT<T>& Y, const TensorT<T>& target) {
    check_same_shape(Y.shape(), target.shape(), "mse_backward", "Y", "target");
    const T scale = T(2) / static_cast<T>(Y.size());
    dY.resize(Y.shape());
    for (std::size_t i = 0; i < Y.size(); ++i) dY[i] = scale * (Y[i] - target[i]);
}

template float mse_forward(const TensorT<float>&, const TensorT<float>&);
template double mse_forward(const TensorT<double>&, const TensorT<double>&);
template void mse_backward(TensorT<float>&, const TensorT<float>&, const TensorT<float>&);
template void mse_backward(TensorT<double>&, const TensorT<double>&, const TensorT<double>&);

}  // namespace dl
