#pragma once
// A labelled dataset held in memory: examples stacked along the first axis.

#include "dl/tensor.hpp"

#include <span>
#include <string>
#include <vector>

namespace dl::data {

struct Dataset {
    std::string name;                       // "fashion-mnist/train", "blobs", ...
    Tensor x;                               // [N, ...]: images [N, C, H, W], points [N, 2]
    std::vector<int> labels;                // N labels in 0..num_classes-1
    int num_classes = 0;
    std::vector<std::string> class_names;   // num_classes names (may be "0", "1", ... )

    std::size_t size() const { return labels.size(); }
    // The shape of one example (x's shape without the first axis).
    Shape example_shape() const { return Shape(x.shape().begin() + 1, x.shape().end()); }
};

// The examples at `indices`, in that order (a mini-batch, or a subset); an index out of range throws.
Dataset subset(const Dataset& d, std::span<const std::size_t> indices);
// The same examples and labels written into x and labels, which are resized and reused: the
// training loop's per-batch copy, without a Dataset's name and class names.
void gather(Tensor& x, std::vector<int>& labels, const Dataset& d, std::span<const std::size_t> indices);
// Labels as a float tensor [N, 1] (for binary tasks: y in {0, 1}).
Tensor labels_as_column(const Dataset& d);

}  // namespace dl::data

namespace dl::data {

// The examples of the listed classes, relabelled 0..k-1 in the order given (so {7, 9} makes
// class 7 the label 0 and class 9 the label 1). An unknown class throws dl::Error.
Dataset select_classes(const Dataset& d, const std::vector<int>& classes);

// Each example flattened to one row: x [N, d1, d2, ...] -> [N, d1·d2·...].
void flatten(Dataset& d);

}  // namespace dl::data

namespace dl::data {

// Standardisation: x ← (x − μ) / σ, with μ and σ the mean and standard deviation of every value
// of the training set (one pair for all pixels, as torchvision's Normalize does for grey images).
// Centred inputs of unit scale make the loss surface rounder, so SGD takes a larger useful step.
struct Standardization {
    float mean = 0, stddev = 1;
};
Standardization standardization_of(const Dataset& train);
void standardize(Dataset& d, const Standardization& s);

}  // namespace dl::data
