#pragma once
// Chapter 10's data-parallel pieces, over MPI. P processes (ranks 0..P-1 of a communicator) each
// hold the whole model and take a share of every batch; after backward their gradients are summed
// with an all-reduce, so every process takes the same optimizer step.
//
//   share_of            the sharded sampler: which part of a batch (or of a buffer) a rank holds
//   allreduce_naive     gather to rank 0, sum in rank order, broadcast back
//   allreduce_ring      reduce-scatter then all-gather round a ring of the P ranks
//   average_gradients   every gradient ← Σ_r weight_r · gradient_r, packed into buckets
//   zero1_adamw_step    AdamW with its state sharded across the ranks (ZeRO stage 1)
//
// Every function here is collective: every rank of `comm` must call it, with the same sizes, or
// the ranks wait for each other for ever. The buffers are float32, summed in float32.

#include "dl/error.hpp"
#include "dl/tensor.hpp"

#include <mpi.h>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace dl {

// Part `part` of `count` items split into `parts` contiguous parts in order, sizes differing by at
// most one (the first count mod parts parts hold one more):
//   q = ⌊count / parts⌋, r = count mod parts,  begin = part·q + min(part, r),  size = q + (part < r)
// Rank p of P takes share_of(B, p, P) of every global batch of B examples (so each process sees
// its own slice of every epoch), and owns share_of(n, p, P) of an n-element buffer in the ring.
struct Share {
    std::size_t begin = 0, size = 0;
};
Share share_of(std::size_t count, int part, int parts);

// All-reduce, the sum, in place: afterwards every rank's `data` holds Σ_r data_r, element by element.
//   naive: each rank sends its whole buffer to rank 0 (MPI_Send / MPI_Recv), rank 0 adds them in
//          rank order and sends the sum back to every rank (MPI_Bcast). Rank 0 moves (P − 1)·n floats
//          in and (P − 1)·n out: its link is the bottleneck, and it grows with P.
//   ring:  the buffer is cut into P chunks (share_of). Reduce-scatter: in P − 1 steps, each rank
//          sends one chunk to its right neighbour and adds the chunk from its left one into its
//          own (MPI_Sendrecv); afterwards rank p holds chunk (p + 1) mod P fully summed. All-gather:
//          P − 1 more steps pass the summed chunks round the ring. Each rank sends 2(P − 1)/P · n
//          floats, whatever P is.
// The sum is the same on every rank, bit for bit (each chunk is summed once, then copied).
void allreduce_naive(std::span<float> data, MPI_Comm comm);
void allreduce_ring(std::span<float> data, MPI_Comm comm);

// The rank of this process in `comm` and the number of ranks (given).
inline int mpi_rank(MPI_Comm comm) {
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    return rank;
}
inline int mpi_size(MPI_Comm comm) {
    int size = 0;
    MPI_Comm_size(comm, &size);
    return size;
}

// n as the int count MPI's calls take (given); throws naming `who` when n floats are more than one
// message holds.
inline int mpi_count(std::size_t n, const char* who) {
    DL_CHECK(n <= static_cast<std::size_t>(INT_MAX), who << ": " << n << " floats is more than one MPI message holds");
    return static_cast<int>(n);
}

// MPI_Allreduce (given): the library's own, the reference the two above are checked and timed against.
inline void allreduce_mpi(std::span<float> data, MPI_Comm comm) {
    MPI_Allreduce(MPI_IN_PLACE, data.data(), mpi_count(data.size(), "allreduce_mpi"), MPI_FLOAT, MPI_SUM, comm);
}

using AllreduceFunction = void (*)(std::span<float>, MPI_Comm);
struct AllreduceVariant {
    const char* name;   // naive, ring, mpi
    AllreduceFunction run;
};
// Every variant, in the order of the ladder; the tests, the benchmark and --allreduce use it.
inline std::span<const AllreduceVariant> allreduce_variants() {
    static constexpr AllreduceVariant variants[] = {
        {"naive", allreduce_naive}, {"ring", allreduce_ring}, {"mpi", allreduce_mpi}};
    return variants;
}

// The gradient-averaging hook of data-parallel training. `grads` holds one span per parameter, in
// the same order on every rank. Afterwards each holds Σ_r weight_r · grads_r over the ranks, where
// a rank's weight is its share of the global batch (n_r / B): the gradient of the whole batch's
// mean loss. The spans are packed, scaled by `weight`, into buckets of at most `bucket_elements`
// floats (a parameter larger than a bucket is split across buckets), one all-reduce a bucket, and
// unpacked. `bucket` is the caller's buffer, reused from step to step.
void average_gradients(std::span<const std::span<float>> grads, float weight, std::size_t bucket_elements,
                       AllreduceFunction allreduce, MPI_Comm comm, std::vector<float>& bucket);

// ZeRO stage 1: AdamW (chapter 3's adamw_step) with the optimizer state sharded. `params` and
// `grads` are the whole model, flattened, the same length on every rank; `grads` are this rank's
// weighted gradients (not yet summed). Rank p owns part p of the n elements (share_of(n, p, P)):
//   1. reduce-scatter the gradients: rank p receives Σ_r grads_r of its part (MPI_Reduce_scatter)
//   2. the AdamW step on its part only, with its moments m and v ([share size] each, zero at first)
//   3. all-gather the updated parts, so every rank holds every parameter again (MPI_Allgatherv)
// Each rank keeps 2n/P floats of state instead of 2n; the result equals all-reduce + AdamW.
void zero1_adamw_step(std::span<float> params, std::span<const float> grads, Tensor& m, Tensor& v, std::int64_t t,
                      float lr, float beta1, float beta2, float eps, float weight_decay, MPI_Comm comm);

}  // namespace dl
