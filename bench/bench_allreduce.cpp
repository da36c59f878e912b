// bench_allreduce: chapter 10's all-reduce (the sum, in place, over every process) for every
// variant in dl::allreduce_variants(): naive (through rank 0), ring, and MPI_Allreduce itself as
// the reference row. It runs under MPI, one benchmark process per rank:
//   mpirun -np 2 bench_allreduce [--short] [Google Benchmark flags]
//   BM_allreduce/<variant>/<bytes>/procs:<P>    float32 messages of 1K … 256M bytes, powers of 4
//                                               (Google Benchmark appends /iterations:<n>/manual_time)
//   algbw   bytes / time: the message size over the time of one all-reduce
//   BYTES   the bus bandwidth, algbw · 2(P − 1)/P, as nccl-tests defines it: what each rank's link
//           must carry for the ring (2(P − 1)/P of the message, whatever P is), so a good
//           all-reduce shows the same figure on any P. With P = 1 there is no link: it is 0.
//   procs   P
// A row's time is that of the slowest rank: each call starts after an MPI_Barrier, each rank times
// it with MPI_Wtime, and the maximum over the ranks is the call's time (UseManualTime).
//
// Every rank runs the same benchmarks in the same order with the same iteration counts, or the
// collectives wait for ever: the counts are fixed by the size (Iterations, which
// --benchmark_min_time does not change), --short is rank 0's, and random interleaving is turned
// off. Rank 0 prints and writes --benchmark_out; the other ranks report to nowhere.
//
// Before a variant is timed at a size, every rank fills the buffer with values that depend on its
// rank and the index, runs the variant once, and compares with MPI_Allreduce on a copy: the same
// bits on P ≤ 2 (a sum of two floats has one rounding), else within (P − 1)·FLT_EPSILON·Σ_r|x_r|
// (two sums of P terms in different orders). The ranks agree on the verdict before anything is
// skipped, so a wrong or unwritten variant (a learner's NotImplemented stub) skips its row on every
// rank. A variant that fails on some ranks inside its own communication cannot be saved: those
// waiting for it wait for ever.
//
// Without mpirun the program is an MPI singleton, P = 1 (the CI smoke test): every variant is
// then a copy or nothing, and only the validation means anything.

#include "peak.hpp"

#include "dl/ops/distributed.hpp"

#include <benchmark/benchmark.h>
#include <mpi.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

// Rank `rank`'s value at index i, in [-1, 1): 24 bits of a hash of (rank, i) (splitmix64's mixer),
// so any rank can recompute any other's values.
float value_at(int rank, std::size_t i) {
    std::uint64_t z = (static_cast<std::uint64_t>(rank) << 40) + i + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return static_cast<float>(z >> 40) * 0x1p-23f - 1.0f;
}

// The buffers of the size being benchmarked, shared by its variants (sizes are registered in
// order, so only the largest so far is held).
struct Buffers {
    std::vector<float> data, reference;
};

// Empty when `variant` sums like MPI_Allreduce on this rank, else why not. The reference sum is
// taken on every rank even when the variant threw here (it may throw on this rank only, before
// any message), so that the ranks still meet in the same collectives.
std::string validate_here(const dl::AllreduceVariant& variant, Buffers& b, MPI_Comm comm) {
    const int rank = dl::mpi_rank(comm), P = dl::mpi_size(comm);
    for (std::size_t i = 0; i < b.data.size(); ++i) b.data[i] = value_at(rank, i);
    b.reference = b.data;
    std::string error;
    try {
        variant.run(b.data, comm);
    } catch (const std::exception& e) {   // a NotImplemented stub's message says what to write
        error = e.what();
    }
    dl::allreduce_mpi(b.reference, comm);
    if (!error.empty()) return error;
    for (std::size_t i = 0; i < b.data.size(); ++i) {
        const double got = static_cast<double>(b.data[i]), want = static_cast<double>(b.reference[i]);
        double tolerance = 0;
        if (P > 2) {
            double abs_sum = 0;
            for (int r = 0; r < P; ++r) abs_sum += std::abs(static_cast<double>(value_at(r, i)));
            tolerance = (P - 1) * static_cast<double>(FLT_EPSILON) * abs_sum;
        }
        if (!(std::abs(got - want) <= tolerance)) {   // a NaN fails too
            std::ostringstream msg;
            msg << "allreduce " << variant.name << " is wrong at element " << i << " of " << b.data.size()
                << " on rank " << rank << " of " << P << ": got " << got << ", MPI_Allreduce gives " << want
                << " (tolerance " << tolerance << ")";
            return msg.str();
        }
    }
    return {};
}

// Every rank's verdict made one: the error of the lowest rank that has one, else empty.
std::string agreed(std::string error, MPI_Comm comm) {
    const int rank = dl::mpi_rank(comm), P = dl::mpi_size(comm);
    int first = error.empty() ? P : rank;
    MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first == P) return {};
    int length = static_cast<int>(error.size());
    MPI_Bcast(&length, 1, MPI_INT, first, comm);
    error.resize(static_cast<std::size_t>(length));
    MPI_Bcast(error.data(), length, MPI_CHAR, first, comm);
    return error;
}

