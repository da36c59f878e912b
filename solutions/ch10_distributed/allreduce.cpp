#include "dl/ops/distributed.hpp"

#include "dl/error.hpp"
#include "dl/exercise.hpp"

#include <algorithm>
#include <vector>

namespace dl {

// Rank 0: sum = data_0 + data_1 + ... + data_{P-1}, in rank order; then every rank gets the sum.
void allreduce_naive(std::span<float> data, MPI_Comm comm) {
    const int rank = mpi_rank(comm), P = mpi_size(comm);
    const int n = mpi_count(data.size(), "allreduce_naive");
    if (rank != 0) {
        MPI_Send(data.data(), n, MPI_FLOAT, 0, 0, comm);
    } else {
        // Kept from call to call: a fresh 64 MB vector each call would page-fault its way in every time.
        static thread_local std::vector<float> incoming;
        incoming.resize(data.size());
        for (int source = 1; source < P; ++source) {   // in rank order, so the sum's order is fixed
            MPI_Recv(incoming.data(), n, MPI_FLOAT, source, 0, comm, MPI_STATUS_IGNORE);
            for (std::size_t i = 0; i < data.size(); ++i) data[i] += incoming[i];
        }
    }
    MPI_Bcast(data.data(), n, MPI_FLOAT, 0, comm);
}

// Chunk c is share_of(n, c, P). Reduce-scatter, step s = 0..P-2: send chunk (p − s) mod P to the
// right, receive chunk (p − s − 1) mod P from the left and add it into ours; afterwards rank p holds
// chunk (p + 1) mod P summed over every rank. All-gather, step s: send chunk (p + 1 − s) mod P to
// the right, receive chunk (p − s) mod P from the left and keep it.
void allreduce_ring(std::span<float> data, MPI_Comm comm) {
    const int rank = mpi_rank(comm), P = mpi_size(comm);
    mpi_count(data.size(), "allreduce_ring");
    if (P == 1) return;
    const int right = (rank + 1) % P, left = (rank + P - 1) % P;
    auto chunk = [&](int c) {
        const Share s = share_of(data.size(), (c % P + P) % P, P);
        return data.subspan(s.begin, s.size);
    };
    static thread_local std::vector<float> incoming;   // kept from call to call, as in allreduce_naive
    incoming.resize(share_of(data.size(), 0, P).size);   // chunk 0 is a largest one
    for (int s = 0; s < P - 1; ++s) {
        const std::span<float> out = chunk(rank - s), in = chunk(rank - s - 1);
        MPI_Sendrecv(out.data(), static_cast<int>(out.size()), MPI_FLOAT, right, 0, incoming.data(),
                     static_cast<int>(in.size()), MPI_FLOAT, left, 0, comm, MPI_STATUS_IGNORE);
        for (std::size_t i = 0; i < in.size(); ++i) in[i] += incoming[i];
    }
    for (int s = 0; s < P - 1; ++s) {
        const std::span<float> out = chunk(rank + 1 - s), in = chunk(rank - s);
        MPI_Sendrecv(out.data(), static_cast<int>(out.size()), MPI_FLOAT, right, 1, in.data(),
                     static_cast<int>(in.size()), MPI_FLOAT, left, 1, comm, MPI_STATUS_IGNORE);
    }
}

}  // namespace dl
