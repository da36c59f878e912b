// The tape's given plumbing, which works before any exercise is written: broadcasting's index
// arithmetic, recording and NoGrad, the walk over a graph, borrowed leaves, and the operations that
// only move data.
#include "dl/ops/tape_ops.hpp"
#include "dl/testing/random.hpp"
#include "dl/testing/require_close.hpp"
#include "dl/testing/tape_check.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

using namespace dl;
using testing::random_tensor;
using testing::VarD;

TEST_CASE("the tape: broadcast_shape follows NumPy's rule and names both shapes when they do not fit", "[ch08][infra]") {
    CHECK(broadcast_shape({32, 10}, {10}) == Shape{32, 10});
    CHECK(broadcast_shape({4, 1}, {1, 3}) == Shape{4, 3});
    CHECK(broadcast_shape({1}, {2, 7}) == Shape{2, 7});
    CHECK(broadcast_shape({2, 3, 1, 5}, {4, 1}) == Shape{2, 3, 4, 5});
    CHECK_THROWS_WITH(broadcast_shape({3, 5}, {4, 5}), Catch::Contains("[3, 5]") && Catch::Contains("[4, 5]"));
}

TEST_CASE("the tape: for_each_broadcast pairs every element with the one broadcasting copies there", "[ch08][infra]") {
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    for_each_broadcast({2, 3}, {2, 1}, [&](std::size_t o, std::size_t i) { pairs.emplace_back(o, i); });
    CHECK(pairs == std::vector<std::pair<std::size_t, std::size_t>>{{0, 0}, {1, 0}, {2, 0}, {3, 1}, {4, 1}, {5, 1}});
    pairs.clear();
    for_each_broadcast({2, 3}, {3}, [&](std::size_t o, std::size_t i) { pairs.emplace_back(o, i); });
    CHECK(pairs == std::vector<std::pair<std::size_t, std::size_t>>{{0, 0}, {1, 1}, {2, 2}, {3, 0}, {4, 1}, {5, 2}});
    CHECK_THROWS_AS(for_each_broadcast({2, 3}, {2}, [](std::size_t, std::size_t) {}), ShapeError);
}

TEST_CASE("the tape: record keeps inputs only when one requires a gradient, and NoGrad turns recording off",
          "[ch08][infra]") {
    const VarD w(TensorD({3}, 2.0), true), c(TensorD({3}, 1.0));
    CHECK(scale(w, 3.0).requires_grad());
    CHECK(scale(w, 3.0).inputs().size() == 1);
    CHECK_FALSE(scale(c, 3.0).requires_grad());
    CHECK(scale(c, 3.0).inputs().empty());
    {
        NoGrad off;
        CHECK_FALSE(grad_enabled());
        {
            NoGrad nested;
        }
        CHECK_FALSE(grad_enabled());   // the inner scope restores "off", not "on"
        CHECK(scale(w, 3.0).inputs().empty());
    }
    CHECK(grad_enabled());
}

TEST_CASE("the tape: for_each_node visits every node once, each after its inputs, and walks a deep chain",
          "[ch08][infra]") {
    auto both = [](const VarD& p, const VarD& q) { return record<double>(TensorD({2}), {p, q}, {}, "both"); };
    const VarD a(TensorD({2}), true), c(TensorD({2}));
    const VarD b = scale(a, 2.0);
    const VarD y = both(both(b, b), both(b, c));   // b used three times, c a constant
    std::vector<const TapeNode<double>*> order;
    for_each_node(y, [&](const VarD& v) {
        for (const VarD& in : v.inputs())
            CHECK(std::find(order.begin(), order.end(), in.node()) != order.end());   // its inputs came first
        CHECK(std::find(order.begin(), order.end(), v.node()) == order.end());        // once
        order.push_back(v.node());
    });
    CHECK(order.size() == 6);   // a, b, c, both(b, b), both(b, c), y
    CHECK(order.back() == y.node());
    VarD chain = a;
    for (int i = 0; i < 100000; ++i) chain = scale(chain, 1.0);
    std::size_t nodes = 0;
    for_each_node(chain, [&](const VarD&) { ++nodes; });
    CHECK(nodes == 100001);
}

TEST_CASE("the tape: a borrowed leaf reads its owner's storage, and refuses a gradient of another shape", "[ch08][infra]") {
    TensorD value({2}, 1.0), grad({2}), wrong({3});
    const VarD v = VarD::borrow(value, grad);
    CHECK(v.requires_grad());
    value[0] = 5.0;
    CHECK(v.value()[0] == 5.0);
    CHECK_THROWS_WITH(VarD::borrow(value, wrong), Catch::Contains("[3]") && Catch::Contains("[2]"));
}

TEST_CASE("the tape: backward(y) refuses a y of more than one element, and says to give dy", "[ch08][infra]") {
    const VarD w(TensorD({3}, 2.0), true);
    CHECK_THROWS_WITH(backward(scale(w, 2.0)), Catch::Contains("backward(y, dy)"));
}

TEST_CASE("the tape: grad(y, xs) refuses an x that is not a leaf, and names its op", "[ch08][infra]") {
    const VarD a(TensorD({1}, 2.0), true);
    const VarD b = scale(a, 2.0);
    CHECK_THROWS_WITH(grad(scale(b, 3.0), {a, b}), Catch::Contains("leaves") && Catch::Contains("scale"));
}

TEST_CASE("the tape: split_heads, join_heads, columns, scale and reshape have the VJPs of their data moves",
          "[ch08][infra]") {
    using V = std::vector<VarD>;
    const std::size_t B = 2, T = 3, H = 2, D = 4;
    const TensorD rows = random_tensor<double>({B * T, 3 * H * D}, 1), heads = random_tensor<double>({B * H, T, D}, 2);
    CHECK(testing::vjp_check([&](const V& x) { return split_heads(x[0], H * D, B, T, H, D); }, {rows}, 3).max_rel_error <
          1e-6);
    CHECK(testing::vjp_check([&](const V& x) { return join_heads(x[0], 2 * H * D, 3 * H * D, B, T); }, {heads}, 4)
              .max_rel_error < 1e-6);
    CHECK(testing::vjp_check([](const V& x) { return scale(x[0], -2.5); }, {rows}, 5).max_rel_error < 1e-6);
    CHECK(testing::vjp_check([&](const V& x) { return reshape(x[0], {B, T * 3 * H * D}); }, {rows}, 6).max_rel_error <
          1e-6);
    // Heads out and back in give the rows' block unchanged.
    const VarD block = join_heads(split_heads(VarD(rows), H * D, B, T, H, D), 0, H * D, B, T);
    const VarD same = columns(VarD(rows), H * D, H * D);
    testing::require_close(block.value(), same.value(), 0, 0, "join_heads(split_heads(rows)) against columns(rows)");
}
