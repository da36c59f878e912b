// The checks of chapter 10 that need several processes. tests/ch10_distributed/*.cpp run this
// program under mpiexec (-np 1 to 4) and look at what it prints:
//
//   mpi_checks allreduce VARIANT     the variant against MPI_Allreduce, sizes 0, 1, primes, ...
//   mpi_checks gradients             average_gradients against Σ_r w_r g_r, every bucket size
//   mpi_checks equivalence OPTIMIZER P processes on shares of a batch = 1 process on the whole batch
//   mpi_checks zero1 [N]             ZeRO-1's AdamW step = all-reduce then AdamW, on N parameters
//   mpi_checks zero1-sizes           ZeRO-1 refuses moments that are not its part's size
//   mpi_checks die                   rank 1 is killed while rank 0 waits in an all-reduce
//
// Rank 0 prints what it starts ("allreduce_ring on 3 processes, 97 floats ..."), so that a run that
// hangs shows where, and "PASS <check>" when every rank passed. A failed check prints what and where,
// and MPI_Abort takes the whole job down (a process that stops alone would leave the others waiting).
#include "../../../chapters/ch10_distributed/mpi_data_parallel.hpp"

#include "dl/nn/loss.hpp"
#include "dl/nn/models.hpp"
#include "dl/ops/optimizers.hpp"
#include "dl/rng.hpp"
#include "dl/train/trainer.hpp"

#include <mpi.h>

#include <cmath>
#include <csignal>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

using namespace dl;

