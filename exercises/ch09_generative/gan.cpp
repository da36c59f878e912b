#include "dl/ops/generative.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace dl {

// Y = X where X > 0, a·X elsewhere.
template <class T>
void leaky_relu_forward(TensorT<T>& Y, const TensorT<T>& X, T slope) {
    // Hint: chapter 2's relu_forward, with a·x in place of 0.
    DL_TODO("ch09.leaky_relu_forward");   // lesson: chapters/ch09_generative/README.md#leaky-relu-forward
}

// dX = dY where X > 0, a·dY elsewhere.
template <class T>
void leaky_relu_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& X, T slope) {
    // Hint: at exactly 0 the slope is a (PyTorch's choice). Check dY has X's shape.
    DL_TODO("ch09.leaky_relu_backward");   // lesson: chapters/ch09_generative/README.md#leaky-relu-backward
}

// scale · Σ [max(x, 0) − x·y + log(1 + e^(−|x|))]
template <class T>
T bce_with_logits_forward(const TensorT<T>& X, const TensorT<T>& Y, T scale) {
    // Hint: std::log1p(std::exp(-std::abs(x))) is log(1 + e^(−|x|)) without overflow or lost digits.
    DL_TODO("ch09.bce_with_logits_forward");   // lesson: chapters/ch09_generative/README.md#bce-with-logits-forward
}

// dX = scale · (σ(X) − Y), σ written so that e^x never overflows.
template <class T>
void bce_with_logits_backward(TensorT<T>& dX, const TensorT<T>& X, const TensorT<T>& Y, T scale) {
    // Hint: with e = e^(−|x|): σ(x) = 1 / (1 + e) for x ≥ 0 and e / (1 + e) for x < 0.
    DL_TODO("ch09.bce_with_logits_backward");   // lesson: chapters/ch09_generative/README.md#bce-with-logits-backward
}

// L_D = mean ℓ(real, 1) + mean ℓ(fake, 0).
template <class T>
T gan_discriminator_loss(TensorT<T>& d_real, TensorT<T>& d_fake, const TensorT<T>& real_logits,
                         const TensorT<T>& fake_logits) {
    // Hint: two calls of each bce_with_logits function, with targets of ones and of zeros and
    // scale 1 / (the number of logits).
    DL_TODO("ch09.gan_discriminator_loss");   // lesson: chapters/ch09_generative/README.md#gan-discriminator-loss
}

// L_G = mean ℓ(fake, 1): the generator is rewarded when its fakes are called real.
template <class T>
T gan_generator_loss(TensorT<T>& d_fake, const TensorT<T>& fake_logits) {
    // Hint: the target is 1 ("real"), not 0: this is the non-saturating loss.
    DL_TODO("ch09.gan_generator_loss");   // lesson: chapters/ch09_generative/README.md#gan-generator-loss
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
