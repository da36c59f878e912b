#include "dl/ops/perceptron.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/dot.hpp"
#include "dl/tensor.hpp"

#include <cstddef>

namespace dl {

// ŷ = 1 if w · x + b > 0, else 0.
template <class T>
int perceptron_predict(std::span<const T> w, T b, std::span<const T> x) {
    return dot_naive(w, x) + b > T(0) ? 1 : 0;
}

// On a mistake: w ← w + η (y − ŷ) x,  b ← b + η (y − ŷ).  (y − ŷ is +1 or −1 then.)
template <class T>
bool perceptron_update(std::span<T> w, T& b, std::span<const T> x, int y, T lr) {
    DL_CHECK(y == 0 || y == 1, "perceptron_update: label " << y << " is not 0 or 1");
    const int y_hat = perceptron_predict(std::span<const T>(w), b, x);
    if (y_hat == y) return false;
    const T step = lr * static_cast<T>(y - y_hat);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] += step * x[i];
    b += step;
    return true;
}

template int perceptron_predict(std::span<const float>, float, std::span<const float>);
template int perceptron_predict(std::span<const double>, double, std::span<const double>);
template bool perceptron_update(std::span<float>, float&, std::span<const float>, int, float);
template bool perceptron_update(std::span<double>, double&, std::span<const double>, int, double);

}  // namespace dl
