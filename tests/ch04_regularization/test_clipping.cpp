// Gradient clipping: by norm, to exactly the bound over all tensors together; by value, exactly at ±c.
#include "dl/ops/clipping.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

using namespace dl;
using Catch::Matchers::WithinRel;

namespace {
// sqrt(Σ g²) over every element of every tensor, in double.
template <class T>
double global_norm(const std::vector<TensorT<T>*>& grads) {
    double s = 0;
    for (const auto* g : grads)
        for (const T v : *g) s += static_cast<double>(v) * static_cast<double>(v);
    return std::sqrt(s);
}
}  // namespace

TEST_CASE("ch04.clip_grad_norm rescales a larger gradient to exactly max_norm, keeping its direction",
          "[ch04][exercise]") {
    // Double: one rounding per element, so the new norm is c to ~1e-15; 1e-12 leaves room.
    TensorD a = testing::random_tensor<double>({3, 4}, 61), b = testing::random_tensor<double>({5}, 62);
    const TensorD a0 = a, b0 = b;
    const std::vector<TensorD*> grads{&a, &b};
    const double before = global_norm(grads), c = before / 3;
    REQUIRE_THAT(clip_grad_norm(grads, c), WithinRel(before, 1e-14));   // the norm before clipping
    REQUIRE_THAT(global_norm(grads), WithinRel(c, 1e-12));
    // Every element scaled by the same c/‖g‖: the direction is unchanged.
    TensorD a_expected = a0, b_expected = b0;
    for (auto& v : a_expected) v *= c / before;
    for (auto& v : b_expected) v *= c / before;
    testing::require_close(a, a_expected, 1e-14, 0, "a");
    testing::require_close(b, b_expected, 1e-14, 0, "b");

    // Float, the training type: each element is rounded once more (6e-8), so 1e-6 relative for the norm.
    Tensor af = testing::random_tensor<float>({3, 4}, 63, 10.0), bf = testing::random_tensor<float>({7}, 64, 10.0);
    const Tensor af0 = af;
    const std::vector<Tensor*> grads_f{&af, &bf};
    const double before_f = global_norm(grads_f);
    const float cf = 0.5f;
    REQUIRE_THAT(static_cast<double>(clip_grad_norm(grads_f, cf)), WithinRel(before_f, 1e-6));
    REQUIRE_THAT(global_norm(grads_f), WithinRel(0.5, 1e-6));
    TensorD af_expected = tensor_cast<double>(af0);
    for (auto& v : af_expected) v *= 0.5 / before_f;
    testing::require_close(af, af_expected, 1e-6, 0, "af");
}

TEST_CASE("ch04.clip_grad_norm takes one norm over all the tensors together", "[ch04][exercise]") {
    // g₁ = (3, 0), g₂ = (4): each alone is under c = 4.5, together ‖g‖ = 5 > 4.5, so both are scaled
    // by 0.9: (2.7, 0) and (3.6). Clipping each tensor on its own would change nothing.
    TensorD g1 = TensorD::from({2}, {3.0, 0.0}), g2 = TensorD::from({1}, {4.0});
    const double returned = clip_grad_norm(std::vector<TensorD*>{&g1, &g2}, 4.5);
    const std::string alone = "each tensor was clipped by its own norm; take one norm over all of them, sqrt of the "
                              "sum of every element's square in every tensor";
    testing::require_close(g1, TensorD::from({2}, {2.7, 0.0}), 1e-15, 0, "g1", {{alone, TensorD::from({2}, {3.0, 0.0})}});
    testing::require_close(g2, TensorD::from({1}, {3.6}), 1e-15, 0, "g2", {{alone, TensorD::from({1}, {4.0})}});
    testing::require_close(returned, 5.0, 1e-15, 0, "the returned norm",
                           {{"returned the norm after clipping; return the one before", 4.5},
                            {"returned the last tensor's norm alone; return the norm over all of them", 4.0}});
}

TEST_CASE("ch04.clip_grad_norm leaves a gradient below max_norm unchanged", "[ch04][exercise]") {
    TensorD a = testing::random_tensor<double>({4, 3}, 65), b = testing::random_tensor<double>({2}, 66);
    const TensorD a0 = a, b0 = b;
    const std::vector<TensorD*> grads{&a, &b};
    const double norm = global_norm(grads);
    REQUIRE_THAT(clip_grad_norm(grads, 2 * norm), WithinRel(norm, 1e-14));
    for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(a[i] == a0[i]);   // not even rounded by a scale of 1
    for (std::size_t i = 0; i < b.size(); ++i) REQUIRE(b[i] == b0[i]);
}

TEST_CASE("ch04.clip_grad_norm rejects a max_norm that is not positive", "[ch04][exercise]") {
    TensorD g = TensorD::from({2}, {3.0, 4.0});
    const std::vector<TensorD*> grads{&g};
    for (const double c : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN()}) {
        CAPTURE(c);
        REQUIRE(testing::throws_error([&] { clip_grad_norm(grads, c); }));
    }
}

TEST_CASE("ch04.clip_grad_value clamps every element to [-c, c] exactly", "[ch04][exercise]") {
    // c = 0.7: values beyond it become exactly ±0.7, the others stay exactly as they were.
    TensorD g1 = TensorD::from({2, 3}, {-3.0, -0.5, 0.5, 0.7, 2.0, -0.7});
    TensorD g2 = TensorD::from({2}, {0.69, 1e9});
    clip_grad_value(std::vector<TensorD*>{&g1, &g2}, 0.7);
    const std::vector<double> want1{-0.7, -0.5, 0.5, 0.7, 0.7, -0.7}, want2{0.69, 0.7};
    for (std::size_t i = 0; i < want1.size(); ++i) REQUIRE(g1[i] == want1[i]);
    for (std::size_t i = 0; i < want2.size(); ++i) REQUIRE(g2[i] == want2[i]);
    // Float: ±c exactly as the float c.
    Tensor f = Tensor::from({3}, {-5.0f, 0.25f, 5.0f});
    clip_grad_value(std::vector<Tensor*>{&f}, 0.3f);
    REQUIRE(f[0] == -0.3f);
    REQUIRE(f[1] == 0.25f);
    REQUIRE(f[2] == 0.3f);
}

TEST_CASE("ch04.clip_grad_value rejects a clip that is not positive", "[ch04][exercise]") {
    TensorD g = TensorD::from({2}, {3.0, 4.0});
    const std::vector<TensorD*> grads{&g};
    for (const double c : {0.0, -0.5, std::numeric_limits<double>::quiet_NaN()}) {
        CAPTURE(c);
        REQUIRE(testing::throws_error([&] { clip_grad_value(grads, c); }));
    }
}
