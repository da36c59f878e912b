#include "dl/ops/rnn.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cstddef>

namespace dl {

namespace {
void check_id(int id, std::size_t n, std::size_t vocab, const char* where) {
    if (id < 0 || static_cast<std::size_t>(id) >= vocab)
        DL_THROW(DataError, where << ": id " << id << " at position " << n << " is outside the vocabulary 0.."
                                  << vocab - 1);
}
}  // namespace

// Y[n, :] = E[ids[n], :]: a row copy per id (the same as multiplying a one-hot row by E).
template <class T>
void embedding_forward(TensorT<T>& Y, std::span<const int> ids, const TensorT<T>& E) {
    DL_CHECK(E.rank() == 2, "embedding_forward: E has shape " << to_string(E.shape()) << ", expected [V, D]");
    const std::size_t V = E.dim(0), D = E.dim(1);
    Y.resize({ids.size(), D});
    for (std::size_t n = 0; n < ids.size(); ++n) {
        check_id(ids[n], n, V, "embedding_forward");
        const auto row = E.row(static_cast<std::size_t>(ids[n]));
        std::copy(row.begin(), row.end(), Y.row(n).begin());
    }
}

// dE[ids[n], :] += dY[n, :]: each row of E receives the gradients of every position that read it.
template <class T>
void embedding_backward(TensorT<T>& dE, const TensorT<T>& dY, std::span<const int> ids) {
    DL_CHECK(dE.rank() == 2, "embedding_backward: dE has shape " << to_string(dE.shape()) << ", expected [V, D]");
    const std::size_t V = dE.dim(0), D = dE.dim(1);
    check_shape(dY.shape(), {ids.size(), D}, "embedding_backward", "dY");
    for (std::size_t n = 0; n < ids.size(); ++n) {
        check_id(ids[n], n, V, "embedding_backward");
        const auto from = dY.row(n);
        const auto to = dE.row(static_cast<std::size_t>(ids[n]));
        for (std::size_t d = 0; d < D; ++d) to[d] += from[d];
    }
}

#define DL_INSTANTIATE(T)                                                                        \
    template void embedding_forward(TensorT<T>&, std::span<const int>, const TensorT<T>&);       \
    template void embedding_backward(TensorT<T>&, const TensorT<T>&, std::span<const int>);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
