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
#include "dl/testing/require_close.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace dl::testing {

struct GradcheckReport {
    double max_rel_error = 0;
    std::string worst;         // "dX[1, 3]" (row 1, column 3), "grad of w[0]"
    double analytic = 0, numeric = 0;
    std::size_t checked = 0;   // elements compared
    std::string hint;          // a likely mistake, when the wrong gradient has a recognisable shape

    std::string describe() const {
        std::ostringstream out;
        out.precision(10);
        out << "worst element " << worst << ": analytic " << analytic << ", numeric " << numeric
            << ", relative error " << max_rel_error << " (" << checked << " elements checked)";
        if (!hint.empty()) out << "; " << hint;
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
// "[1, 3]": flat index i of a tensor of this shape as one index per axis (row, column, ...).
inline std::string index_text(const Shape& shape, std::size_t i) {
    std::vector<std::size_t> index(shape.size());
    for (std::size_t d = shape.size(); d-- > 0;) {
        index[d] = shape[d] == 0 ? 0 : i % shape[d];
        i = shape[d] == 0 ? i : i / shape[d];
    }
    std::string text = "[";
    for (std::size_t d = 0; d < index.size(); ++d) text += (d ? ", " : "") + std::to_string(index[d]);
    return text + "]";
}
inline double relative(double analytic, double numeric, double floor) {
    return std::abs(analytic - numeric) / std::max({std::abs(analytic), std::abs(numeric), floor});
}
inline void compare(GradcheckReport& r, const std::string& label, double analytic, double numeric, double floor) {
    const double rel = relative(analytic, numeric, floor);
    ++r.checked;
    if (rel > r.max_rel_error || r.worst.empty()) {
        r.max_rel_error = rel;
        r.worst = label;
        r.analytic = analytic;
        r.numeric = numeric;
    }
}
// The mistakes a wrong gradient most often is, recognised from the whole tensor: a matrix gradient
// transposed, the sign flipped, or a constant factor off (a missing 1/N, a factor 2 of a square).
inline std::string likely_mistake(const std::string& what, const Shape& shape, const std::vector<double>& analytic,
                                  const std::vector<double>& numeric, double floor) {
    auto all_close = [&](auto&& expected) {
        for (std::size_t i = 0; i < analytic.size(); ++i)
            if (relative(analytic[i], expected(i), floor) > 1e-5) return false;
        return true;
    };
    if (shape.size() == 2 && shape[0] == shape[1] && shape[0] > 1 &&
        all_close([&](std::size_t i) { return numeric[(i % shape[1]) * shape[1] + i / shape[1]]; }))
        return what + " is the transpose of the true gradient (swap the roles of rows and columns, or of the two "
                      "factors of its product)";
    if (all_close([&](std::size_t i) { return -numeric[i]; })) return what + " has the wrong sign everywhere";
    std::size_t at = 0;
    for (std::size_t i = 0; i < numeric.size(); ++i)
        if (std::abs(numeric[i]) > std::abs(numeric[at])) at = i;
    // One element is always some factor times the true one: that names nothing.
    if (numeric.size() < 2 || std::abs(numeric[at]) <= floor || std::abs(analytic[at]) <= floor) return {};
    const double factor = analytic[at] / numeric[at];
    if (std::abs(factor - 1) > 1e-3 && all_close([&](std::size_t i) { return factor * numeric[i]; })) {
        std::ostringstream out;
        out.precision(4);
        out << what << " is the true gradient times " << factor << " everywhere (a missing or extra constant: 1/N "
            << "of a mean, 2 of a square, a scale)";
        return out.str();
    }
    return {};
}

// Perturbs every element of `values` in place by ±h (restoring it), and compares the central
// difference of `loss()` with `analytic`, the claimed gradient with respect to `values`.
template <class Loss>
void compare_by_differences(GradcheckReport& r, const std::string& what, TensorD& values, const TensorD& analytic,
                            Loss&& loss, const GradcheckOptions& opt) {
    std::vector<double> numeric(values.size()), claimed(values.size());
    bool wrong = false;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double v = values[i];
        values[i] = v + opt.h;
        const double up = loss();
        values[i] = v - opt.h;
        const double down = loss();
        values[i] = v;
        numeric[i] = (up - down) / (2 * opt.h);
        claimed[i] = analytic[i];
        compare(r, what + index_text(values.shape(), i), analytic[i], numeric[i], opt.floor);
        wrong = wrong || !(relative(analytic[i], numeric[i], opt.floor) < 1e-4);
    }
    if (wrong && r.hint.empty()) r.hint = likely_mistake(what, values.shape(), claimed, numeric, opt.floor);
}
}  // namespace detail

// When a check failed, names the slip whose result the claimed gradient matches (in place of the
// generic hint): report.hint is then the learner's likely mistake.
inline void name_slip(GradcheckReport& report, const TensorD& claimed, const std::vector<Slip>& slips,
                      double tolerance = 1e-6) {
    if (report.max_rel_error < tolerance) return;
    if (std::string slip = matching_slip(claimed, slips, 1e-9, 1e-300); !slip.empty())
        report.hint = "likely mistake: " + std::move(slip);
}

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
