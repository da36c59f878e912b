#pragma once
// Checks of chapter 8's tape against central differences in double (see gradcheck.hpp for the method).
//
// vjp_check: one op's VJP, called directly (not through the reverse sweep), so an op's test needs
// only that op. f builds the op from one Var per input (each requiring a gradient); with a random
// dY, L = Σ f(X) ⊙ dY and the VJP must give ∂L/∂Xᵢ for every input.
//
// graph_check: a whole graph through backward(), the leaves' gradients.

#include "dl/ops/tape.hpp"
#include "dl/testing/gradcheck.hpp"
#include "dl/testing/random.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

namespace dl::testing {

using VarD = Var<double>;
using TapeFunction = std::function<VarD(const std::vector<VarD>&)>;

inline std::vector<VarD> leaves(const std::vector<TensorD>& values) {
    std::vector<VarD> vars;
    for (const TensorD& v : values) vars.emplace_back(v, true);
    return vars;
}

// L(inputs) = Σ f(inputs) ⊙ dY, computed without recording.
inline double tape_loss(const TapeFunction& f, const std::vector<TensorD>& inputs, const TensorD& dY) {
    NoGrad off;
    return detail::dot_all(f(leaves(inputs)).value(), dY);
}

inline GradcheckReport vjp_check(const TapeFunction& f, std::vector<TensorD> inputs, std::uint64_t seed,
                                 GradcheckOptions opt = {}) {
    const std::vector<VarD> vars = leaves(inputs);
    const VarD Y = f(vars);
    REQUIRE(Y.requires_grad());
    REQUIRE(Y.inputs().size() == vars.size());
    const TensorD dY = random_tensor<double>(Y.shape(), seed);
    std::vector<VarD> dX;
    {
        NoGrad off;
        dX = Y.node()->vjp(VarD(dY), Y, Y.inputs());
    }
    REQUIRE(dX.size() == vars.size());
    GradcheckReport report;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        INFO("input " << i << " of the " << Y.op() << " op");
        REQUIRE(Y.inputs()[i].node() == vars[i].node());
        REQUIRE(dX[i].defined());
        REQUIRE(dX[i].shape() == inputs[i].shape());
        detail::compare_by_differences(report, std::string(Y.op()) + " dX" + std::to_string(i), inputs[i],
                                       dX[i].value(), [&] { return tape_loss(f, inputs, dY); }, opt);
    }
    return report;
}

inline GradcheckReport graph_check(const TapeFunction& f, std::vector<TensorD> inputs, std::uint64_t seed,
                                   GradcheckOptions opt = {}) {
    const std::vector<VarD> vars = leaves(inputs);
    const VarD Y = f(vars);
    const TensorD dY = random_tensor<double>(Y.shape(), seed);
    backward(Y, dY);
    GradcheckReport report;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        INFO("the gradient of input " << i);
        REQUIRE(vars[i].grad().shape() == inputs[i].shape());
        detail::compare_by_differences(report, "input " + std::to_string(i), inputs[i], vars[i].grad(),
                                       [&] { return tape_loss(f, inputs, dY); }, opt);
    }
    return report;
}

// The largest |a − b| over the largest |b|: how far the tape's gradient is from a hand-written one.
template <class T>
double relative_difference(const TensorT<T>& a, const TensorT<T>& b) {
    REQUIRE(a.shape() == b.shape());
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
        scale = std::max(scale, std::abs(static_cast<double>(b[i])));
    }
    return scale > 0 ? diff / scale : diff;
}

}  // namespace dl::testing
