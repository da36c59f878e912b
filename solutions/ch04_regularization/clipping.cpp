#include "dl/ops/clipping.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace dl {

// ‖g‖ = sqrt(Σ g²) over every tensor;  if ‖g‖ > c:  g ← g · c / ‖g‖.  Returns ‖g‖ before clipping.
template <class T>
T clip_grad_norm(const std::vector<TensorT<T>*>& grads, T max_norm) {
    DL_CHECK(max_norm > T(0), "clip_grad_norm: max_norm = " << max_norm << " must be positive");
    // The sum of squares in double: float squares of large gradients overflow, and many small ones round away.
    double sum_squares = 0;
    for (std::size_t k = 0; k < grads.size(); ++k) {
        DL_CHECK(grads[k] != nullptr, "clip_grad_norm: grads[" << k << "] is a null pointer");
        for (const T v : *grads[k]) sum_squares += static_cast<double>(v) * static_cast<double>(v);
    }
    const double norm = std::sqrt(sum_squares);
    // A NaN norm fails the comparison: the gradients stay as they are and the caller sees the NaN.
    if (norm > static_cast<double>(max_norm)) {
        const double scale = static_cast<double>(max_norm) / norm;
        for (TensorT<T>* g : grads)
            for (T& v : *g) v = static_cast<T>(static_cast<double>(v) * scale);
    }
    return static_cast<T>(norm);
}

// g ← clamp(g, −c, c), element by element.
template <class T>
void clip_grad_value(const std::vector<TensorT<T>*>& grads, T clip) {
    DL_CHECK(clip > T(0), "clip_grad_value: clip = " << clip << " must be positive");
    for (std::size_t k = 0; k < grads.size(); ++k) {
        DL_CHECK(grads[k] != nullptr, "clip_grad_value: grads[" << k << "] is a null pointer");
        for (T& v : *grads[k]) v = std::clamp(v, -clip, clip);
    }
}

#define DL_INSTANTIATE(T)                                                   \
    template T clip_grad_norm(const std::vector<TensorT<T>*>&, T);          \
    template void clip_grad_value(const std::vector<TensorT<T>*>&, T);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
