#pragma once
// Rosenblatt's perceptron, with labels y ∈ {0, 1}.
//   prediction   ŷ = 1 if w · x + b > 0, else 0
//   learning     on a mistake (ŷ ≠ y):  w ← w + η (y − ŷ) x,   b ← b + η (y − ŷ)

#include <span>

namespace dl {

// ŷ for one example x (x.size() == w.size()).
template <class T>
int perceptron_predict(std::span<const T> w, T b, std::span<const T> x);

// The learning rule for one example. Updates w and b in place when the prediction is wrong and
// returns true (a mistake), else leaves them alone and returns false.
template <class T>
bool perceptron_update(std::span<T> w, T& b, std::span<const T> x, int y, T lr);

}  // namespace dl
