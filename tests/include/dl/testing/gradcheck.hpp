#pragma once
// Gradient checking: compare a backward pass with central finite differences, in double precision.
//
// For a layer Y = f(X; θ) and a fixed upstream gradient dY, the scalar L = Σ Y ⊙ dY has
// ∂L/∂X = the layer's dX and ∂L/∂θ = its parameter gradient. Each element is checked against
//   ∂L/∂v ≈ (L(v + h) − L(v − h)) / 2h          (error O(h²), against O(h) one-sided)
// with relative error |analytic − numeric| / max(|analytic|, |numeric|, floor). Double precision
// matters: in float the rounding error of L(v ± h) / 2h swamps the difference for any useful h.
// Use a random, non-uniform dY: a uniform one hides bugs that cancel out across the batch.

#include "dl/nn/layer.hpp"

#include <cmath>
#include <functional>
#include <sstream>
#include <string>

namespace dl::testing {

struct GradcheckReport {
    double max_rel_error = 0;
    std::string worst;         // "dX[3]", "grad of w[0]"
    double analytic = 0, numeric = 0;
    std::size_t checked = 0;   // elements compared

    std::string describe() const {
        std::ostringstream out;
        out.precision(10);
        out << "worst element " << worst << ": analytic " << analytic << ", numeric " << numeric
            << ", relative error " << max_rel_error << " (" << checked << " elements checked)";
        return out.str();
    }
};

struct GradcheckOptions {
    double h = 1e-5;        // step of the central difference
    double floor = 1e-7;    // denominators below this count as this (gradients that are ~0)
};

namespace detail {
inline double dot_all(const TensorD& a, const TensorD& b) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return s;
}
inline void compare(GradcheckReport& r, const std::string& what, std::size_t i, double analytic, double numeric,
                    double floor) {
    const double rel = std::abs(analytic - numeric) / std::max({std::abs(analytic), std::abs(numeric), floor});
    ++r.checked;
    if (rel > r.max_rel_error || r.worst.empty()) {
        r.max_rel_error = rel;
        r.worst = what + "[" + std::to_string(i) + "]";
        r.analytic = analytic;
        r.numeric = numeric;
    }
}

// Perturbs every element of `values` in place by ±h (restoring it), and compares the central
// difference of `loss()` with `analytic`, the claimed gradient with respect to `values`.
template <class Loss>
void compare_by_differences(GradcheckReport& r, const std::string& what, TensorD& values, const TensorD& analytic,
                            Loss&& loss, const GradcheckOptions& opt) {
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double v = values[i];
        values[i] = v + opt.h;
        const double up = loss();
        values[i] = v - opt.h;
        const double down = loss();
        values[i] = v;
        compare(r, what, i, analytic[i], (up - down) / (2 * opt.h), opt.floor);
    }
}
}  // namespace detail


// Checks dX and every parameter gradient of `layer` at input X for upstream gradient dY.
inline GradcheckReport gradcheck(nn::LayerT<double>& layer, const TensorD& X, const TensorD& dY,
                                 GradcheckOptions opt = {}) {
    GradcheckReport report;
    auto loss_at = [&](const TensorD& x) {
        const TensorD& y = layer.forward(x, nn::Mode::train);
        check_same_shape(y.shape(), dY.shape(), "gradcheck", "the layer's output", "dY");
        return detail::dot_all(y, dY);
    };
    // Analytic gradients: one forward, one backward, parameter gradients zeroed first.
    for (auto* p : layer.parameters()) p->zero_grad();
    loss_at(X);
    const TensorD dX = layer.backward(dY);
    std::vector<TensorD> param_grads;
    for (auto* p : layer.parameters()) param_grads.push_back(p->grad);

    TensorD x = X;
    detail::compare_by_differences(report, "dX", x, dX, [&] { return loss_at(x); }, opt);
    const auto params = layer.parameters();
    for (std::size_t k = 0; k < params.size(); ++k)
        detail::compare_by_differences(report, "grad of " + params[k]->name, params[k]->value, param_grads[k],
                                       [&] { return loss_at(X); }, opt);
    return report;
}

// Checks a claimed gradient dX of a scalar function L(X) (a loss) against central differences.
inline GradcheckReport gradcheck_scalar(const std::function<double(const TensorD&)>& loss, const TensorD& X,
                                        const TensorD& dX, GradcheckOptions opt = {}) {
    check_same_shape(X.shape(), dX.shape(), "gradcheck_scalar", "X", "dX");
    GradcheckReport report;
    TensorD x = X;
    detail::compare_by_differences(report, "dX", x, dX, [&] { return loss(x); }, opt);
    return report;
}

// Several gradients of one loss L(...) = Σ Y ⊙ dY, for ops whose inputs are plain tensors rather
// than a Layer's: each claimed gradient against central differences of `loss`, into one report.
//   GradientChecks c;  c.against("dx", x, dx, loss);  c.against("dW", W, dW, loss);
//   INFO(c.report.describe());  CHECK(c.report.max_rel_error < 1e-6);
struct GradientChecks {
    GradcheckOptions options = {};
    GradcheckReport report = {};
    template <class Loss>
    void against(const std::string& what, TensorD& value, const TensorD& analytic, Loss&& loss) {
        check_same_shape(value.shape(), analytic.shape(), "gradient check", what.c_str(), "its gradient");
        detail::compare_by_differences(report, what, value, analytic, loss, options);
    }
};

}  // namespace dl::testing
