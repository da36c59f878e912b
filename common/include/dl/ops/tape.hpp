#pragma once
// Chapter 8, part 2: a tape over tensors (define-by-run reverse mode, as PyTorch's autograd).
//
// A Var<T> is a tensor that remembers how it was made. Each op computes its result with the
// chapters' own kernels and, when any input requires a gradient (and recording is on), records a
// node: the result, the inputs, and the op's vector-Jacobian product (VJP), the one thing each op
// supplies:
//
//   Y = f(X₁, …, Xₖ)      given dY = ∂L/∂Y, the VJP returns dXᵢ = (∂Y/∂Xᵢ)ᵀ dY = ∂L/∂Xᵢ
//
// reverse_sweep() visits the nodes from the output back to the leaves, in reverse topological
// order, calls each VJP, and adds up the gradients of a Var used more than once.
//
// The VJPs are written with Var ops too. Under NoGrad (every plain backward) they only compute;
// with create_graph they are recorded like any forward op, so the gradient is itself a Var that
// can be differentiated again: the gradient of a gradient (double backward), which gives
// Hessian-vector products. An op whose VJP calls a hand-written backward kernel instead (conv2d,
// layer_norm, attention, ...) says so when recorded, and a create_graph sweep through it stops with
// an error that names it.
//
// Vars are handles (copies share the node). A node keeps its inputs alive, so the graph lives as
// long as its output does; the VJPs get the node's own output as an argument rather than holding
// it, so no node ever owns itself. Nodes are freed iteratively (a 100,000-op chain frees fine).

