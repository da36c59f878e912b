#include "dl/nn/activations.hpp"

#include "dl/ops/activations.hpp"
#include "dl/ops/logistic.hpp"

namespace dl::nn {

template <class T>
const TensorT<T>& ReLUT<T>::forward(const TensorT<T>& X, Mode) {
    relu_forward(Y_, X);
    return Y_;
}
// Y > 0 exactly where X > 0, so the output stands in for the input in [X > 0]: no copy of X is
// kept (after a convolution it is the largest tensor of the network).
template <class T>
const TensorT<T>& ReLUT<T>::backward(const TensorT<T>& dY) {
    relu_backward(dX_, dY, Y_);
    return dX_;
}

template <class T>
const TensorT<T>& TanhT<T>::forward(const TensorT<T>& X, Mode) {
    tanh_forward(Y_, X);
    return Y_;
}
template <class T>
const TensorT<T>& TanhT<T>::backward(const TensorT<T>& dY) {
    tanh_backward(dX_, dY, Y_);
    return dX_;
}

template <class T>
const TensorT<T>& SigmoidT<T>::forward(const TensorT<T>& X, Mode) {
    sigmoid_forward(Y_, X);
    return Y_;
}
template <class T>
const TensorT<T>& SigmoidT<T>::backward(const TensorT<T>& dY) {
    sigmoid_backward(dX_, dY, Y_);
    return dX_;
}

template <class T>
const TensorT<T>& FlattenT<T>::forward(const TensorT<T>& X, Mode) {
    input_shape_ = X.shape();
    Y_ = X;
    Y_.reshape({X.dim(0), X.dim(0) > 0 ? X.size() / X.dim(0) : 0});
    return Y_;
}
template <class T>
const TensorT<T>& FlattenT<T>::backward(const TensorT<T>& dY) {
    dX_ = dY;
    dX_.reshape(input_shape_);
    return dX_;
}

template class ReLUT<float>;
template class ReLUT<double>;
template class TanhT<float>;
template class TanhT<double>;
template class SigmoidT<float>;
template class SigmoidT<double>;
template class FlattenT<float>;
template class FlattenT<double>;

}  // namespace dl::nn
