#include "dl/data/dataset.hpp"

#include "dl/error.hpp"

#include <algorithm>
#include <cmath>

namespace dl::data {

void gather(Tensor& x, std::vector<int>& labels, const Dataset& d, std::span<const std::size_t> indices) {
    DL_CHECK(!d.x.shape().empty() && d.x.dim(0) == d.size(),
             "subset of " << d.name << ": x has shape " << to_string(d.x.shape()) << " but there are " << d.size()
                          << " labels");
    const std::size_t example_size = d.size() > 0 ? d.x.size() / d.size() : shape_size(d.example_shape());
    Shape shape = d.x.shape();
    shape[0] = indices.size();
    x.resize(std::move(shape));
    labels.resize(indices.size());
    for (std::size_t k = 0; k < indices.size(); ++k) {
        const std::size_t i = indices[k];
        DL_CHECK(i < d.size(), "subset of " << d.name << ": index " << i << " (position " << k
                                            << ") is out of range for " << d.size() << " examples");
        const float* from = d.x.data() + i * example_size;
        std::copy(from, from + example_size, x.data() + k * example_size);
        labels[k] = d.labels[i];
    }
}

Dataset subset(const Dataset& d, std::span<const std::size_t> indices) {
    Dataset out{d.name, Tensor(), {}, d.num_classes, d.class_names};
    gather(out.x, out.labels, d, indices);
    return out;
}

Tensor labels_as_column(const Dataset& d) {
    Tensor y({d.size(), 1});
    for (std::size_t i = 0; i < d.size(); ++i) y[i] = static_cast<float>(d.labels[i]);
    return y;
}

}  // namespace dl::data

namespace dl::data {

Dataset select_classes(const Dataset& d, const std::vector<int>& classes) {
    std::vector<int> new_label(static_cast<std::size_t>(d.num_classes), -1);
    for (std::size_t k = 0; k < classes.size(); ++k) {
        DL_CHECK(classes[k] >= 0 && classes[k] < d.num_classes,
                 d.name << " has classes 0.." << d.num_classes - 1 << ", not " << classes[k]);
        new_label[static_cast<std::size_t>(classes[k])] = static_cast<int>(k);
    }
    std::vector<std::size_t> keep;
    for (std::size_t i = 0; i < d.size(); ++i)
        if (new_label[static_cast<std::size_t>(d.labels[i])] >= 0) keep.push_back(i);
    Dataset out = subset(d, keep);
    for (int& y : out.labels) y = new_label[static_cast<std::size_t>(y)];
    out.num_classes = static_cast<int>(classes.size());
    out.class_names.clear();
    for (const int c : classes)
        out.class_names.push_back(c < static_cast<int>(d.class_names.size()) ? d.class_names[static_cast<std::size_t>(c)]
                                                                             : std::to_string(c));
    return out;
}

void flatten(Dataset& d) {
    const std::size_t n = d.x.dim(0);
    d.x.reshape({n, n > 0 ? d.x.size() / n : shape_size(d.example_shape())});
}

}  // namespace dl::data

namespace dl::data {

Standardization standardization_of(const Dataset& train) {
    DL_CHECK(train.x.size() > 0, "standardization_of: " << train.name << " is empty");
    double sum = 0, sum_sq = 0;
    for (const float v : train.x) sum += static_cast<double>(v), sum_sq += static_cast<double>(v) * static_cast<double>(v);
    const double n = static_cast<double>(train.x.size()), mean = sum / n;
    const double variance = std::max(sum_sq / n - mean * mean, 1e-12);
    return {static_cast<float>(mean), static_cast<float>(std::sqrt(variance))};
}

void standardize(Dataset& d, const Standardization& s) {
    DL_CHECK(s.stddev > 0, "standardize: the standard deviation must be positive, got " << s.stddev);
    const float inv = 1.0f / s.stddev;
    for (float& v : d.x) v = (v - s.mean) * inv;
}

}  // namespace dl::data
