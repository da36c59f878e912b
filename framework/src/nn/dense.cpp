#include "dl/nn/dense.hpp"

#include "dl/ops/dense.hpp"
#include "dl/ops/init.hpp"

namespace dl::nn {

template <class T>
DenseT<T>::DenseT(std::size_t inputs, std::size_t outputs, Init init, Rng& rng)
    : W_("W", TensorT<T>({outputs, inputs})), b_("b", TensorT<T>({outputs})) {
    if (init == Init::he)
        he_normal(W_.value, inputs, rng);
    else
        xavier_uniform(W_.value, inputs, outputs, rng);
}

template <class T>
Shape DenseT<T>::output_shape(const Shape& input) const {
    check_shape(input, {W_.value.dim(1)}, "Dense", "input (one example)");
    return {W_.value.dim(0)};
}

template <class T>
const TensorT<T>& DenseT<T>::forward(const TensorT<T>& X, Mode) {
    X_ = X;
    dense_forward(Y_, X, W_.value, b_.value);
    return Y_;
}

// (dX is computed even for a model's first layer, where nobody needs it: the learner's
// dense_backward is what trains, and it has one contract.)
template <class T>
const TensorT<T>& DenseT<T>::backward(const TensorT<T>& dY) {
    dense_backward(dX_, W_.grad, b_.grad, dY, X_, W_.value);
    return dX_;
}

template class DenseT<float>;
template class DenseT<double>;

}  // namespace dl::nn
