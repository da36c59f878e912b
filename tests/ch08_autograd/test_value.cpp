// The scalar engine: each op's number and local derivatives, the topological order, and backward
// against hand-derived gradients, finite differences and micrograd's published example.
#include "dl/ops/value.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <map>
#include <vector>

using namespace dl;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

// ∂f/∂x at x by central differences (f built from fresh leaves each time).
double numeric_derivative(const std::function<Value(Value)>& f, double x, double h = 1e-6) {
    return (f(Value(x + h)).data() - f(Value(x - h)).data()) / (2 * h);
}

}  // namespace

TEST_CASE("ch08.value_arithmetic computes a + b, a · b and aⁿ with their local derivatives", "[ch08][exercise]") {
    const Value a = 3.0, b = -2.0;
    const Value s = a + b, p = a * b, q = a.pow(3.0);
    CHECK(s.data() == 1.0);
    CHECK(p.data() == -6.0);
    CHECK_THAT(q.data(), WithinRel(27.0, 1e-15));
    REQUIRE(s.parent_count() == 2);
    REQUIRE(p.parent_count() == 2);
    REQUIRE(q.parent_count() == 1);
    CHECK((s.parent(0) == a && s.parent(1) == b));   // the parents are the operands themselves, not copies
    CHECK(s.local_derivative(0) == 1.0);
    CHECK(s.local_derivative(1) == 1.0);
    CHECK(p.local_derivative(0) == -2.0);   // ∂(ab)/∂a = b
    CHECK(p.local_derivative(1) == 3.0);    // ∂(ab)/∂b = a
    CHECK_THAT(q.local_derivative(0), WithinRel(27.0, 1e-15));   // 3a² at a = 3
    const Value r = a.pow(-1.0);
    CHECK_THAT(r.data(), WithinRel(1.0 / 3.0, 1e-15));
    CHECK_THAT(r.local_derivative(0), WithinRel(-1.0 / 9.0, 1e-15));
}

TEST_CASE("ch08.value_functions compute exp, log, tanh and relu with derivatives that match finite differences",
          "[ch08][exercise]") {
    const std::map<std::string, std::function<Value(Value)>> functions = {
        {"exp", [](Value x) { return x.exp(); }},
        {"log", [](Value x) { return x.log(); }},
        {"tanh", [](Value x) { return x.tanh(); }},
        {"relu", [](Value x) { return x.relu(); }},
    };
    const std::map<std::string, double (*)(double)> reference = {
        {"exp", [](double x) { return std::exp(x); }},
        {"log", [](double x) { return std::log(x); }},
        {"tanh", [](double x) { return std::tanh(x); }},
        {"relu", [](double x) { return x > 0 ? x : 0.0; }},
    };
    for (const double x : {0.3, 1.7, -0.8, 2.5}) {
        for (const auto& [name, f] : functions) {
            if (name == "log" && x <= 0) continue;
            CAPTURE(name, x);
            const Value y = f(Value(x));
            CHECK_THAT(y.data(), WithinRel(reference.at(name)(x), 1e-15));
            REQUIRE(y.parent_count() == 1);
            CHECK_THAT(y.local_derivative(0), WithinRel(numeric_derivative(f, x), 1e-7) || WithinAbs(0.0, 1e-12));
        }
    }
    CHECK(Value(-1.0).relu().local_derivative(0) == 0.0);
    CHECK(Value(0.0).relu().local_derivative(0) == 0.0);   // 0 at the kink, as PyTorch
}

TEST_CASE("ch08.value_topological_order lists every node once, each after its parents", "[ch08][exercise]") {
    // A diamond with a shared node: d = (a·b) + (a·b + c), the product used twice.
    const Value a = 2.0, b = 3.0, c = 4.0;
    const Value ab = a * b;
    const Value d = ab + (ab + c);
    const std::vector<Value> order = topological_order(d);
    REQUIRE(order.size() == 6);   // a, b, c, ab, ab + c, d
    std::map<const void*, std::size_t> position;
    for (std::size_t i = 0; i < order.size(); ++i) REQUIRE(position.emplace(order[i].id(), i).second);
    CHECK(order.back() == d);
    for (const Value& v : order)
        for (std::size_t i = 0; i < v.parent_count(); ++i) {
            REQUIRE(position.count(v.parent(i).id()) == 1);
            CHECK(position.at(v.parent(i).id()) < position.at(v.id()));
        }
    // A leaf alone is its own order.
    CHECK(topological_order(a).size() == 1);
}

