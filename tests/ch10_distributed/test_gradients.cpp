#include "mpi_launch.hpp"

#include <catch2/catch.hpp>

using dl::testing::mpi_check_failure;

TEST_CASE("ch10.average_gradients gives every rank the weighted sum, with every bucket size and all-reduce", "[ch10][exercise]") {
    // Parameters of 3, 1, 1000, 17 and 256 floats in buckets of 1, 5, 64, 300 and 100,000 floats
    // (straddling and whole), shares of a batch of 11 as weights, against Σ_r w_r g_r in double.
    for (const int P : {2, 3}) {
        const std::string failure = mpi_check_failure(P, "gradients");
        INFO(failure);
        REQUIRE(failure.empty());
    }
}

TEST_CASE("ch10.average_gradients makes P processes on shares of a batch train as one on the whole batch", "[ch10][exercise]") {
    // An MLP, 4 steps of a batch of 11 (shares 6 + 5, 4 + 4 + 3), with SGD and with Adam: the weights
    // agree within 2e-6 relative (another order of the sums, no more), the mean loss within 1e-5.
    for (const char* optimizer : {"sgd", "adam"})
        for (const int P : {2, 3}) {
            const std::string failure = mpi_check_failure(P, "equivalence", optimizer);
            INFO(failure);
            REQUIRE(failure.empty());
        }
}
