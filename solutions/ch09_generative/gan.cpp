#include "dl/ops/generative.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace dl {

// Elements from which the loops split among the threads (as chapter 2's ReLU: below it, a parallel
// region costs more than the work).
constexpr std::size_t parallel_threshold = std::size_t{1} << 17;

// Y = X where X > 0, a·X elsewhere.
template <class T>
void leaky_relu_forward(TensorT<T>& Y, const TensorT<T>& X, T slope) {
    Y.resize(X.shape());
    const T* x = X.data();
    T* y = Y.data();
#pragma omp parallel for schedule(static) if (X.size() >= parallel_threshold)
    for (std::size_t i = 0; i < X.size(); ++i) y[i] = x[i] > T(0) ? x[i] : slope * x[i];
}

// dX = dY where X > 0, a·dY elsewhere.
template <class T>
void leaky_relu_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& X, T slope) {
    check_same_shape(dY.shape(), X.shape(), "leaky_relu_backward", "dY", "X");
    dX.resize(X.shape());
    const T *x = X.data(), *dy = dY.data();
    T* dx = dX.data();
#pragma omp parallel for schedule(static) if (X.size() >= parallel_threshold)
    for (std::size_t i = 0; i < X.size(); ++i) dx[i] = x[i] > T(0) ? dy[i] : slope * dy[i];
}

// scale · Σ [max(x, 0) − x·y + log(1 + e^(−|x|))]
template <class T>
T bce_with_logits_forward(const TensorT<T>& X, const TensorT<T>& Y, T scale) {
    check_same_shape(Y.shape(), X.shape(), "bce_with_logits_forward", "Y", "X");
    T sum = 0;
    for (std::size_t i = 0; i < X.size(); ++i)
        sum += std::max(X[i], T(0)) - X[i] * Y[i] + std::log1p(std::exp(-std::abs(X[i])));
    return scale * sum;
}

// dX = scale · (σ(X) − Y), σ written so that e^x never overflows.
template <class T>
void bce_with_logits_backward(TensorT<T>& dX, const TensorT<T>& X, const TensorT<T>& Y, T scale) {
    check_same_shape(Y.shape(), X.shape(), "bce_with_logits_backward", "Y", "X");
    dX.resize(X.shape());
    for (std::size_t i = 0; i < X.size(); ++i) {
        const T e = std::exp(-std::abs(X[i]));   // in (0, 1]
        const T sigma = X[i] >= T(0) ? 1 / (1 + e) : e / (1 + e);
        dX[i] = scale * (sigma - Y[i]);
    }
}

// L_D = mean ℓ(real, 1) + mean ℓ(fake, 0).
template <class T>
T gan_discriminator_loss(TensorT<T>& d_real, TensorT<T>& d_fake, const TensorT<T>& real_logits,
                         const TensorT<T>& fake_logits) {
    const TensorT<T> ones(real_logits.shape(), T(1)), zeros(fake_logits.shape(), T(0));
    const T real_scale = T(1) / static_cast<T>(real_logits.size());
    const T fake_scale = T(1) / static_cast<T>(fake_logits.size());
    bce_with_logits_backward(d_real, real_logits, ones, real_scale);
    bce_with_logits_backward(d_fake, fake_logits, zeros, fake_scale);
    return bce_with_logits_forward(real_logits, ones, real_scale) +
           bce_with_logits_forward(fake_logits, zeros, fake_scale);
}

// L_G = mean ℓ(fake, 1): the generator is rewarded when its fakes are called real.
template <class T>
T gan_generator_loss(TensorT<T>& d_fake, const TensorT<T>& fake_logits) {
    const TensorT<T> ones(fake_logits.shape(), T(1));
    const T scale = T(1) / static_cast<T>(fake_logits.size());
    bce_with_logits_backward(d_fake, fake_logits, ones, scale);
    return bce_with_logits_forward(fake_logits, ones, scale);
}

#define DL_INSTANTIATE(T)                                                                                         \
    template void leaky_relu_forward(TensorT<T>&, const TensorT<T>&, T);                                          \
    template void leaky_relu_backward(TensorT<T>&, const TensorT<T>&, const TensorT<T>&, T);                      \
    template T bce_with_logits_forward(const TensorT<T>&, const TensorT<T>&, T);                                  \
    template void bce_with_logits_backward(TensorT<T>&, const TensorT<T>&, const TensorT<T>&, T);                 \
    template T gan_discriminator_loss(TensorT<T>&, TensorT<T>&, const TensorT<T>&, const TensorT<T>&);            \
    template T gan_generator_loss(TensorT<T>&, const TensorT<T>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
