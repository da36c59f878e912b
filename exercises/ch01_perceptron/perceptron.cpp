#include "dl/ops/perceptron.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/dot.hpp"
#include "dl/tensor.hpp"

#include <cstddef>

namespace dl {

// ŷ = 1 if w · x + b > 0, else 0.
template <class T>
int perceptron_predict(std::span<const T> w, T b, std::span<const T> x) {
    // Hint: one dot product (you wrote it above) and one comparison.
    DL_TODO("ch01.perceptron_predict");   // lesson: chapters/ch01_perceptron/README.md#perceptron-predict
}

// On a mistake: w ← w + η (y − ŷ) x,  b ← b + η (y − ŷ).  (y − ŷ is +1 or −1 then.)
template <class T>
bool perceptron_update(std::span<T> w, T& b, std::span<const T> x, int y, T lr) {
    // Hint: predict first, with perceptron_predict<T>(w, b, x) (the <T> is needed: w is a span<T>,
    // and C++ does not deduce T through the conversion to span<const T>); change nothing and
    // return false when the prediction is right.
    DL_TODO("ch01.perceptron_update");   // lesson: chapters/ch01_perceptron/README.md#perceptron-update
}

template int perceptron_predict(std::span<const float>, float, std::span<const float>);
template int perceptron_predict(std::span<const double>, double, std::span<const double>);
template bool perceptron_update(std::span<float>, float&, std::span<const float>, int, float);
template bool perceptron_update(std::span<double>, double&, std::span<const double>, int, double);

}  // namespace dl
