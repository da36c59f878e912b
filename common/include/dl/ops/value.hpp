#pragma once
// Chapter 8, part 1: a scalar autodiff engine (micrograd's size, in C++).
//
// A Value is a number that remembers how it was made: the op, the Values it was made from (its
// parents) and the local derivative of the result with respect to each parent, computed during the
// forward pass while the numbers are at hand. backward() walks the graph from the output back to
// the leaves and applies the chain rule:
//
//   out = f(a, b)    ∂L/∂a += ∂L/∂out · ∂out/∂a      ∂L/∂b += ∂L/∂out · ∂out/∂b
//
// "+=" because a Value used twice (x · x) receives gradient along both uses.
//
// A Value is a handle: copies share one node (as Python's objects do), so
//   Value x = 2.0;  Value y = x * x + x;  y.backward();  x.grad() == 5
// Nodes are freed when the last handle to the graph goes (iteratively: a 100,000-node chain would
// overflow the stack if each node freed its parents recursively).

#include "dl/error.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace dl {

class Value {
public:
    // A leaf: a number the graph starts from (an input, a weight). Implicit, so 2 * x works.
    Value(double data = 0.0) : node_(std::make_shared<Node>()) { node_->data = data; }   // NOLINT

    double data() const { return node_->data; }
    double grad() const { return node_->grad; }
    // A handle is like a pointer: these change the shared node. set_data moves a weight (a training
    // step); zero_grad clears its gradient.
    void set_data(double data) const { node_->data = data; }
    void zero_grad() const { node_->grad = 0.0; }
    const std::string& op() const { return node_->op; }   // "" for a leaf, "+", "*", "exp", ...

    // The Values this one was made from, and ∂this/∂parent for each (same order).
    std::size_t parent_count() const { return node_->parents.size(); }
    Value parent(std::size_t i) const { return Value(node_->parents.at(i)); }
    double local_derivative(std::size_t i) const { return node_->local.at(i); }

    // The result of an op: its number, its parents and ∂result/∂parent for each.
    static Value from_op(double data, std::vector<Value> parents, std::vector<double> local, std::string op) {
        DL_CHECK(parents.size() == local.size(), "Value::from_op(" << op << "): " << parents.size()
                                                                   << " parents but " << local.size()
                                                                   << " local derivatives");
        Value out(data);
        for (Value& p : parents) out.node_->parents.push_back(std::move(p.node_));
        out.node_->local = std::move(local);
        out.node_->op = std::move(op);
        return out;
    }
    // grad += g (what backward does to each parent).
    void add_grad(double g) const { node_->grad += g; }

    // Two handles to the same node (the graph's identity, for a visited set).
    const void* id() const { return node_.get(); }
    friend bool operator==(const Value& a, const Value& b) { return a.node_ == b.node_; }

    // ---- Exercises (exercises/ch08_autograd/value.cpp) ----
    // xⁿ for a constant n: ∂/∂x = n xⁿ⁻¹
    Value pow(double exponent) const;
    // eˣ: ∂/∂x = eˣ      log x: ∂/∂x = 1/x      tanh x: ∂/∂x = 1 − tanh² x      relu x = max(0, x): ∂/∂x = [x > 0]
    Value exp() const;
    Value log() const;
    Value tanh() const;
    Value relu() const;
    // Every leaf this depends on gets ∂this/∂leaf added to its grad; the inner nodes' grads are set
    // to ∂this/∂node (they are the sweep's scratch, so they start from 0 on every call). So a second
    // backward() without zero_grad() doubles the leaves' grads, as in PyTorch.
    void backward() const;

private:
    struct Node {
        double data = 0.0, grad = 0.0;
        std::vector<std::shared_ptr<Node>> parents;
        std::vector<double> local;   // ∂data/∂parents[i]
        std::string op;
        Node() = default;
        Node(const Node&) = delete;
        Node& operator=(const Node&) = delete;
        // Free the graph above this node without recursion: take over each parent this node held
        // the last handle to, and its parents, and so on.
        ~Node() {
            std::vector<std::shared_ptr<Node>> pending = std::move(parents);
            while (!pending.empty()) {
                std::shared_ptr<Node> n = std::move(pending.back());
                pending.pop_back();
                if (n.use_count() == 1)
                    for (auto& p : n->parents) pending.push_back(std::move(p));
            }
        }
    };
    explicit Value(std::shared_ptr<Node> node) : node_(std::move(node)) {}
    std::shared_ptr<Node> node_;
};

// ---- Exercises (exercises/ch08_autograd/value.cpp) ----
// a + b: ∂/∂a = 1, ∂/∂b = 1          a · b: ∂/∂a = b, ∂/∂b = a
Value operator+(const Value& a, const Value& b);
Value operator*(const Value& a, const Value& b);

// Every node `root` depends on, each after all of its parents (a topological order: the leaves
// first, root last). Iterative, not recursive: a 10,000-node chain must not overflow the stack.
std::vector<Value> topological_order(const Value& root);

// The rest of arithmetic, from the ops above (so they need no derivatives of their own).
inline Value operator-(const Value& a) { return a * Value(-1.0); }
inline Value operator-(const Value& a, const Value& b) { return a + (-b); }
inline Value operator/(const Value& a, const Value& b) { return a * b.pow(-1.0); }

}  // namespace dl
