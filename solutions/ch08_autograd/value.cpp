#include "dl/ops/value.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <unordered_set>

namespace dl {

// a + b: both local derivatives are 1.
Value operator+(const Value& a, const Value& b) {
    return Value::from_op(a.data() + b.data(), {a, b}, {1.0, 1.0}, "+");
}

// a · b: each factor's derivative is the other factor.
Value operator*(const Value& a, const Value& b) {
    return Value::from_op(a.data() * b.data(), {a, b}, {b.data(), a.data()}, "*");
}

// xⁿ: n xⁿ⁻¹
Value Value::pow(double exponent) const {
    std::ostringstream name;
    name << '^' << exponent;
    return from_op(std::pow(data(), exponent), {*this}, {exponent * std::pow(data(), exponent - 1.0)}, name.str());
}

// eˣ: its own derivative, so the result's number is reused.
Value Value::exp() const {
    const double y = std::exp(data());
    return from_op(y, {*this}, {y}, "exp");
}

// log x: 1/x (x ≤ 0 gives NaN or −∞, as std::log does; the loss check catches it).
Value Value::log() const { return from_op(std::log(data()), {*this}, {1.0 / data()}, "log"); }

// tanh x: 1 − tanh² x, from the output.
Value Value::tanh() const {
    const double y = std::tanh(data());
    return from_op(y, {*this}, {1.0 - y * y}, "tanh");
}

// max(0, x): 1 where x > 0, else 0 (0 at x = 0, as PyTorch).
Value Value::relu() const {
    return from_op(data() > 0 ? data() : 0.0, {*this}, {data() > 0 ? 1.0 : 0.0}, "relu");
}

// Depth-first search with an explicit stack. A node is appended once all its parents are (post
// order); the stack holds (node, next parent to visit).
std::vector<Value> topological_order(const Value& root) {
    std::vector<Value> order;
    std::unordered_set<const void*> visited{root.id()};
    std::vector<std::pair<Value, std::size_t>> stack{{root, 0}};
    while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next < node.parent_count()) {
            Value parent = node.parent(next++);
            if (visited.insert(parent.id()).second) stack.emplace_back(std::move(parent), 0);
        } else {
            order.push_back(std::move(node));
            stack.pop_back();
        }
    }
    return order;
}

// Seed ∂root/∂root = 1, then in reverse topological order (every node after all that use it)
// pass each node's gradient to its parents, scaled by the local derivatives. The inner nodes'
// grads are this sweep's scratch, so they start at 0; only the leaves accumulate across calls.
void Value::backward() const {
    const std::vector<Value> order = topological_order(*this);
    for (const Value& v : order)
        if (v.parent_count() > 0) v.node_->grad = 0.0;
    node_->grad += 1.0;
    for (auto it = order.rbegin(); it != order.rend(); ++it)
        for (std::size_t i = 0; i < it->parent_count(); ++i)
            it->parent(i).add_grad(it->grad() * it->local_derivative(i));
}

}  // namespace dl