#include "dl/error.hpp"
#include "dl/tensor.hpp"

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace dl {

template <class T>
struct TapeNode;

template <class T>
class Var {
public:
    Var() = default;   // undefined: "no gradient reaches here"
    // A leaf that owns its value; requires_grad marks it as something to differentiate by.
    explicit Var(TensorT<T> value, bool requires_grad = false);
    // A leaf over storage that stays its owner's (a model's parameter): reads `value`, and
    // backward() adds into `grad` (same shape). Both must outlive every graph built from the Var.
    static Var borrow(TensorT<T>& value, TensorT<T>& grad);

    bool defined() const { return node_ != nullptr; }
    const TensorT<T>& value() const { return *node_->value; }
    const Shape& shape() const { return node_->value->shape(); }
    bool requires_grad() const { return node_->requires_grad; }
    bool is_leaf() const { return node_->inputs.empty(); }
    // A leaf's accumulated gradient (empty until a backward() reaches it).
    const TensorT<T>& grad() const { return *node_->grad; }
    void zero_grad() const { node_->grad->fill(T(0)); }
    const char* op() const { return node_->op; }
    const std::vector<Var>& inputs() const { return node_->inputs; }
    TapeNode<T>* node() const { return node_.get(); }
    long use_count() const { return node_.use_count(); }   // handles to this node

    explicit Var(std::shared_ptr<TapeNode<T>> node) : node_(std::move(node)) {}

private:
    std::shared_ptr<TapeNode<T>> node_;
};

// An op's vector-Jacobian product: from dY (the output's gradient), Y (the output) and the inputs X,
// one gradient per input (an undefined Var for an input that needs none).
template <class T>
using Vjp = std::function<std::vector<Var<T>>(const Var<T>& dY, const Var<T>& Y, std::span<const Var<T>> X)>;

template <class T>
struct TapeNode {
    TensorT<T> own_value, own_grad;
    TensorT<T>* value = &own_value;   // a borrowed leaf points elsewhere
    TensorT<T>* grad = &own_grad;
    std::vector<Var<T>> inputs;
    Vjp<T> vjp;
    bool requires_grad = false;
    bool twice_differentiable = true;   // false: the VJP calls a backward kernel, not Var ops
    const char* op = "leaf";

    TapeNode() = default;
    TapeNode(const TapeNode&) = delete;
    TapeNode& operator=(const TapeNode&) = delete;
    ~TapeNode() {
        // Free the graph above without recursion (see the top of the file).
        std::vector<Var<T>> pending = std::move(inputs);
        while (!pending.empty()) {
            Var<T> v = std::move(pending.back());
            pending.pop_back();
            if (TapeNode* n = v.node(); n != nullptr && v.use_count() == 1) {
                for (Var<T>& in : n->inputs) pending.push_back(std::move(in));
                n->inputs.clear();
            }
        }
    }
};

// ---- Recording on and off -----------------------------------------------------------------------
// Recording is on by default. Inside a NoGrad scope the ops compute and record nothing (evaluation,
// and the VJPs of a plain backward). Per thread.
inline bool& grad_mode() {
    thread_local bool enabled = true;
    return enabled;
}
inline bool grad_enabled() { return grad_mode(); }
class NoGrad {
public:
    NoGrad() : saved_(grad_mode()) { grad_mode() = false; }
    ~NoGrad() { grad_mode() = saved_; }
    NoGrad(const NoGrad&) = delete;
    NoGrad& operator=(const NoGrad&) = delete;

private:
    bool saved_;
};

// The result of an op: recorded with its inputs and VJP when recording is on and an input requires
// a gradient, else a plain constant. `once`: the VJP is not made of Var ops (no double backward).
enum class Differentiable { twice, once };
template <class T>
Var<T> record(TensorT<T> value, std::vector<Var<T>> inputs, Vjp<T> vjp, const char* op,
              Differentiable d = Differentiable::twice) {
    bool needed = false;
    if (grad_enabled())
        for (const Var<T>& x : inputs) needed = needed || x.requires_grad();
    auto node = std::make_shared<TapeNode<T>>();
    node->own_value = std::move(value);
    node->op = op;
    if (needed) {
        node->inputs = std::move(inputs);
        node->vjp = std::move(vjp);
        node->requires_grad = true;
        node->twice_differentiable = d == Differentiable::twice;
    }
    return Var<T>(std::move(node));
}

// into ← into + g (same shapes), for the sweep's sums of gradients. Without recording, and when
// nothing but `into` holds its tensor (a gradient the sweep made), the sum is taken in place: no
// new tensor per use of a Var. Otherwise (recording, or a tensor shared) it is the op add().
template <class T>
Var<T> add(const Var<T>& A, const Var<T>& B);
template <class T>
void accumulate(Var<T>& into, const Var<T>& g) {
    TapeNode<T>* n = into.node();
    if (!grad_enabled() && into.use_count() == 1 && n->inputs.empty() && n->value == &n->own_value &&
        into.node() != g.node()) {
        const TensorT<T>& add_this = g.value();
        for (std::size_t i = 0; i < n->own_value.size(); ++i) n->own_value[i] += add_this[i];
        return;
    }
    into = add(into, g);
}

// ---- The reverse sweep (exercise: exercises/ch08_autograd/tape.cpp) ------------------------------
// The gradient of Σ dy ⊙ y with respect to every leaf y depends on that requires one: node → Var.
// (A sweep may keep the inner nodes' gradients too; the reference frees each once it is passed on.)
// dy has y's shape. create_graph: record the VJPs (the gradients can be differentiated again);
// otherwise they run under NoGrad.
template <class T>
using Gradients = std::unordered_map<const TapeNode<T>*, Var<T>>;
template <class T>
Gradients<T> reverse_sweep(const Var<T>& y, const Var<T>& dy, bool create_graph);

// backward(): dy = 1 for a one-element y (a loss), or the given dy; every leaf that requires a
// gradient gets its gradient added to grad() (so gradients accumulate until zero_grad()).
template <class T>
void backward(const Var<T>& y, const TensorT<T>& dy);
template <class T>
void backward(const Var<T>& y) {
    DL_CHECK(y.value().size() == 1, "backward(y) needs a one-element y (a loss), got shape "
                                        << to_string(y.shape()) << ": give dy, backward(y, dy)");
    backward(y, TensorT<T>(y.shape(), T(1)));
}
// grad(): ∂y/∂x for each leaf x (y one element), without touching any grad(); with create_graph the
// results are recorded Vars that can be differentiated again. Zeros for an x that y does not use.
template <class T>
std::vector<Var<T>> grad(const Var<T>& y, const std::vector<Var<T>>& xs, bool create_graph = false);

// ---- Walking a graph -----------------------------------------------------------------------------
// Calls visit(v) once for each node y depends on, y included, each after all of its inputs
// (topological order, y last), following every input. Iterative, so a graph of any depth is fine.
// For counting and drawing a graph: the sweep orders its own nodes, following only the inputs that
// require a gradient.
template <class T, class Visit>
void for_each_node(const Var<T>& y, Visit visit) {
    std::unordered_set<const TapeNode<T>*> seen{y.node()};
    std::vector<std::pair<const Var<T>*, std::size_t>> stack{{&y, 0}};   // a node, its next input
    while (!stack.empty()) {
        auto& [var, next] = stack.back();
        if (next < var->inputs().size()) {
            const Var<T>& in = var->inputs()[next++];
            if (seen.insert(in.node()).second) stack.emplace_back(&in, 0);
        } else {
            visit(*var);
            stack.pop_back();
        }
    }
}

// ---- Var's plumbing ------------------------------------------------------------------------------
template <class T>
Var<T>::Var(TensorT<T> value, bool requires_grad) : node_(std::make_shared<TapeNode<T>>()) {
    node_->own_value = std::move(value);
    node_->requires_grad = requires_grad;
}

template <class T>
Var<T> Var<T>::borrow(TensorT<T>& value, TensorT<T>& grad) {
    DL_CHECK(grad.shape() == value.shape(), "Var::borrow: a gradient of shape " << to_string(grad.shape())
                                                                                 << " for a value of shape "
                                                                                 << to_string(value.shape()));
    auto node = std::make_shared<TapeNode<T>>();
    node->value = &value;
    node->grad = &grad;
    node->requires_grad = true;
    return Var<T>(std::move(node));
}

template <class T>
void backward(const Var<T>& y, const TensorT<T>& dy) {
    const Gradients<T> grads = reverse_sweep(y, Var<T>(dy), false);
    for (const auto& [node, g] : grads) {
        if (!node->inputs.empty() || !g.defined()) continue;   // only the leaves keep a gradient
        TensorT<T>& acc = *node->grad;
        if (acc.shape() != node->value->shape()) acc = TensorT<T>(node->value->shape());
        const TensorT<T>& add = g.value();
        for (std::size_t i = 0; i < acc.size(); ++i) acc[i] += add[i];
    }
}

template <class T>
std::vector<Var<T>> grad(const Var<T>& y, const std::vector<Var<T>>& xs, bool create_graph) {
    DL_CHECK(y.value().size() == 1, "grad(y, xs) needs a one-element y (a loss), got shape " << to_string(y.shape()));
    for (const Var<T>& x : xs)
        DL_CHECK(x.is_leaf(), "grad(y, xs) takes leaves (made with requires_grad, or borrowed parameters), not the "
                              "result of a " << x.op() << " op, whose gradient the sweep need not keep");
    Gradients<T> grads = reverse_sweep(y, Var<T>(TensorT<T>(y.shape(), T(1))), create_graph);
    std::vector<Var<T>> out;
    for (const Var<T>& x : xs) {
        auto it = grads.find(x.node());
        out.push_back(it != grads.end() ? it->second : Var<T>(TensorT<T>(x.shape())));
    }
    return out;
}

}  // namespace dl
