#include "mpi_data_parallel.hpp"

#include "dl/error.hpp"

#include <algorithm>
#include <string>

namespace dl::ch10 {

MpiSession::MpiSession(int& argc, char**& argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() { MPI_Finalize(); }

int MpiSession::processes_here() const {
    // The processes that share this machine's memory: MPI-3's split by shared-memory node.
    MPI_Comm here = MPI_COMM_NULL;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &here);
    const int n = mpi_size(here);
    MPI_Comm_free(&here);
    return n;
}

MpiDataParallel::MpiDataParallel(MPI_Comm comm, const std::string& allreduce, std::size_t bucket_bytes)
    : comm_(comm), rank_(mpi_rank(comm)), size_(mpi_size(comm)),
      bucket_elements_(std::max<std::size_t>(1, bucket_bytes / sizeof(float))) {
    std::string names;
    for (const auto& v : allreduce_variants()) {
        if (allreduce == v.name) allreduce_ = v.run;
        names += std::string(names.empty() ? "" : "|") + v.name;
    }
    if (allreduce_ == nullptr) DL_THROW(UsageError, "--allreduce must be " << names << ", got '" << allreduce << "'");
}

train::DataParallel::Range MpiDataParallel::share(std::size_t batch) const {
    const Share s = share_of(batch, rank_, size_);
    DL_CHECK(s.size > 0, "a batch of " << batch << " examples leaves process " << rank_ << " of " << size_
                                        << " with none: give every process at least one (a larger --batch-size)");
    return {s.begin, s.size};
}

double MpiDataParallel::sum(double value) {
    if (size_ == 1) return value;
    const double start = MPI_Wtime();
    MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_SUM, comm_);
    seconds_ += MPI_Wtime() - start;
    return value;
}

void MpiDataParallel::average_gradients(std::span<const train::Update> updates, double weight) {
    if (size_ == 1) return;   // alone: the weight is 1, the sum is the gradient itself
    const double start = MPI_Wtime();
    grads_.clear();
    for (const auto& u : updates)
        for (auto* p : u.params) grads_.push_back(p->grad.span());
    dl::average_gradients(grads_, static_cast<float>(weight), bucket_elements_, allreduce_, comm_, bucket_);
    seconds_ += MPI_Wtime() - start;
}

}  // namespace dl::ch10
