// The VAE's pieces: the reparameterisation and the KL term against PyTorch, against cases worked
// by hand and against finite differences; the KL term's gradient adds to what is there.
#include "dl/ops/generative.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/fixtures.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace dl;
using testing::require_close;

TEST_CASE("ch09.reparameterize_forward gives mu + exp(logvar / 2) * eps, as PyTorch does", "[ch09][exercise]") {
    const testing::Fixture f("ch09_vae.txt");
    TensorD Z;
    reparameterize_forward(Z, f["mu"], f["logvar"], f["eps"]);
    TensorD with_variance = f["mu"];   // the slip: e^logvar (the variance) where σ = e^(logvar / 2) belongs
    for (std::size_t i = 0; i < with_variance.size(); ++i) with_variance[i] += std::exp(f["logvar"][i]) * f["eps"][i];
    require_close(Z, f["Z"], 1e-12, 1e-14, "Z", {{"σ taken as e^logvar (the variance); σ = e^(logvar / 2)", with_variance}});
    // A hand-worked row: μ = 1, logvar = ln 4 (σ = 2), ε = −0.5 gives z = 1 + 2·(−0.5) = 0.
    reparameterize_forward(Z, TensorD::from({1, 1}, {1}), TensorD::from({1, 1}, {std::log(4.0)}),
                           TensorD::from({1, 1}, {-0.5}));
    require_close(Z, TensorD::from({1, 1}, {0}), 0, 1e-15, "Z for mu 1, sigma 2, eps -0.5");
    REQUIRE(testing::throws_error(
        [&] { reparameterize_forward(Z, f["mu"], f["logvar"], TensorD({5, 2})); }));   // eps of another shape
}

TEST_CASE("ch09.reparameterize_backward agrees with PyTorch for a fixed noise draw", "[ch09][exercise]") {
    const testing::Fixture f("ch09_vae.txt");
    TensorD dmu({5, 3}, 1e6), dlogvar({5, 3}, 1e6);   // overwritten, not added to
    reparameterize_backward(dmu, dlogvar, f["dZ"], f["logvar"], f["eps"]);
    require_close(dmu, f["dmu"], 1e-12, 1e-14, "dmu");
    TensorD twice = f["dlogvar"];
    for (auto& v : twice) v *= 2;
    require_close(dlogvar, f["dlogvar"], 1e-12, 1e-14, "dlogvar",
                  {{"the 1/2 of dσ/dlogvar = σ/2 left out", twice}});
}

TEST_CASE("ch09.reparameterize_backward matches finite differences", "[ch09][exercise]") {
    TensorD mu = testing::random_tensor<double>({4, 3}, 1), logvar = testing::random_tensor<double>({4, 3}, 2);
    const TensorD eps = testing::random_tensor<double>({4, 3}, 3), dZ = testing::random_tensor<double>({4, 3}, 4);
    TensorD dmu, dlogvar;
    reparameterize_backward(dmu, dlogvar, dZ, logvar, eps);
    const auto loss = [&] {
        TensorD Z;
        reparameterize_forward(Z, mu, logvar, eps);
        return testing::detail::dot_all(Z, dZ);
    };
    testing::GradientChecks checks;
    checks.against("dmu", mu, dmu, loss);
    checks.against("dlogvar", logvar, dlogvar, loss);
    INFO(checks.report.describe());
    REQUIRE(checks.report.max_rel_error < 1e-6);
}

TEST_CASE("ch09.gaussian_kl_forward is 0 at the prior, 1/2 mu^2 for a shifted unit Gaussian, and PyTorch's value",
          "[ch09][exercise]") {
    // KL(N(μ, σ²) ‖ N(0, 1)) = ½ (μ² + σ² − 1 − ln σ²): 0 for the prior itself, ½ for μ = 1, σ = 1,
    // and ½ (4 − 1 − ln 4) for μ = 0, σ = 2. Summed over the latents, averaged over the rows.
    require_close(gaussian_kl_forward(TensorD({3, 2}), TensorD({3, 2})), 0, 0, 1e-15, "KL of the prior from itself");
    // Three rows, so that each slip gives its own number: summed 1.5, the ½ left out 1.
    const double shifted = gaussian_kl_forward(TensorD::from({3, 1}, {1, -1, 1}), TensorD({3, 1}));
    require_close(shifted, 0.5, 1e-14, 0, "KL for mu = ±1, sigma = 1 (mean of three rows of 1/2)",
                  {{"summed over the batch, not averaged", 1.5}, {"the ½ of ½ (μ² + σ² − 1 − ln σ²) left out", 1.0}});
    const double wide_want = 0.5 * (3 - std::log(4.0)) + 0.5;
    const double wide = gaussian_kl_forward(TensorD::from({1, 2}, {0, 1}), TensorD::from({1, 2}, {std::log(4.0), 0}));
    require_close(wide, wide_want, 1e-14, 0, "KL for (sigma 2, mu 0) and (sigma 1, mu 1) in one row",
                  {{"divided by every element (N·L = 2), not by the batch N = 1", wide_want / 2},
                   {"the ½ of ½ (μ² + σ² − 1 − ln σ²) left out", 2 * wide_want}});
    const testing::Fixture f("ch09_vae.txt");
    const double kl = gaussian_kl_forward(f["mu"], f["logvar"]);
    require_close(kl, f["kl"][0], 1e-12, 0, "KL against PyTorch",
                  {{"divided by every element (N·L), not by the batch N", f["kl"][0] / 3},
                   {"summed over the batch, not averaged", f["kl"][0] * 5}});
}

TEST_CASE("ch09.gaussian_kl_backward adds PyTorch's gradients to what is there", "[ch09][exercise]") {
    const testing::Fixture f("ch09_vae.txt");
    // Start from the reparameterisation's gradients, as the VAE's backward does.
    TensorD dmu = f["dmu"], dlogvar = f["dlogvar"];
    gaussian_kl_backward(dmu, dlogvar, f["mu"], f["logvar"]);
    TensorD want_mu = f["dmu"], want_logvar = f["dlogvar"];
    for (std::size_t i = 0; i < want_mu.size(); ++i) {
        want_mu[i] += f["kl_dmu"][i];
        want_logvar[i] += f["kl_dlogvar"][i];
    }
    require_close(dmu, want_mu, 1e-12, 1e-14, "dmu after the KL term",
                  {{"overwritten instead of added to", f["kl_dmu"]}});
    require_close(dlogvar, want_logvar, 1e-12, 1e-14, "dlogvar after the KL term",
                  {{"overwritten instead of added to", f["kl_dlogvar"]}});
}

TEST_CASE("ch09.gaussian_kl_backward matches finite differences", "[ch09][exercise]") {
    TensorD mu = testing::random_tensor<double>({3, 4}, 5), logvar = testing::random_tensor<double>({3, 4}, 6);
    TensorD dmu({3, 4}), dlogvar({3, 4});
    gaussian_kl_backward(dmu, dlogvar, mu, logvar);
    const auto loss = [&] { return gaussian_kl_forward(mu, logvar); };
    testing::GradientChecks checks;
    checks.against("dmu", mu, dmu, loss);
    checks.against("dlogvar", logvar, dlogvar, loss);
    INFO(checks.report.describe());
    REQUIRE(checks.report.max_rel_error < 1e-6);
    TensorD wrong({3, 5});
    REQUIRE(testing::throws_error([&] { gaussian_kl_backward(wrong, dlogvar, mu, logvar); }));
}
