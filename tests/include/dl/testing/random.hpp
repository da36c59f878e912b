#pragma once
// Random test data: tensors of N(0, 1) (or uniform) values from a seed, never all zeros or ones.

#include "dl/rng.hpp"
#include "dl/tensor.hpp"

namespace dl::testing {

template <class T>
TensorT<T> random_tensor(Shape shape, std::uint64_t seed, double stddev = 1.0) {
    Rng rng(seed);
    TensorT<T> t(std::move(shape));
    for (auto& v : t) v = static_cast<T>(rng.normal(0.0, stddev));
    return t;
}

template <class T>
TensorT<T> random_uniform(Shape shape, std::uint64_t seed, double lo, double hi) {
    Rng rng(seed);
    TensorT<T> t(std::move(shape));
    for (auto& v : t) v = static_cast<T>(rng.uniform(lo, hi));
    return t;
}

}  // namespace dl::testing
