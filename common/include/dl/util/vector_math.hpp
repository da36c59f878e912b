#pragma once
// exp, sigmoid, tanh and erf that the compiler vectorises. The C library's expf and tanhf are function
// calls, one element at a time, and no compiler vectorises them without -ffast-math (which we
// never use); in the LSTM's pointwise pass they took a third of the training time. These are
// branch-free, so a loop over them becomes AVX-512 code, and agree with std::exp to about 2 ulp.
// The double versions are the standard ones (the gradient checks want every digit).
//
//   eˣ = 2ⁿ · eʳ   with n = round(x / ln 2) and r = x − n ln 2 in [−ln2/2, ln2/2]
// eʳ is a degree-6 polynomial there (Cephes's coefficients), and 2ⁿ is put straight into the
// float's exponent bits.

#include <bit>
#include <cmath>
#include <cstdint>

namespace dl::vmath {

inline float exp(float x) {
    // e^−87 is still a normal float and e^88 a finite one; beyond, 0 and ∞ are near enough. (Written
    // as selects: std::clamp returns a reference, which stops the vectoriser.)
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    // n = round(x / ln 2) by the 1.5·2²³ trick: adding it leaves no bits for a fraction, so the sum
    // is rounded to an integer, which subtracting it gives back (std::floor would not vectorise).
    constexpr float round_bias = 12582912.0f;
    const float n = (x * 1.44269504088896341f + round_bias) - round_bias;
    float r = x - n * 0.693359375f;      // ln 2 in two parts: the first exact in float
    r -= n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const auto bits = static_cast<std::uint32_t>(static_cast<std::int32_t>(n) + 127) << 23;
    return p * std::bit_cast<float>(bits);
}
inline double exp(double x) { return std::exp(x); }

// σ(x) = 1 / (1 + e^−x)
inline float sigmoid(float x) { return 1.0f / (1.0f + vmath::exp(-x)); }
inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// tanh(x) = 2σ(2x) − 1 (its absolute error is a float's rounding of 1; near 0 its relative error
// grows, which no gradient notices).
inline float tanh(float x) { return 2.0f * sigmoid(2.0f * x) - 1.0f; }
inline double tanh(double x) { return std::tanh(x); }

// erf(x) = 1 − (a₁t + a₂t² + a₃t³ + a₄t⁴ + a₅t⁵) e^(−x²),  t = 1 / (1 + p|x|),  for x ≥ 0, and
// erf(−x) = −erf(x): Abramowitz and Stegun's 7.1.26, within 1.5e-7 of the true value (a float's
// rounding near 1). For GELU (chapter 7), whose erf per element cost as much as its GEMMs.
inline float erf(float x) {
    const float a = x < 0.0f ? -x : x;
    const float t = 1.0f / (1.0f + 0.3275911f * a);
    float p = 1.061405429f;
    p = p * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    const float y = 1.0f - p * t * vmath::exp(-a * a);
    return x < 0.0f ? -y : y;
}
inline double erf(double x) { return std::erf(x); }

}  // namespace dl::vmath
