#include "dl/ops/mse.hpp"

#include "dl/exercise.hpp"

#include <cstddef>

namespace dl {

// L = (1/M) Σ_i (Y_i − T_i)².
template <class T>
T mse_forward(const TensorT<T>& Y, const TensorT<T>& target) {
    // Hint: M is the number of elements, not of rows.
    DL_TODO("ch02.mse_forward");   // lesson: chapters/ch02_backprop/README.md#mse-forward
}

// dY = (2/M) (Y − T).
template <class T>
void mse_backward(TensorT<T>& dY, const TensorT<T>& Y, const TensorT<T>& target) {
    // Hint: differentiate one term of the sum; keep the 1/M.
    DL_TODO("ch02.mse_backward");   // lesson: chapters/ch02_backprop/README.md#mse-backward
}

template float mse_forward(const TensorT<float>&, const TensorT<float>&);
template double mse_forward(const TensorT<double>&, const TensorT<double>&);
template void mse_backward(TensorT<float>&, const TensorT<float>&, const TensorT<float>&);
template void mse_backward(TensorT<double>&, const TensorT<double>&, const TensorT<double>&);

}  // namespace dl
