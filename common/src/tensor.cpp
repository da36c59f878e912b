#include "dl/tensor.hpp"

#include <sstream>

namespace dl {

std::string to_string(const Shape& shape) {
    std::ostringstream out;
    out << '[';
    for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
    out << ']';
    return out.str();
}

std::size_t shape_size(const Shape& shape) {
    std::size_t n = 1;
    for (const std::size_t d : shape) n *= d;
    return n;
}

void check_same_shape(const Shape& a, const Shape& b, const char* where, const char* what_a, const char* what_b) {
    if (a != b)
        DL_THROW(ShapeError, where << ": " << what_a << " has shape " << to_string(a) << " but " << what_b
                                   << " has shape " << to_string(b));
}

void check_shape(const Shape& actual, const Shape& expected, const char* where, const char* what) {
    if (actual != expected)
        DL_THROW(ShapeError, where << ": " << what << " has shape " << to_string(actual) << ", expected "
                                   << to_string(expected));
}

}  // namespace dl