namespace {

int rank_here() { return mpi_rank(MPI_COMM_WORLD); }
int size_here() { return mpi_size(MPI_COMM_WORLD); }

// Rank 0 says what it starts, at once (a deadlock's last words).
void starting(const std::string& what) {
    if (rank_here() == 0) std::cout << what << " ..." << std::endl;
}

[[noreturn]] void fail(const std::string& what) {
    std::cout << "FAIL (rank " << rank_here() << " of " << size_here() << "): " << what << std::endl;
    MPI_Abort(MPI_COMM_WORLD, 1);
    std::abort();
}

// The values rank `rank` contributes: uniform in [-1, 1), a different stream per rank and size.
std::vector<float> contribution(std::size_t n, int rank, std::uint64_t salt) {
    Rng rng(1000 * salt + static_cast<std::uint64_t>(rank) + 1);
    std::vector<float> v(n);
    for (auto& x : v) x = static_cast<float>(rng.uniform(-1, 1));
    return v;
}

// Every rank holds what rank 0 holds, bit for bit.
void require_same_everywhere(const std::vector<float>& mine, const std::string& what) {
    std::vector<float> first = mine;
    MPI_Bcast(first.data(), static_cast<int>(first.size()), MPI_FLOAT, 0, MPI_COMM_WORLD);
    for (std::size_t i = 0; i < mine.size(); ++i)
        if (std::memcmp(&first[i], &mine[i], sizeof(float)) != 0) {
            std::ostringstream m;
            m << what << ": element " << i << " is " << mine[i] << " here but " << first[i]
              << " on rank 0 (every rank must end with the same sum: sum each chunk once, then copy it)";
            fail(m.str());
        }
}

void check_allreduce(const std::string& name) {
    AllreduceFunction run = nullptr;
    for (const auto& v : allreduce_variants())
        if (name == v.name) run = v.run;
    if (run == nullptr) fail("no all-reduce variant '" + name + "'");
    const int P = size_here(), rank = rank_here();
    for (const std::size_t n : {0ul, 1ul, 2ul, 3ul, 5ul, 7ul, 13ul, 97ul, 1000ul, 4099ul, 65537ul}) {
        starting("allreduce_" + name + " on " + std::to_string(P) + " processes, " + std::to_string(n) + " floats");
        std::vector<float> data = contribution(n, rank, n);
        // Σ_r |x_r| bounds the rounding of any order of the sum: (P − 1) ε Σ_r |x_r| per element.
        std::vector<float> expected = data, magnitude(n);
        for (std::size_t i = 0; i < n; ++i) magnitude[i] = std::fabs(data[i]);
        allreduce_mpi(expected, MPI_COMM_WORLD);
        allreduce_mpi(magnitude, MPI_COMM_WORLD);
        run(data, MPI_COMM_WORLD);
        for (std::size_t i = 0; i < n; ++i) {
            const double bound = P <= 2 ? 0.0 : (P - 1) * 1.2e-7 * static_cast<double>(magnitude[i]);
            if (!(std::fabs(static_cast<double>(data[i]) - static_cast<double>(expected[i])) <= bound)) {
                std::ostringstream m;
                m << "allreduce_" << name << " on " << P << " processes, " << n << " floats: element " << i << " (chunk "
                  << [&] { int c = 0; while (c + 1 < P && share_of(n, c + 1, P).begin <= i) ++c; return c; }()
                  << ") is " << data[i] << ", MPI_Allreduce gives " << expected[i]
                  << (P <= 2 ? " (on 2 processes a + b is exact: they must be equal)" : "") << "; bound " << bound;
                fail(m.str());
            }
        }
        require_same_everywhere(data, "allreduce_" + name + ", " + std::to_string(n) + " floats");
    }
}

void check_gradients() {
    const int P = size_here(), rank = rank_here();
    const std::vector<std::size_t> sizes = {3, 1, 1000, 17, 256};
    const std::size_t B = 11;   // a global batch that no P from 2 to 4 divides: uneven weights
    // Σ_r w_r g_r in double: every rank's contribution is known here, so each computes it, once.
    std::vector<std::vector<double>> expected;
    for (std::size_t k = 0; k < sizes.size(); ++k) {
        expected.emplace_back(sizes[k], 0.0);
        for (int r = 0; r < P; ++r) {
            const double w = static_cast<double>(share_of(B, r, P).size) / B;
            const std::vector<float> g = contribution(sizes[k], r, k + 1);
            for (std::size_t i = 0; i < sizes[k]; ++i) expected[k][i] += w * static_cast<double>(g[i]);
        }
    }
    for (const std::size_t bucket : {1ul, 5ul, 64ul, 300ul, 100000ul})
        for (const auto& variant : allreduce_variants()) {
            starting(std::string("average_gradients with allreduce_") + variant.name + ", buckets of " +
                     std::to_string(bucket) + " floats");
            std::vector<std::vector<float>> grads;
            for (std::size_t k = 0; k < sizes.size(); ++k) grads.push_back(contribution(sizes[k], rank, k + 1));
            std::vector<std::span<float>> spans(grads.begin(), grads.end());
            const float weight = static_cast<float>(share_of(B, rank, P).size) / static_cast<float>(B);
            std::vector<float> scratch;
            average_gradients(spans, weight, bucket, variant.run, MPI_COMM_WORLD, scratch);
            for (std::size_t k = 0; k < sizes.size(); ++k)
                for (std::size_t i = 0; i < sizes[k]; ++i) {
                    if (std::fabs(static_cast<double>(grads[k][i]) - expected[k][i]) > 1e-6) {
                        std::ostringstream m;
                        m << "average_gradients (" << variant.name << ", buckets of " << bucket << " floats): parameter "
                          << k << " (" << sizes[k] << " floats), element " << i << " is " << grads[k][i]
                          << ", expected Σ_r w_r g_r = " << expected[k][i]
                          << (bucket < sizes[k] ? " (this parameter straddles buckets)" : "");
                        fail(m.str());
                    }
                }
        }
}

// A small MLP trained for 4 steps of a batch of 11 on 22 random examples: data-parallel on P
// processes against one process on the whole batch, computed here on every process.
void check_equivalence(const std::string& optimizer) {
    data::Dataset set{.name = "random", .x = Tensor({22, 1, 3, 5}), .labels = {}, .num_classes = 4, .class_names = {}};
    Rng data_rng(7);
    for (auto& v : set.x.span()) v = static_cast<float>(data_rng.normal());
    for (std::size_t i = 0; i < 22; ++i) set.labels.push_back(static_cast<int>(i % 4));
    for (int k = 0; k < 4; ++k) set.class_names.push_back(std::to_string(k));
    const data::Dataset empty{.name = "none", .x = Tensor({0, 1, 3, 5}), .labels = {}, .num_classes = 4, .class_names = {}};
    auto train = [&](train::DataParallel* parallel) {
        Rng rng(3);
        nn::Sequential model = nn::mlp({1, 3, 5}, {9}, 4, nn::Activation::tanh, rng);
        nn::SoftmaxCrossEntropy loss;
        auto opt = optim::make_optimizer({.name = optimizer});
        train::FitOptions fit{.epochs = 2, .batch_size = 11, .lr = optimizer == "sgd" ? 0.1 : 0.01, .progress = false};
        fit.data_parallel = parallel;
        const auto history = train::fit(model, loss, *opt, set, empty, fit, rng);
        std::vector<float> params;
        for (auto* p : model.parameters()) params.insert(params.end(), p->value.begin(), p->value.end());
        return std::make_pair(params, history.back().train_loss);
    };
    ch10::MpiDataParallel parallel(MPI_COMM_WORLD, "ring", 64);
    const auto [together, loss_together] = train(&parallel);
    const auto [alone, loss_alone] = train(nullptr);
    require_same_everywhere(together, "the data-parallel weights");
    for (std::size_t i = 0; i < alone.size(); ++i)
        if (std::fabs(together[i] - alone[i]) > 2e-6f * (1 + std::fabs(alone[i]))) {
            std::ostringstream m;
            m << optimizer << ", 4 steps: weight " << i << " is " << together[i] << " on " << size_here()
              << " processes, " << alone[i] << " on one process with the whole batch (the gradient of the batch's mean "
                 "loss is Σ_r (n_r / B) ∇L_r: is each share weighted by its size?)";
            fail(m.str());
        }
    if (std::fabs(loss_together - loss_alone) > 1e-5 * (1 + std::fabs(loss_alone))) {
        std::ostringstream m;
        m << optimizer << ": the mean training loss is " << loss_together << " on " << size_here() << " processes, "
          << loss_alone << " alone";
        fail(m.str());
    }
}

void check_zero1(std::size_t n) {   // 1001 by default: no P from 2 to 4 divides it
    const int P = size_here(), rank = rank_here();
    std::vector<float> sharded(n), plain(n);
    Rng init(5);
    for (std::size_t i = 0; i < n; ++i) sharded[i] = plain[i] = static_cast<float>(init.normal());
    const Share mine = share_of(n, rank, P);
    Tensor m({mine.size}), v({mine.size}), m_all({n}), v_all({n}), theta({n}), g({n});
    for (std::int64_t t = 1; t <= 3; ++t) {
        starting("zero1_adamw_step on " + std::to_string(P) + " processes, " + std::to_string(n) + " parameters, step " +
                 std::to_string(t));
        std::vector<float> grads = contribution(n, rank, static_cast<std::uint64_t>(t));
        zero1_adamw_step(sharded, grads, m, v, t, 0.01f, 0.9f, 0.999f, 1e-8f, 0.01f, MPI_COMM_WORLD);
        allreduce_mpi(grads, MPI_COMM_WORLD);   // the plain data-parallel step: sum, then AdamW everywhere
        std::copy(grads.begin(), grads.end(), g.begin());
        std::copy(plain.begin(), plain.end(), theta.begin());
        adamw_step(theta, m_all, v_all, g, t, 0.01f, 0.9f, 0.999f, 1e-8f, 0.01f);
        std::copy(theta.begin(), theta.end(), plain.begin());
        for (std::size_t i = 0; i < n; ++i)
            if (std::fabs(sharded[i] - plain[i]) > 1e-6f * (1 + std::fabs(plain[i]))) {
                int owner = 0;
                while (owner + 1 < P && share_of(n, owner + 1, P).begin <= i) ++owner;
                std::ostringstream message;
                message << "zero1_adamw_step, step " << t << ": parameter " << i << " (owned by rank " << owner
                        << ") is " << sharded[i] << ", all-reduce then AdamW gives " << plain[i];
                fail(message.str());
            }
    }
    require_same_everywhere(sharded, "zero1_adamw_step's parameters");
}

// Moments of the whole model, not of this rank's part: refused on every rank, with the size wanted.
void check_zero1_sizes() {
    const std::size_t n = 101;
    std::vector<float> params(n, 1.0f), grads(n, 0.5f);
    Tensor m({n}), v({n});
    starting("zero1_adamw_step with moments of all " + std::to_string(n) + " parameters");
    try {
        zero1_adamw_step(params, grads, m, v, 1, 0.01f, 0.9f, 0.999f, 1e-8f, 0.0f, MPI_COMM_WORLD);
    } catch (const NotImplemented&) {
        throw;
    } catch (const Error& e) {
        const std::string wanted = std::to_string(share_of(n, rank_here(), size_here()).size);
        if (std::string(e.what()).find(wanted) == std::string::npos)
            fail(std::string("the message should say the size m and v must have (") + wanted + "): " + e.what());
        return;
    }
    fail("zero1_adamw_step took moments of all " + std::to_string(n) +
         " parameters: each rank must keep only its part's (check m.size() and v.size() before any MPI call)");
}

void die() {
    if (size_here() < 2) fail("'die' needs at least 2 processes");
    std::vector<float> data(1000, 1.0f);
    allreduce_mpi(data, MPI_COMM_WORLD);   // everyone is up
    if (rank_here() == 1) std::raise(SIGKILL);
    allreduce_mpi(data, MPI_COMM_WORLD);   // rank 0 waits here for a rank that is gone
    fail("the all-reduce returned although rank 1 was killed");
}

}  // namespace

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    const std::string check = argc > 1 ? argv[1] : "", arg = argc > 2 ? argv[2] : "";
    try {
        if (check == "allreduce") check_allreduce(arg);
        else if (check == "gradients") check_gradients();
        else if (check == "equivalence") check_equivalence(arg);
        else if (check == "zero1") check_zero1(arg.empty() ? 1001 : std::stoul(arg));
        else if (check == "zero1-sizes") check_zero1_sizes();
        else if (check == "die") die();
        else fail("unknown check '" + check + "' (allreduce VARIANT | gradients | equivalence OPTIMIZER | zero1 [N] | zero1-sizes | die)");
    } catch (const std::exception& e) {
        fail(e.what());
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank_here() == 0) std::cout << "PASS " << check << ' ' << arg << " on " << size_here() << " process(es)" << std::endl;
    MPI_Finalize();
    return 0;
}
