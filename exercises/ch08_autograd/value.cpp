#include "dl/ops/value.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <unordered_set>

namespace dl {

// a + b: both local derivatives are 1.
Value operator+(const Value& a, const Value& b) {
    // Hint: Value::from_op(the sum, {a, b}, {∂/∂a, ∂/∂b}, "+").
    DL_TODO("ch08.value_arithmetic");   // lesson: chapters/ch08_autograd/README.md#value-arithmetic
}

// a · b: each factor's derivative is the other factor.
Value operator*(const Value& a, const Value& b) {
    // Hint: as +, with the local derivatives b.data() and a.data().
    DL_TODO("ch08.value_arithmetic");   // lesson: chapters/ch08_autograd/README.md#value-arithmetic
}

// xⁿ: n xⁿ⁻¹
Value Value::pow(double exponent) const {
    // Hint: from_op(std::pow(data(), exponent), {*this}, {n · xⁿ⁻¹}, a name such as "^3").
    DL_TODO("ch08.value_arithmetic");   // lesson: chapters/ch08_autograd/README.md#value-arithmetic
}

Value Value::exp() const {
    // Hint: eˣ is its own derivative: compute it once and use it twice.
    DL_TODO("ch08.value_functions");   // lesson: chapters/ch08_autograd/README.md#value-functions
}

Value Value::log() const {
    DL_TODO("ch08.value_functions");   // lesson: chapters/ch08_autograd/README.md#value-functions
}

Value Value::tanh() const {
    // Hint: the derivative 1 − tanh² x reads the output, not the input.
    DL_TODO("ch08.value_functions");   // lesson: chapters/ch08_autograd/README.md#value-functions
}

Value Value::relu() const {
    // Hint: the derivative is 1 where x > 0 and 0 elsewhere, at x = 0 too.
    DL_TODO("ch08.value_functions");   // lesson: chapters/ch08_autograd/README.md#value-functions
}

std::vector<Value> topological_order(const Value& root) {
    // Hint: a depth-first search with your own stack of (node, index of the next parent to visit)
    // and a set of visited ids (Value::id()). Push an unvisited parent; when a node has no parent
    // left to visit, append it to the order and pop it. No recursion: 10,000 nested calls would
    // overflow the stack.
    DL_TODO("ch08.value_topological_order");   // lesson: chapters/ch08_autograd/README.md#value-topological-order
}

void Value::backward() const {
    // Hint: take topological_order(*this); set the grad of every node with parents to 0 (they are
    // this sweep's scratch) and add 1 to this one's; then walk the order backwards and, for each
    // node and each parent i, parent(i).add_grad(grad() · local_derivative(i)).
    DL_TODO("ch08.value_backward");   // lesson: chapters/ch08_autograd/README.md#value-backward
}

}  // namespace dl
