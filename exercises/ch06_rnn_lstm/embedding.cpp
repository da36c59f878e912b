#include "dl/ops/rnn.hpp"

#include "dl/exercise.hpp"

#include <algorithm>
#include <cstddef>

namespace dl {

// Y[n, :] = E[ids[n], :]
template <class T>
void embedding_forward(TensorT<T>& Y, std::span<const int> ids, const TensorT<T>& E) {
    // Hint: E is [V, D]; Y.resize({ids.size(), D}); copy row ids[n] of E (E.row(...)) into row n of
    // Y. An id < 0 or ≥ V must throw DataError (DL_THROW) naming the id and its position.
    DL_TODO("ch06.embedding_forward");   // lesson: chapters/ch06_rnn_lstm/README.md#embedding-forward
}

// dE[ids[n], :] += dY[n, :]
template <class T>
void embedding_backward(TensorT<T>& dE, const TensorT<T>& dY, std::span<const int> ids) {
    // Hint: accumulate, never overwrite: the same character appears many times in a batch and each
    // occurrence adds its row of dY. Check dY is [ids.size(), D] (check_shape) and every id.
    DL_TODO("ch06.embedding_backward");   // lesson: chapters/ch06_rnn_lstm/README.md#embedding-backward
}

#define DL_INSTANTIATE(T)                                                                        \
    template void embedding_forward(TensorT<T>&, std::span<const int>, const TensorT<T>&);       \
    template void embedding_backward(TensorT<T>&, const TensorT<T>&, std::span<const int>);
DL_INSTANTIATE(float)
DL_INSTANTIATE(double)
#undef DL_INSTANTIATE

}  // namespace dl
