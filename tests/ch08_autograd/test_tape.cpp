// The reverse sweep: gradients of whole graphs against PyTorch and finite differences, a Var used
// twice, accumulation and zero_grad, NoGrad, long chains, freeing, and the errors it gives.
#include "dl/ops/tape_ops.hpp"
#include "dl/testing/fixtures.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"
#include "dl/testing/tape_check.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace dl;
using testing::random_tensor;
using testing::VarD;
using Catch::Matchers::WithinRel;

TEST_CASE("ch08.reverse_sweep gives a Var used twice the sum of both uses", "[ch08][exercise]") {
    const VarD x(TensorD::from({3}, {1.0, -2.0, 0.5}), true);
    const VarD y = sum(add(mul(x, x), x));   // Σ x² + x: gradient 2x + 1
    backward(y);
    // Assigning where the sweep should add keeps one use's gradient: which one depends on the order.
    const std::string assigned = "a Var used more than once gets the sum of the gradients of all its uses: add each "
                                 "incoming gradient to the node's (+=), do not assign it";
    testing::require_close(x.grad(), TensorD::from({3}, {3.0, -3.0, 2.0}), 1e-15, 0, "∂(Σ x² + x)/∂x",
                           {{assigned, TensorD::from({3}, {1.0, 1.0, 1.0})},
                            {assigned, TensorD::from({3}, {2.0, -4.0, 1.0})},
                            {assigned, TensorD::from({3}, {1.0, -2.0, 0.5})},
                            {assigned, TensorD::from({3}, {2.0, -1.0, 1.5})}});
}

TEST_CASE("ch08.reverse_sweep matches PyTorch on a graph with a broadcast and a reused node", "[ch08][exercise]") {
    const testing::Fixture f("ch08_graph.txt");
    const VarD X(f["X"], true), W(f["W"], true), b(f["b"], true), c(f["c"], true);
    const VarD h = tanh(linear(X, W, b));
    const VarD y = scale(sum(add(mul(h, h), mul(exp(h), c))), 1.0 / 3.0);
    testing::require_close(y.value(), f["y"], 1e-14, 0, "y");
    backward(y);
    testing::require_close(X.grad(), f["dX"], 1e-12, 1e-14, "dX");
    testing::require_close(W.grad(), f["dW"], 1e-12, 1e-14, "dW");
    testing::require_close(b.grad(), f["db"], 1e-12, 1e-14, "db");
    testing::require_close(c.grad(), f["dc"], 1e-12, 1e-14, "dc");
}

TEST_CASE("ch08.reverse_sweep matches finite differences through a classifier's graph", "[ch08][exercise]") {
    using V = std::vector<VarD>;
    const std::vector<int> labels = {1, 0, 2, 2};
    auto f = [&](const V& v) {
        const VarD h = sigmoid(linear(v[0], v[1], v[2]));
        const VarD z = div(matmul(h, v[3], Trans::no, Trans::yes), add(VarD(TensorD({1}, 1.0)), log(sum_last_axis(exp(h)))));
        return add(softmax_cross_entropy(z, std::span<const int>(labels)), mean(mul(h, h)));
    };
    const auto report = testing::graph_check(f,
                                             {random_tensor<double>({4, 3}, 1), random_tensor<double>({5, 3}, 2),
                                              random_tensor<double>({5}, 3), random_tensor<double>({3, 5}, 4)},
                                             5);
    INFO(report.describe());
    CHECK(report.max_rel_error < 1e-6);
}

TEST_CASE("ch08.reverse_sweep accumulates: backward twice doubles the gradients, zero_grad resets them",
          "[ch08][exercise]") {
    const VarD W(random_tensor<double>({4, 3}, 7), true), x(random_tensor<double>({2, 3}, 8));
    const VarD loss = sum(tanh(matmul(x, W, Trans::no, Trans::yes)));
    backward(loss);
    const TensorD once = W.grad();
    backward(loss);   // the graph is kept: backward can run again (nothing is freed by the sweep)
    for (std::size_t i = 0; i < once.size(); ++i) CHECK_THAT(W.grad()[i], WithinRel(2 * once[i], 1e-15));
    W.zero_grad();
    backward(loss);
    testing::require_close(W.grad(), once, 0, 0, "after zero_grad");
    CHECK(x.grad().empty());   // x does not require a gradient: none is kept
}

TEST_CASE("ch08.reverse_sweep leaves NoGrad results unrecorded, and says why it has nothing to do",
          "[ch08][exercise]") {
    const VarD W(random_tensor<double>({4, 3}, 9), true);
    VarD y;
    {
        NoGrad off;
        y = sum(tanh(W));
    }
    CHECK_FALSE(y.requires_grad());
    CHECK(y.inputs().empty());   // a constant: the graph was never built
    CHECK_THROWS_WITH(backward(y), Catch::Contains("does not depend on anything that requires a gradient"));
    CHECK(sum(tanh(W)).requires_grad());   // recording is back on after the scope
}

TEST_CASE("ch08.reverse_sweep runs through a 100,000-op chain, which is freed without recursion",
          "[ch08][exercise]") {
    const VarD x(TensorD({2}, 1.5), true);
    {
        VarD y = x;
        for (int i = 0; i < 100000; ++i) y = scale(y, i % 2 == 0 ? 2.0 : 0.5);
        backward(sum(y));
        testing::require_close(x.grad(), TensorD({2}, 1.0), 1e-15, 0, "through 100,000 scales");
    }   // y's graph goes here: freeing it must not overflow the stack either
    CHECK(x.use_count() == 1);   // nothing else holds the leaf: the graph was freed
}

TEST_CASE("ch08.reverse_sweep grad() returns gradients without touching grad(), zeros for an unused input",
          "[ch08][exercise]") {
    const VarD a(TensorD::from({2}, {1.0, 2.0}), true), unused(TensorD({3}), true);
    const VarD y = sum(mul(a, a));
    const std::vector<VarD> g = grad(y, {a, unused});
    testing::require_close(g[0].value(), TensorD::from({2}, {2.0, 4.0}), 0, 0, "∂Σa²/∂a");
    testing::require_close(g[1].value(), TensorD({3}), 0, 0, "an input y does not use");
    CHECK(a.grad().empty());
}
