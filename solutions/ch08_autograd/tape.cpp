#include "dl/ops/tape.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/tape_ops.hpp"

#include <algorithm>
#include <optional>
#include <unordered_set>

namespace dl {

// 1. Order: every node y depends on, after all of its inputs (iterative depth-first search).
// 2. Sweep that order backwards, so a node's gradient is complete (every use of it has added its
//    part) before its VJP passes it on to the inputs.
template <class T>
Gradients<T> reverse_sweep(const Var<T>& y, const Var<T>& dy, bool create_graph) {
    DL_CHECK(y.defined() && y.requires_grad(),
             "reverse_sweep: y does not depend on anything that requires a gradient (were the inputs made with "
             "requires_grad, or borrowed from parameters, and was it computed outside a NoGrad scope?)");
    DL_CHECK(dy.shape() == y.shape(), "reverse_sweep: dy has shape " << to_string(dy.shape()) << " but y has "
                                                                     << to_string(y.shape()));
    std::vector<Var<T>> order;
    std::unordered_set<const TapeNode<T>*> visited{y.node()};
    std::vector<std::pair<Var<T>, std::size_t>> stack{{y, 0}};
    while (!stack.empty()) {
        auto& [var, next] = stack.back();
        if (next < var.inputs().size()) {
            const Var<T>& in = var.inputs()[next++];
            if (in.requires_grad() && visited.insert(in.node()).second) stack.emplace_back(in, 0);
        } else {
            order.push_back(std::move(var));
            stack.pop_back();
        }
    }

    std::optional<NoGrad> plain;   // a plain backward records nothing
    if (!create_graph) plain.emplace();
    Gradients<T> grads;
    grads.emplace(y.node(), dy);
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        const Var<T>& var = *it;
        if (var.is_leaf()) continue;
        const auto found = grads.find(var.node());
        if (found == grads.end()) continue;
        DL_CHECK(!create_graph || var.node()->twice_differentiable,
                 "the " << var.op() << " op's backward is a hand-written kernel, not tape ops, so it cannot be "
                        << "differentiated again (no double backward through " << var.op() << ")");
        const std::vector<Var<T>> dx = var.node()->vjp(found->second, var, var.inputs());
        DL_CHECK(dx.size() == var.inputs().size(),
                 "the " << var.op() << " op's VJP gave " << dx.size() << " gradients for " << var.inputs().size()
                        << " inputs");
        for (std::size_t i = 0; i < dx.size(); ++i) {
            const Var<T>& in = var.inputs()[i];
            if (!in.requires_grad() || !dx[i].defined()) continue;
            DL_CHECK(dx[i].shape() == in.shape(), "the " << var.op() << " op's VJP gave input " << i
                                                         << " a gradient of shape " << to_string(dx[i].shape())
                                                         << " for a value of shape " << to_string(in.shape()));
            // A Var used more than once gets the sum of what each use sends back.
            auto [slot, fresh] = grads.try_emplace(in.node(), dx[i]);
            if (!fresh) accumulate(slot->second, dx[i]);
        }
        // Passed on to the inputs, an inner node's gradient is not read again: free it now rather
        // than at the end, so a long graph's gradients are not all alive at once. The leaves' stay.
        grads.erase(var.node());
    }
    return grads;
}

// Hv = ∂(g · v)/∂params with g = ∂loss/∂params recorded: reverse mode twice, no Hessian.
template <class T>
std::vector<TensorT<T>> hessian_vector_product(const Var<T>& loss, const std::vector<Var<T>>& params,
                                               const std::vector<TensorT<T>>& v) {
    DL_CHECK(v.size() == params.size(), "hessian_vector_product: " << v.size() << " directions for "
                                                                   << params.size() << " parameters");
    const std::vector<Var<T>> g = grad(loss, params, /*create_graph=*/true);
    Var<T> gv;
    for (std::size_t i = 0; i < params.size(); ++i) {
        DL_CHECK(v[i].shape() == params[i].shape(), "hessian_vector_product: direction " << i << " has shape "
                                                                                         << to_string(v[i].shape())
                                                                                         << " for a parameter of "
                                                                                         << to_string(params[i].shape()));
        const Var<T> term = sum(mul(g[i], Var<T>(v[i])));
        gv = gv.defined() ? add(gv, term) : term;
    }
    std::vector<TensorT<T>> hv;
    if (!gv.requires_grad()) {   // the gradient does not depend on the parameters: H = 0
        for (const Var<T>& p : params) hv.emplace_back(p.shape());
        return hv;
    }
    for (const Var<T>& h : grad(gv, params)) hv.push_back(h.value());
    return hv;
}

#define DL_INSTANTIATE(T)                                                                                   \
    template Gradients<T> reverse_sweep(const Var<T>&, const Var<T>&, bool);                               \
    template std::vector<TensorT<T>> hessian_vector_product(const Var<T>&, const std::vector<Var<T>>&,     \
                                                            const std::vector<TensorT<T>>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