TEST_CASE("ch08.value_topological_order walks a chain 40,001 nodes deep without recursion", "[ch08][exercise]") {
    Value x = 0.5;
    Value y = x;
    for (int i = 0; i < 10000; ++i) y = y * Value(1.0) + Value(0.0);
    CHECK(topological_order(y).size() == 1 + 10000 * 4);
}

TEST_CASE("ch08.value_backward gives x · x + x the gradient 2x + 1 (a node used twice)", "[ch08][exercise]") {
    const Value x = 2.0;
    const Value y = x * x + x;
    y.backward();
    CHECK(y.data() == 6.0);
    CHECK(x.grad() == 5.0);
    CHECK(y.grad() == 1.0);
}

TEST_CASE("ch08.value_backward reproduces micrograd's published example", "[ch08][exercise]") {
    // micrograd's README: g.data = 24.7041, a.grad = 138.8338, b.grad = 645.5773 (to 4 decimals).
    const Value a = -4.0, b = 2.0;
    Value c = a + b;
    Value d = a * b + b.pow(3);
    c = c + c + Value(1.0);
    c = c + Value(1.0) + c + (-a);
    d = d + d * Value(2.0) + (b + a).relu();
    d = d + Value(3.0) * d + (b - a).relu();
    const Value e = c - d;
    const Value f = e.pow(2);
    Value g = f / Value(2.0);
    g = g + Value(10.0) / f;
    g.backward();
    CHECK_THAT(g.data(), WithinAbs(24.7041, 5e-5));
    CHECK_THAT(a.grad(), WithinAbs(138.8338, 5e-5));
    CHECK_THAT(b.grad(), WithinAbs(645.5773, 5e-5));
}

TEST_CASE("ch08.value_backward matches finite differences on a neuron", "[ch08][exercise]") {
    // y = tanh(w₁x₁ + w₂x₂ + b) · exp(x₁) / log(3 + x₂²)
    auto neuron = [](const std::vector<double>& in) {
        std::vector<Value> v(in.begin(), in.end());
        const Value y = (v[0] * v[1] + v[2] * v[3] + v[4]).tanh() * v[1].exp() / (Value(3.0) + v[3].pow(2)).log();
        return std::make_pair(v, y);
    };
    const std::vector<double> point = {0.7, -0.4, -1.3, 0.9, 0.2};
    auto [vars, y] = neuron(point);
    y.backward();
    for (std::size_t i = 0; i < point.size(); ++i) {
        std::vector<double> up = point, down = point;
        up[i] += 1e-6;
        down[i] -= 1e-6;
        const double numeric = (neuron(up).second.data() - neuron(down).second.data()) / 2e-6;
        CAPTURE(i);
        CHECK_THAT(vars[i].grad(), WithinRel(numeric, 1e-7));
    }
}

TEST_CASE("ch08.value_backward twice without zero_grad doubles the leaves' gradients, and zero_grad resets them",
          "[ch08][exercise]") {
    const Value x = 1.5, w = -0.5;
    const Value y = (x * w).tanh() + x;
    y.backward();
    const double once = x.grad(), w_once = w.grad();
    y.backward();
    CHECK_THAT(x.grad(), WithinRel(2 * once, 1e-15));
    CHECK_THAT(w.grad(), WithinRel(2 * w_once, 1e-15));
    x.zero_grad();
    w.zero_grad();
    y.backward();
    CHECK_THAT(x.grad(), WithinRel(once, 1e-15));
}

TEST_CASE("ch08.value_backward runs through a 10,000-node chain", "[ch08][exercise]") {
    const Value x = 0.5;
    Value y = x;
    for (int i = 0; i < 10000; ++i) y = y * Value(1.0001);
    y.backward();
    CHECK_THAT(x.grad(), WithinRel(std::pow(1.0001, 10000), 1e-10));
}
