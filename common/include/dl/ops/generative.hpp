#pragma once
// Chapter 9's other pieces: what a variational autoencoder and a generative adversarial network
// add to the layers of chapters 2-5. Elementwise over tensors of any shape unless a shape is given.

#include "dl/tensor.hpp"

namespace dl {

// --- Leaky ReLU (the discriminator's activation: a small slope a for negative inputs, so a unit
// that has gone negative still passes a gradient back to the generator) --------------------------

// Y = X where X > 0, a·X elsewhere.
template <class T>
void leaky_relu_forward(TensorT<T>& Y, const TensorT<T>& X, T slope);

// dX = dY where X > 0, a·dY elsewhere (at 0 the slope a, as PyTorch does). Overwrites dX.
template <class T>
void leaky_relu_backward(TensorT<T>& dX, const TensorT<T>& dY, const TensorT<T>& X, T slope);

// --- Binary cross-entropy on logits --------------------------------------------------------------
// For a logit x (the probability is σ(x)) and a target y in [0, 1]:
//   ℓ(x, y) = −y log σ(x) − (1 − y) log(1 − σ(x)) = max(x, 0) − x·y + log(1 + e^(−|x|))
// The second form never overflows (e^(−|x|) ≤ 1) and never takes the log of 0: at x = ±100 it is
// exact where σ(x) rounds to 0 or 1 and the first form gives inf or NaN.

// Returns scale · Σ ℓ(X, Y) over every element (scale = 1 / X.size() for the mean; 1 / N for a
// sum over each image's pixels averaged over a batch of N).
template <class T>
T bce_with_logits_forward(const TensorT<T>& X, const TensorT<T>& Y, T scale);

// dX = scale · (σ(X) − Y): the sigmoid's slope and the log's cancel. Overwrites dX.
template <class T>
void bce_with_logits_backward(TensorT<T>& dX, const TensorT<T>& X, const TensorT<T>& Y, T scale);

// --- The variational autoencoder ----------------------------------------------------------------
// The encoder gives each image a Gaussian q(z|x) = N(μ, diag(e^logvar)) over the latent space;
// mu, logvar, eps and Z are [N, L] (L latent dimensions).

// Throws ShapeError naming the function unless mu is [N, L] and logvar has its shape.
inline void check_latent_shapes(const char* where, const Shape& mu, const Shape& logvar) {
    if (mu.size() != 2) DL_THROW(ShapeError, where << ": mu has shape " << to_string(mu) << ", expected [N, L]");
    check_same_shape(logvar, mu, where, "logvar", "mu");
}

// The reparameterisation trick: a sample whose randomness is an input, so the gradient reaches μ
// and logvar:   Z = μ + σ ⊙ ε,  σ = e^(logvar / 2),  ε ~ N(0, I) drawn by the caller.
template <class T>
void reparameterize_forward(TensorT<T>& Z, const TensorT<T>& mu, const TensorT<T>& logvar, const TensorT<T>& eps);

// dμ = dZ,   dlogvar = dZ ⊙ ε ⊙ σ / 2.   Overwrites both.
template <class T>
void reparameterize_backward(TensorT<T>& dmu, TensorT<T>& dlogvar, const TensorT<T>& dZ, const TensorT<T>& logvar,
                             const TensorT<T>& eps);

// The KL divergence of q(z|x) from the prior N(0, I), in closed form, summed over the latent
// dimensions and averaged over the batch of N = mu.dim(0):
//   KL = (1/N) Σ_n Σ_j ½ (μ² + e^logvar − 1 − logvar)
template <class T>
T gaussian_kl_forward(const TensorT<T>& mu, const TensorT<T>& logvar);

// dμ += μ / N,   dlogvar += (e^logvar − 1) / (2N).   Accumulates: the reparameterisation's
// gradient is already there.
template <class T>
void gaussian_kl_backward(TensorT<T>& dmu, TensorT<T>& dlogvar, const TensorT<T>& mu, const TensorT<T>& logvar);

// --- The GAN's two losses -----------------------------------------------------------------------
// D(x) is the discriminator's logit that x is real; real and fake logits are [N, 1].

// The discriminator learns to tell them apart: L_D = mean ℓ(real, 1) + mean ℓ(fake, 0).
// Returns L_D and writes both gradients (overwritten).
template <class T>
T gan_discriminator_loss(TensorT<T>& d_real, TensorT<T>& d_fake, const TensorT<T>& real_logits,
                         const TensorT<T>& fake_logits);

// The generator, non-saturating: L_G = mean ℓ(fake, 1) = −mean log σ(fake), not the minimax
// game's mean log(1 − σ(fake)), whose gradient vanishes exactly when the discriminator wins (at the
// start of training). Returns L_G and writes d_fake (overwritten), the gradient that flows back
// through the discriminator into the generator.
template <class T>
T gan_generator_loss(TensorT<T>& d_fake, const TensorT<T>& fake_logits);

}  // namespace dl
