#include "dl/ops/attention.hpp"

#include "dl/exercise.hpp"
#include "dl/util/vector_math.hpp"

#include <cstddef>
#include <numbers>

namespace dl {

// GELU(x) = x Φ(x),  Φ(x) = ½ (1 + erf(x / √2))
template <class T>
void gelu_forward(TensorT<T>& Y, const TensorT<T>& X) {
    // Hint: Y.resize(X.shape()), then one line per element. std::erf works; vmath::erf is a fast
    // one that vectorises (within 1.5e-7 in float, the standard one in double).
    DL_TODO("ch07.gelu_forward");   // lesson: chapters/ch07_transformer/README.md#gelu-forward
}

// dX = dY ⊙ (Φ(x) + x φ(x)),  φ(x) = e^(−x²/2) / √(2π)
template <class T>
void gelu_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& X) {
    // Hint: the product rule on x · Φ(x); Φ' is the normal density φ. std::numbers has sqrt2_v<T>
    // and inv_sqrtpi_v<T>.
    DL_TODO("ch07.gelu_backward");   // lesson: chapters/ch07_transformer/README.md#gelu-backward
}

// GELU_tanh(x) = ½ x (1 + tanh(u)),  u = √(2/π) (x + 0.044715 x³)
template <class T>
void gelu_tanh_forward(TensorT<T>& Y, const TensorT<T>& X) {
    // Hint: as gelu_forward, with the tanh form. √(2/π) is sqrt2_v<T> · inv_sqrtpi_v<T>; write the
    // constant 0.044715 as T(0.044715). vmath::tanh vectorises (std::tanh in double).
    DL_TODO("ch07.gelu_tanh_forward");   // lesson: chapters/ch07_transformer/README.md#gelu-tanh-forward
}

// dX = dY ⊙ (½ (1 + tanh u) + ½ x (1 − tanh² u) · √(2/π) (1 + 3 · 0.044715 x²))
template <class T>
void gelu_tanh_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& X) {
    // Hint: check dY's shape and resize dX, as in gelu_backward. The product rule on
    // ½ x · (1 + tanh u(x)); tanh′ = 1 − tanh², and u′ = √(2/π)(1 + 3 · 0.044715 x²). Compute tanh u
    // once per element and use it in both terms.
    DL_TODO("ch07.gelu_tanh_backward");   // lesson: chapters/ch07_transformer/README.md#gelu-tanh-backward
}

#define DL_INSTANTIATE(T)                                                     \
    template void gelu_forward(TensorT<T>&, const TensorT<T>&);                 \
    template void gelu_backward(TensorT<T>&, const TensorT<T>&, const TensorT<T>&); \
    template void gelu_tanh_forward(TensorT<T>&, const TensorT<T>&);            \
    template void gelu_tanh_backward(TensorT<T>&, const TensorT<T>&, const TensorT<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