void bm_allreduce(benchmark::State& state, const dl::AllreduceVariant* variant, std::size_t bytes, Buffers* b) {
    const MPI_Comm comm = MPI_COMM_WORLD;
    const int P = dl::mpi_size(comm);
    b->data.resize(bytes / sizeof(float));
    b->reference.resize(b->data.size());
    const auto validate = [&] { return agreed(validate_here(*variant, *b, comm), comm); };
    if (!dl::bench::validated(state, std::string("allreduce ") + variant->name, validate)) return;

    // Zeros stay zeros: the values the timed calls add up never grow to infinity.
    std::fill(b->data.begin(), b->data.end(), 0.0f);
    for (auto _ : state) {
        MPI_Barrier(comm);
        const double start = MPI_Wtime();
        variant->run(b->data, comm);
        double elapsed = MPI_Wtime() - start;
        MPI_Allreduce(MPI_IN_PLACE, &elapsed, 1, MPI_DOUBLE, MPI_MAX, comm);   // the slowest rank's time
        state.SetIterationTime(elapsed);
    }
    const double algbw_bytes = static_cast<double>(bytes);
    const double bus_bytes = algbw_bytes * 2.0 * (P - 1) / P;
    using benchmark::Counter;
    state.counters["algbw"] = Counter(algbw_bytes, Counter::kIsIterationInvariantRate);
    state.counters["BYTES"] = Counter(bus_bytes, Counter::kIsIterationInvariantRate);
    state.counters["procs"] = Counter(P);
}

// Fixed per size, the same on every rank: about 512 MiB moved per row (0.2 s at 2.5 GB/s), at
// least 3 calls and at most 1000.
benchmark::IterationCount iterations_for(std::size_t bytes) {
    return static_cast<benchmark::IterationCount>(std::clamp<std::size_t>((std::size_t{512} << 20) / bytes, 3, 1000));
}

// The reporter of ranks other than 0: reports nothing, prints nothing.
class SilentReporter : public benchmark::BenchmarkReporter {
public:
    bool ReportContext(const Context&) override { return true; }
    void ReportRuns(const std::vector<Run>&) override {}
};

}  // namespace

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    const int rank = dl::mpi_rank(MPI_COMM_WORLD), P = dl::mpi_size(MPI_COMM_WORLD);
    int short_mode = dl::bench::take_short_flag(argc, argv) ? 1 : 0;
    MPI_Bcast(&short_mode, 1, MPI_INT, 0, MPI_COMM_WORLD);   // rank 0's environment decides for all

    // Flags appended after the user's win: no random order (it would differ between ranks), and on
    // ranks other than 0 no --benchmark_out (each would truncate the file rank 0 writes).
    static char no_interleaving[] = "--benchmark_enable_random_interleaving=false";
    static char no_out[] = "--benchmark_out=";
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        const bool out_flag = std::strncmp(argv[i], "--benchmark_out=", 16) == 0 ||
                              std::strncmp(argv[i], "--benchmark_out_format=", 23) == 0;
        if (rank == 0 || !out_flag) args.push_back(argv[i]);
    }
    args.push_back(no_interleaving);
    if (rank != 0) args.push_back(no_out);
    int args_count = static_cast<int>(args.size());
    args.push_back(nullptr);
    benchmark::Initialize(&args_count, args.data());
    if (args_count > 1) {
        if (rank == 0) benchmark::ReportUnrecognizedArguments(args_count, args.data());
        MPI_Finalize();
        return 2;
    }

    char library[MPI_MAX_LIBRARY_VERSION_STRING];
    int library_length = 0;
    MPI_Get_library_version(library, &library_length);
    benchmark::AddCustomContext("mpi_library", std::string(library, std::strcspn(library, ",\n")));
    benchmark::AddCustomContext("procs", std::to_string(P));
    benchmark::AddCustomContext("dlfs_metric", "bytes");   // scripts/bench-report charts the bus bandwidth
    static Buffers buffers;

    // Message bytes: 1K … 256M in powers of 4; short mode: up to 1M.
    const std::size_t largest = short_mode ? std::size_t{1} << 20 : std::size_t{256} << 20;
    for (std::size_t bytes = 1024; bytes <= largest; bytes *= 4)
        for (const auto& variant : dl::allreduce_variants()) {
            const std::string name = std::string("BM_allreduce/") + variant.name + "/" + std::to_string(bytes) +
                                     "/procs:" + std::to_string(P);
            benchmark::RegisterBenchmark(name.c_str(), bm_allreduce, &variant, bytes, &buffers)
                ->Iterations(iterations_for(bytes))
                ->UseManualTime()
                ->Unit(benchmark::kMicrosecond);
        }

    if (rank == 0) {
        benchmark::RunSpecifiedBenchmarks();
    } else {
        SilentReporter silent;
        std::ostream nowhere(nullptr);   // Google Benchmark's own messages too ("Failed to match ...")
        silent.SetOutputStream(&nowhere);
        silent.SetErrorStream(&nowhere);
        benchmark::RunSpecifiedBenchmarks(&silent);
    }
    benchmark::Shutdown();
    MPI_Finalize();
    return 0;
}
