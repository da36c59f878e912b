#include "dl/ops/tape.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/tape_ops.hpp"

#include <algorithm>
#include <optional>
#include <unordered_set>

namespace dl {

template <class T>
Gradients<T> reverse_sweep(const Var<T>& y, const Var<T>& dy, bool create_graph) {
    // Hint: check y requires a gradient (else say it "does not depend on anything that requires a
    // gradient", and why that may be) and dy has its shape. Order the nodes as in
    // topological_order (chapter 8's Value), following only inputs that require_grad(). Unless
    // create_graph, open a NoGrad scope (std::optional<NoGrad>, emplace()). Put dy in the map for
    // y; then for each node from last to first that is not a leaf and has a gradient: check
    // create_graph is allowed (node()->twice_differentiable, else an error naming op()), call
    // node()->vjp(its gradient, the node, its inputs()), and add each defined result into the map
    // entry of that input (try_emplace; accumulate(), given in tape.hpp, when there is one already).
    DL_TODO("ch08.reverse_sweep");   // lesson: chapters/ch08_autograd/README.md#reverse-sweep
}

template <class T>
std::vector<TensorT<T>> hessian_vector_product(const Var<T>& loss, const std::vector<Var<T>>& params,
                                               const std::vector<TensorT<T>>& v) {
    // Hint: g = grad(loss, params, true); s = Σᵢ sum(mul(gᵢ, Var(vᵢ))); then grad(s, params) and
    // their values. If s does not require a gradient (g does not depend on the parameters), H v = 0.
    DL_TODO("ch08.hessian_vector_product");   // lesson: chapters/ch08_autograd/README.md#hessian-vector-product
}

#define DL_INSTANTIATE(T)                                                                                   \
    template Gradients<T> reverse_sweep(const Var<T>&, const Var<T>&, bool);                               \
    template std::vector<TensorT<T>> hessian_vector_product(const Var<T>&, const std::vector<Var<T>>&,     \
                                                            const std::vector<TensorT<T>>&);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
