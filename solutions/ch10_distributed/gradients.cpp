#include "dl/ops/distributed.hpp"

#include "dl/error.hpp"
#include "dl/exercise.hpp"

#include <algorithm>

namespace dl {

// g ← Σ_r w_r g_r: scale while packing into the bucket, all-reduce each full bucket, unpack.
void average_gradients(std::span<const std::span<float>> grads, float weight, std::size_t bucket_elements,
                       AllreduceFunction allreduce, MPI_Comm comm, std::vector<float>& bucket) {
    DL_CHECK(bucket_elements >= 1, "average_gradients: a bucket must hold at least one float");
    bucket.resize(bucket_elements);
    // Where each float of the bucket came from: parameter k, element i (a parameter may straddle buckets).
    std::size_t k = 0, i = 0;   // the next element to pack
    while (k < grads.size()) {
        const std::size_t first_k = k, first_i = i;
        std::size_t filled = 0;
        while (k < grads.size() && filled < bucket_elements) {
            const std::size_t take = std::min(grads[k].size() - i, bucket_elements - filled);
            for (std::size_t j = 0; j < take; ++j) bucket[filled + j] = weight * grads[k][i + j];
            filled += take, i += take;
            if (i == grads[k].size()) ++k, i = 0;
        }
        allreduce(std::span<float>(bucket.data(), filled), comm);
        std::size_t kk = first_k, ii = first_i;   // unpack the same elements, in the same order
        for (std::size_t used = 0; used < filled;) {
            const std::size_t take = std::min(grads[kk].size() - ii, filled - used);
            std::copy_n(bucket.begin() + static_cast<std::ptrdiff_t>(used), take, grads[kk].begin() + static_cast<std::ptrdiff_t>(ii));
            used += take, ii += take;
            if (ii == grads[kk].size()) ++kk, ii = 0;
        }
    }
}

}  // namespace dl
