#include "dl/nn/loss.hpp"

#include "dl/ops/logistic.hpp"

namespace dl::nn {

template <class T>
T BinaryCrossEntropyT<T>::forward(const TensorT<T>& output, std::span<const int> labels) {
    DL_CHECK(output.rank() == 2 && output.dim(1) == 1 && output.dim(0) == labels.size(),
             "BinaryCrossEntropy: output has shape " << to_string(output.shape()) << " for " << labels.size()
                                                     << " labels, expected [" << labels.size() << ", 1]");
    P_ = output;
    Y_.resize(output.shape());
    for (std::size_t n = 0; n < labels.size(); ++n) {
        DL_CHECK(labels[n] == 0 || labels[n] == 1, "BinaryCrossEntropy: label " << labels[n] << " of example " << n
                                                                               << " is not 0 or 1");
        Y_[n] = static_cast<T>(labels[n]);
    }
    return bce_forward(P_, Y_);
}

template <class T>
const TensorT<T>& BinaryCrossEntropyT<T>::backward() {
    bce_backward(dP_, P_, Y_);
    return dP_;
}

template <class T>
std::vector<int> BinaryCrossEntropyT<T>::predict(const TensorT<T>& output) const {
    std::vector<int> classes(output.size());
    for (std::size_t n = 0; n < output.size(); ++n) classes[n] = output[n] > T(0.5) ? 1 : 0;
    return classes;
}

template class BinaryCrossEntropyT<float>;
template class BinaryCrossEntropyT<double>;

}  // namespace dl::nn
