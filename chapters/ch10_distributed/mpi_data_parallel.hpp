#pragma once
// Chapter 10's side of data-parallel training: the trainers' DataParallel hook
// (dl/train/data_parallel.hpp) over MPI, with the learner's sharded sampler and gradient averaging
// (dl/ops/distributed.hpp), and the time each process spends in them.

#include "dl/ops/distributed.hpp"
#include "dl/train/data_parallel.hpp"

#include <mpi.h>

#include <string>
#include <vector>

namespace dl::ch10 {

// MPI_Init on construction, MPI_Finalize on destruction (one per program).
class MpiSession {
public:
    MpiSession(int& argc, char**& argv);
    ~MpiSession();
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;
    int rank() const { return rank_; }
    int processes() const { return size_; }
    // The processes of this job on this machine (1 alone). Collective: every process must call it.
    int processes_here() const;

private:
    int rank_ = 0, size_ = 1;
};

class MpiDataParallel final : public train::DataParallel {
public:
    // `allreduce`: a name in allreduce_variants() (naive, ring, mpi); buckets of `bucket_bytes`.
    MpiDataParallel(MPI_Comm comm, const std::string& allreduce, std::size_t bucket_bytes);
    int rank() const override { return rank_; }
    int processes() const override { return size_; }
    Range share(std::size_t batch) const override;
    double sum(double value) override;
    void average_gradients(std::span<const train::Update> updates, double weight) override;
    // Seconds spent in the collective calls above (waiting for the slowest process included).
    double communication_seconds() const { return seconds_; }

private:
    MPI_Comm comm_;
    int rank_ = 0, size_ = 1;
    AllreduceFunction allreduce_ = nullptr;
    std::size_t bucket_elements_ = 0;
    std::vector<float> bucket_;
    std::vector<std::span<float>> grads_;
    double seconds_ = 0;
};

}  // namespace dl::ch10
