#include "dl/nn/loss.hpp"

#include "dl/ops/label_smoothing.hpp"
#include "dl/ops/logistic.hpp"
#include "dl/ops/mse.hpp"
#include "dl/ops/softmax_cross_entropy.hpp"

#include <algorithm>

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

namespace {
// The index of the largest value of each row of a [N, K] tensor.
template <class T>
std::vector<int> argmax_rows(const TensorT<T>& output) {
    DL_CHECK(output.rank() == 2, "argmax_rows: expected [N, K], got " << to_string(output.shape()));
    std::vector<int> classes(output.dim(0));
    for (std::size_t n = 0; n < classes.size(); ++n) {
        const auto row = output.row(n);
        classes[n] = static_cast<int>(std::max_element(row.begin(), row.end()) - row.begin());
    }
    return classes;
}
}  // namespace

template <class T>
SoftmaxCrossEntropyT<T>::SoftmaxCrossEntropyT(double label_smoothing) : label_smoothing_(label_smoothing) {
    DL_CHECK(label_smoothing >= 0 && label_smoothing <= 1,
             "SoftmaxCrossEntropy: label smoothing " << label_smoothing << " must be in [0, 1]");
}
template <class T>
T SoftmaxCrossEntropyT<T>::forward(const TensorT<T>& output, std::span<const int> labels) {
    labels_.assign(labels.begin(), labels.end());
    if (label_smoothing_ > 0) return label_smoothing_forward(P_, output, labels, label_smoothing_);
    return softmax_cross_entropy_forward(P_, output, labels);
}
template <class T>
const TensorT<T>& SoftmaxCrossEntropyT<T>::backward() {
    if (label_smoothing_ > 0) label_smoothing_backward(dZ_, P_, labels_, label_smoothing_);
    else softmax_cross_entropy_backward(dZ_, P_, labels_);
    return dZ_;
}
template <class T>
std::vector<int> SoftmaxCrossEntropyT<T>::predict(const TensorT<T>& output) const {
    return argmax_rows(output);
}

template <class T>
T MeanSquaredErrorT<T>::forward(const TensorT<T>& output, std::span<const int> labels) {
    DL_CHECK(output.rank() == 2 && output.dim(0) == labels.size(),
             "MeanSquaredError: output has shape " << to_string(output.shape()) << " for " << labels.size() << " labels");
    Y_ = output;
    target_.resize(output.shape());
    target_.fill(T(0));
    for (std::size_t n = 0; n < labels.size(); ++n) {
        DL_CHECK(labels[n] >= 0 && static_cast<std::size_t>(labels[n]) < output.dim(1),
                 "MeanSquaredError: label " << labels[n] << " of example " << n << " is not a class in 0.."
                                            << output.dim(1) - 1);
        target_(n, static_cast<std::size_t>(labels[n])) = T(1);
    }
    return mse_forward(Y_, target_);
}
template <class T>
const TensorT<T>& MeanSquaredErrorT<T>::backward() {
    mse_backward(dY_, Y_, target_);
    return dY_;
}
template <class T>
std::vector<int> MeanSquaredErrorT<T>::predict(const TensorT<T>& output) const {
    return argmax_rows(output);
}

template class SoftmaxCrossEntropyT<float>;
template class SoftmaxCrossEntropyT<double>;
template class MeanSquaredErrorT<float>;
template class MeanSquaredErrorT<double>;

}  // namespace dl::nn
