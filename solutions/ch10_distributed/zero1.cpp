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
    const int rank = mpi_rank(comm), P = mpi_size(comm);
    DL_CHECK(params.size() == grads.size(),
             "zero1_adamw_step: " << params.size() << " parameters but " << grads.size() << " gradients");
    DL_CHECK(params.size() <= static_cast<std::size_t>(INT_MAX), "zero1_adamw_step: too many parameters for one message");
    const Share mine = share_of(params.size(), rank, P);
    DL_CHECK(m.size() == mine.size && v.size() == mine.size,
             "zero1_adamw_step: rank " << rank << " owns " << mine.size << " of the " << params.size()
                                       << " parameters, so m and v must hold " << mine.size << " each (they hold "
                                       << m.size() << " and " << v.size() << ")");
    std::vector<int> counts(static_cast<std::size_t>(P)), offsets(static_cast<std::size_t>(P));
    for (int p = 0; p < P; ++p) {
        const Share s = share_of(params.size(), p, P);
        counts[static_cast<std::size_t>(p)] = static_cast<int>(s.size);
        offsets[static_cast<std::size_t>(p)] = static_cast<int>(s.begin);
    }
    // 1. This rank's part of Σ_r grads_r.
    Tensor g({mine.size});
    MPI_Reduce_scatter(grads.data(), g.data(), counts.data(), MPI_FLOAT, MPI_SUM, comm);
    // 2. Chapter 3's AdamW on that part only.
    Tensor theta({mine.size});
    std::copy_n(params.begin() + static_cast<std::ptrdiff_t>(mine.begin), mine.size, theta.begin());
    adamw_step(theta, m, v, g, t, lr, beta1, beta2, eps, weight_decay);
    std::copy_n(theta.begin(), mine.size, params.begin() + static_cast<std::ptrdiff_t>(mine.begin));
    // 3. Every rank's part to every rank.
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, params.data(), counts.data(), offsets.data(), MPI_FLOAT, comm);
}

}  // namespace dl
