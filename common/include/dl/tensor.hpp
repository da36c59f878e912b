#pragma once
// TensorT<T>: an owning, contiguous, row-major array with a shape, 64-byte aligned.
// Float32 (`Tensor`) for training; double (`TensorD`) for gradient checks.
// Shapes are checked at every op boundary: a mismatch throws dl::ShapeError naming both shapes.

#include "dl/error.hpp"

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <vector>

namespace dl {

using Shape = std::vector<std::size_t>;

// "[3, 28, 28]"
std::string to_string(const Shape& shape);
std::size_t shape_size(const Shape& shape);

// Allocator that aligns every buffer to a 64-byte cache line (and AVX-512 vector).
template <class T>
struct AlignedAllocator {
    using value_type = T;
    static constexpr std::align_val_t alignment{64};
    AlignedAllocator() noexcept = default;
    template <class U>
    AlignedAllocator(const AlignedAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), alignment)); }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, alignment); }
    template <class U>
    bool operator==(const AlignedAllocator<U>&) const noexcept { return true; }
};

template <class T>
class TensorT {
public:
    using value_type = T;

    TensorT() = default;
    explicit TensorT(Shape shape, T fill = T(0)) : shape_(std::move(shape)), data_(shape_size(shape_), fill) {}
    TensorT(std::initializer_list<std::size_t> shape) : TensorT(Shape(shape)) {}
    // A tensor of the given shape holding `values` (row-major); their count must match.
    static TensorT from(Shape shape, std::vector<T> values) {
        DL_CHECK(values.size() == shape_size(shape), "TensorT::from: " << values.size()
                                                                       << " values for shape " << to_string(shape));
        TensorT t(std::move(shape));
        std::copy(values.begin(), values.end(), t.data_.begin());
        return t;
    }

    const Shape& shape() const { return shape_; }
    std::size_t rank() const { return shape_.size(); }
    std::size_t dim(std::size_t i) const {
        DL_CHECK(i < shape_.size(), "dimension " << i << " of a tensor of shape " << to_string(shape_));
        return shape_[i];
    }
    std::size_t size() const { return data_.size(); }
    bool empty() const { return data_.empty(); }

    T* data() { return data_.data(); }
    const T* data() const { return data_.data(); }
    std::span<T> span() { return {data_.data(), data_.size()}; }
    std::span<const T> span() const { return {data_.data(), data_.size()}; }
    T* begin() { return data_.data(); }
    T* end() { return data_.data() + data_.size(); }
    const T* begin() const { return data_.data(); }
    const T* end() const { return data_.data() + data_.size(); }

    // Flat (row-major) element access, unchecked like std::vector::operator[].
    T& operator[](std::size_t i) { return data_[i]; }
    const T& operator[](std::size_t i) const { return data_[i]; }
    // 2-D access for a [rows, cols] tensor.
    T& operator()(std::size_t r, std::size_t c) { return data_[r * shape_[1] + c]; }
    const T& operator()(std::size_t r, std::size_t c) const { return data_[r * shape_[1] + c]; }
    // Row r of a tensor seen as [shape[0], size / shape[0]].
    std::span<T> row(std::size_t r) {
        const std::size_t n = data_.size() / shape_[0];
        return {data_.data() + r * n, n};
    }
    std::span<const T> row(std::size_t r) const {
        const std::size_t n = data_.size() / shape_[0];
        return {data_.data() + r * n, n};
    }

    void fill(T value) { std::fill(data_.begin(), data_.end(), value); }
    // Same data, new shape with the same number of elements.
    TensorT& reshape(Shape shape) {
        DL_CHECK(shape_size(shape) == data_.size(), "cannot reshape " << to_string(shape_) << " to "
                                                                      << to_string(shape));
        shape_ = std::move(shape);
        return *this;
    }
    // Resize to a new shape (contents unspecified if the size changes); used for output buffers.
    void resize(Shape shape) {
        data_.resize(shape_size(shape));
        shape_ = std::move(shape);
    }

private:
    Shape shape_;
    std::vector<T, AlignedAllocator<T>> data_;
};

using Tensor = TensorT<float>;
using TensorD = TensorT<double>;

// Element-type conversion (float <-> double), same shape.
template <class To, class From>
TensorT<To> tensor_cast(const TensorT<From>& t) {
    TensorT<To> out(t.shape());
    for (std::size_t i = 0; i < t.size(); ++i) out[i] = static_cast<To>(t[i]);
    return out;
}

// Throws ShapeError "<where>: <what_a> has shape [..] but <what_b> has shape [..]" unless equal.
void check_same_shape(const Shape& a, const Shape& b, const char* where, const char* what_a, const char* what_b);
// Throws ShapeError "<where>: <what> has shape [..], expected [..]" unless equal.
void check_shape(const Shape& actual, const Shape& expected, const char* where, const char* what);

}  // namespace dl
