#include "dl/ops/attention.hpp"

#include "dl/exercise.hpp"
#include "dl/ops/gemm.hpp"
#include "dl/util/parallel.hpp"
#include "dl/util/vector_math.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace dl {

// A block of query rows at a time, their keys a block at a time; per row a running m, ℓ, acc:
//   m' = max(m, max_j s_j)    c = e^(m − m')    ℓ ← c ℓ + Σ_j e^(s_j − m')    acc ← c acc + Σ_j e^(s_j − m') v_j
// and O = acc / ℓ when the keys are done.
template <class T>
void attention_blockwise_forward(TensorT<T>& O, const TensorT<T>& Q, const TensorT<T>& K, const TensorT<T>& V,
                                 bool causal, std::size_t block) {
    // Hint: check_attention_shapes first; block = 0 is an error. For problem n and the query rows
    // i0 .. i0 + rows − 1: m = −∞, ℓ = 0, acc = 0 (rows × d numbers); then for each key block j0:
    // the scores s = q·k / √d (−∞ for a masked key j > i), the update above, and at the end
    // O = acc / ℓ. Careful with the first block: e^(−∞ − m') must be 0, not NaN. With the causal
    // mask a query block can stop at key i0 + rows. The result must equal attention_forward's O.
    // Plain loops are fine; the reference makes each tile two small gemm_blocked calls (the
    // scores, then acc += P̃ V with beta = 1).
    DL_TODO("ch07.attention_blockwise_forward");   // lesson: chapters/ch07_transformer/README.md#attention-blockwise-forward
}

template void attention_blockwise_forward(TensorT<float>&, const TensorT<float>&, const TensorT<float>&,
                                          const TensorT<float>&, bool, std::size_t);
template void attention_blockwise_forward(TensorT<double>&, const TensorT<double>&, const TensorT<double>&,
                                          const TensorT<double>&, bool, std::size_t);

}  // namespace dl
