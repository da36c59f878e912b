#pragma once
// Chapter 8, given: broadcasting's index arithmetic, and the tape ops that only move data or are
// made of other ops. Included by tape_ops.hpp; read it after that file.

#include "dl/ops/attention.hpp"
#include "dl/ops/rnn.hpp"
#include "dl/ops/tape_ops.hpp"

#include <cstddef>
#include <vector>

namespace dl {

inline Shape broadcast_shape(const Shape& a, const Shape& b) {
    const std::size_t rank = std::max(a.size(), b.size());
    Shape out(rank);
    for (std::size_t k = 0; k < rank; ++k) {   // k-th axis from the end
        const std::size_t da = k < a.size() ? a[a.size() - 1 - k] : 1, db = k < b.size() ? b[b.size() - 1 - k] : 1;
        if (da != db && da != 1 && db != 1)
            DL_THROW(ShapeError, "shapes " << to_string(a) << " and " << to_string(b)
                                           << " do not broadcast: axis " << rank - 1 - k << " has sizes " << da
                                           << " and " << db << " (each must equal the other or be 1)");
        out[rank - 1 - k] = std::max(da, db);
    }
    return out;
}

template <class F>
void for_each_broadcast(const Shape& out_shape, const Shape& in_shape, F f) {
    const std::size_t rank = out_shape.size();
    // stride[d]: how far the input index moves when output axis d moves by one (0: broadcast axis).
    std::vector<std::size_t> stride(rank, 0);
    DL_CHECK(in_shape.size() <= rank,
             "shape " << to_string(in_shape) << " does not broadcast to " << to_string(out_shape));
    std::size_t s = 1;
    for (std::size_t k = 0; k < in_shape.size(); ++k) {
        const std::size_t din = in_shape[in_shape.size() - 1 - k], dout = out_shape[rank - 1 - k];
        if (din != dout && din != 1)
            DL_THROW(ShapeError, "shape " << to_string(in_shape) << " does not broadcast to " << to_string(out_shape));
        stride[rank - 1 - k] = din == 1 ? 0 : s;
        s *= din;
    }
    const std::size_t n = shape_size(out_shape);
    if (n == 0) return;
    if (rank == 0) return f(std::size_t{0}, std::size_t{0});
    // The last axis as one run, the others counted like an odometer.
    const std::size_t inner = out_shape[rank - 1], inner_stride = stride[rank - 1];
    std::vector<std::size_t> index(rank, 0);
    std::size_t i_in = 0;
    for (std::size_t i_out = 0; i_out < n; i_out += inner) {
        for (std::size_t j = 0; j < inner; ++j) f(i_out + j, i_in + j * inner_stride);
        for (std::size_t d = rank - 1; d-- > 0;) {
            i_in += stride[d];
            if (++index[d] < out_shape[d]) break;
            i_in -= stride[d] * out_shape[d];
            index[d] = 0;
        }
    }
}

// ---- Ops that move data (their VJPs move it back) -----------------------------------------------

// X copied along its broadcast axes to `shape`.            dX = sum_to(dY, X's shape)
template <class T>
Var<T> broadcast_to(const Var<T>& X, const Shape& shape);
// Broadcasting's reduction as an op (sum_to_shape).         dX = broadcast_to(dY, X's shape)
template <class T>
Var<T> sum_to(const Var<T>& X, const Shape& shape);

template <class T>
Var<T> broadcast_to(const Var<T>& X, const Shape& shape) {
    if (X.shape() == shape) return X;
    TensorT<T> y(shape);
    const TensorT<T>& x = X.value();
    for_each_broadcast(shape, x.shape(), [&](std::size_t o, std::size_t i) { y[o] = x[i]; });
    return record<T>(
        std::move(y), {X},
        [](const Var<T>& dY, const Var<T>&, std::span<const Var<T>> in) {
            return std::vector<Var<T>>{sum_to(dY, in[0].shape())};
        },
        "broadcast_to");
}

template <class T>
Var<T> sum_to(const Var<T>& X, const Shape& shape) {
    if (X.shape() == shape) return X;
    TensorT<T> y;
    sum_to_shape(y, X.value(), shape);
    return record<T>(
        std::move(y), {X},
        [](const Var<T>& dY, const Var<T>&, std::span<const Var<T>> in) {
            return std::vector<Var<T>>{broadcast_to(dY, in[0].shape())};
        },
        "sum_to");
}

// Y = s · X for a constant s.                               dX = s · dY
template <class T>
Var<T> scale(const Var<T>& X, T s) {
    TensorT<T> y = X.value();
    for (T& v : y) v *= s;
    return record<T>(
        std::move(y), {X},
        [s](const Var<T>& dY, const Var<T>&, std::span<const Var<T>>) { return std::vector<Var<T>>{scale(dY, s)}; },
        "scale");
}

// The same numbers in another shape (of the same size).    dX = dY in X's shape
template <class T>
Var<T> reshape(const Var<T>& X, const Shape& shape) {
    TensorT<T> y = X.value();
    y.reshape(shape);
    return record<T>(
        std::move(y), {X},
        [](const Var<T>& dY, const Var<T>&, std::span<const Var<T>> in) {
            return std::vector<Var<T>>{reshape(dY, in[0].shape())};
        },
        "reshape");
}

// Heads out of rows and back (chapter 7's heads_from_rows and rows_from_heads): X [B·T, width],
// columns first .. first + H·D − 1 as H heads → [B·H, T, D].    dX = join_heads(dY, first, width, ...)
template <class T>
Var<T> split_heads(const Var<T>& X, std::size_t first, std::size_t B, std::size_t T_, std::size_t H, std::size_t D);
// X [B·H, T, D] written into columns first .. of rows [B·T, width], zeros elsewhere.   dX = split_heads(dY, ...)
template <class T>
Var<T> join_heads(const Var<T>& X, std::size_t first, std::size_t width, std::size_t B, std::size_t T_);

template <class T>
Var<T> split_heads(const Var<T>& X, std::size_t first, std::size_t B, std::size_t T_, std::size_t H, std::size_t D) {
    const Shape& s = X.shape();
    DL_CHECK(s.size() == 2 && s[0] == B * T_ && first + H * D <= s[1],
             "split_heads: rows of shape " << to_string(s) << " do not hold B·T = " << B * T_ << " rows with "
                                           << H << " heads of " << D << " from column " << first);
    TensorT<T> y;
    heads_from_rows(y, X.value().data(), s[1], first, B, T_, H, D);
    const std::size_t width = s[1];
    return record<T>(
        std::move(y), {X},
        [first, width, B, T_](const Var<T>& dY, const Var<T>&, std::span<const Var<T>>) {
            return std::vector<Var<T>>{join_heads(dY, first, width, B, T_)};
        },
        "split_heads");
}

template <class T>
Var<T> join_heads(const Var<T>& X, std::size_t first, std::size_t width, std::size_t B, std::size_t T_) {
    const Shape& s = X.shape();
    DL_CHECK(s.size() == 3 && B > 0 && s[0] % B == 0 && s[1] == T_ && first + s[0] / B * s[2] <= width,
             "join_heads: heads of shape " << to_string(s) << " do not fit rows of " << width << " from column "
                                           << first << " with B = " << B << ", T = " << T_);
    const std::size_t H = s[0] / B, D = s[2];
    TensorT<T> y({B * T_, width});
    rows_from_heads(y.data(), width, first, X.value(), B, T_, H, D);
    return record<T>(
        std::move(y), {X},
        [first, B, T_, H, D](const Var<T>& dY, const Var<T>&, std::span<const Var<T>>) {
            return std::vector<Var<T>>{split_heads(dY, first, B, T_, H, D)};
        },
        "join_heads");
}

// Columns first .. first + count − 1 of X [R, width] (a gate's block of an LSTM's pre-activations).
template <class T>
Var<T> columns(const Var<T>& X, std::size_t first, std::size_t count) {
    return reshape(split_heads(X, first, X.shape().at(0), 1, 1, count), {X.shape()[0], count});
}
// [A | B]: the columns of A [R, a] then those of B [R, b].
template <class T>
Var<T> concat_columns(const Var<T>& A, const Var<T>& B) {
    const std::size_t R = A.shape().at(0), a = A.shape().at(1), b = B.shape().at(1);
    DL_CHECK(B.shape()[0] == R, "concat_columns: " << to_string(A.shape()) << " and " << to_string(B.shape())
                                                   << " have different numbers of rows");
    return add(join_heads(reshape(A, {R, 1, a}), 0, a + b, R, 1), join_heads(reshape(B, {R, 1, b}), a, a + b, R, 1));
}

// Rows of a table E [V, C] picked by ids: [ids.size(), C] (chapter 6's embedding kernels). The VJP
// adds each row's gradient back into its id's row of dE.
template <class T>
Var<T> embedding(const Var<T>& E, std::span<const int> ids) {
    TensorT<T> y;
    embedding_forward(y, ids, E.value());
    return record<T>(
        std::move(y), {E},
        [ids = std::vector<int>(ids.begin(), ids.end())](const Var<T>& dY, const Var<T>&, std::span<const Var<T>> in) {
            TensorT<T> dE(in[0].shape());
            embedding_backward(dE, dY.value(), std::span<const int>(ids));
            return std::vector<Var<T>>{Var<T>(std::move(dE))};
        },
        "embedding", Differentiable::once);
}

// ---- Ops made of ops (their VJPs come for free) -------------------------------------------------
// A dense layer on rows: Y = X Wᵀ + b, W [out, in] (chapter 2's layout).
template <class T>
Var<T> linear(const Var<T>& X, const Var<T>& W, const Var<T>& b) {
    return add(matmul(X, W, Trans::no, Trans::yes), b);
}
// The mean of every element, [1].
template <class T>
Var<T> mean(const Var<T>& X) {
    return scale(sum(X), T(1) / static_cast<T>(X.value().size()));
}

}  // namespace dl
