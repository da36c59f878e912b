#include "dl/ops/distributed.hpp"

#include "dl/error.hpp"
#include "dl/exercise.hpp"

#include <algorithm>
#include <vector>

namespace dl {

// Rank 0: sum = data_0 + data_1 + ... + data_{P-1}, in rank order; then every rank gets the sum.
void allreduce_naive(std::span<float> data, MPI_Comm comm) {
    // Hint: every rank but 0 MPI_Sends its buffer to rank 0; rank 0 MPI_Recvs from rank 1, 2, ...
    // in turn into a scratch vector and adds it in; then one MPI_Bcast from rank 0 for everyone.
    DL_TODO("ch10.allreduce_naive");   // lesson: chapters/ch10_distributed/README.md#allreduce-naive
}

// Chunk c is share_of(n, c, P). Reduce-scatter, step s = 0..P-2: send chunk (p − s) mod P to the
// right, receive chunk (p − s − 1) mod P from the left and add it into ours; afterwards rank p holds
// chunk (p + 1) mod P summed over every rank. All-gather, step s: send chunk (p + 1 − s) mod P to
// the right, receive chunk (p − s) mod P from the left and keep it.
void allreduce_ring(std::span<float> data, MPI_Comm comm) {
    // Hint: one MPI_Sendrecv per step (a plain Send then Recv round a ring can deadlock). Receive the
    // reduce-scatter's chunk into a scratch buffer and add it; the all-gather's straight into data.
    // In C++, (p - s) % P is negative for p < s: add P before taking % P. Chunks differ in size.
    DL_TODO("ch10.allreduce_ring");   // lesson: chapters/ch10_distributed/README.md#allreduce-ring
}

}  // namespace dl
