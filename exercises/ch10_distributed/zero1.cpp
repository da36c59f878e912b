#include "dl/ops/distributed.hpp"

#include "dl/error.hpp"
#include "dl/exercise.hpp"
#include "dl/ops/optimizers.hpp"

#include <algorithm>
#include <climits>
#include <vector>

namespace dl {

// Reduce-scatter the gradients into this rank's part, AdamW on the part, all-gather the parts.
void zero1_adamw_step(std::span<float> params, std::span<const float> grads, Tensor& m, Tensor& v, std::int64_t t,
                      float lr, float beta1, float beta2, float eps, float weight_decay, MPI_Comm comm) {
    // Hint: the parts are share_of(n, p, P) for p = 0..P-1: their sizes are MPI_Reduce_scatter's
    // recvcounts and, with their begins as displacements, MPI_Allgatherv's (send MPI_IN_PLACE).
    // Copy this rank's part of θ into a Tensor, call adamw_step on it, and copy it back.
    DL_TODO("ch10.zero1_adamw_step");   // lesson: chapters/ch10_distributed/README.md#zero1-adamw-step
}

}  // namespace dl
