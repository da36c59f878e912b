#include "dl/data/dataset.hpp"

#include "dl/error.hpp"

#include <algorithm>

namespace dl::data {

Dataset subset(const Dataset& d, std::span<const std::size_t> indices) {
    DL_CHECK(!d.x.shape().empty() && d.x.dim(0) == d.size(),
             "subset of " << d.name << ": x has shape " << to_string(d.x.shape()) << " but there are " << d.size()
                          << " labels");
    const std::size_t example_size = d.size() > 0 ? d.x.size() / d.size() : shape_size(d.example_shape());
    Shape shape = d.x.shape();
    shape[0] = indices.size();

    Dataset out{d.name, Tensor(shape), {}, d.num_classes, d.class_names};
    out.labels.reserve(indices.size());
    for (std::size_t k = 0; k < indices.size(); ++k) {
        const std::size_t i = indices[k];
        DL_CHECK(i < d.size(), "subset of " << d.name << ": index " << i << " (position " << k
                                            << ") is out of range for " << d.size() << " examples");
        const float* from = d.x.data() + i * example_size;
        std::copy(from, from + example_size, out.x.data() + k * example_size);
        out.labels.push_back(d.labels[i]);
    }
    return out;
}

Tensor labels_as_column(const Dataset& d) {
    Tensor y({d.size(), 1});
    for (std::size_t i = 0; i < d.size(); ++i) y[i] = static_cast<float>(d.labels[i]);
    return y;
}

}  // namespace dl::data
