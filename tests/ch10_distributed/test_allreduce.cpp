#include "mpi_launch.hpp"

#include <catch2/catch.hpp>

using dl::testing::mpi_check;

// The worker compares each element with MPI_Allreduce: equal on 2 processes (a + b is exact), and
// within (P − 1)·ε·Σ_r |x_r| otherwise (another order of the sum), on sizes 0, 1, 2, 3, 5, 7, 13, 97,
// 1000, 4099 and 65537; and every rank must hold the same sum, bit for bit.

TEST_CASE("ch10.allreduce_naive equals MPI_Allreduce on 1, 2, 3 and 4 processes", "[ch10][exercise]") {
    for (const int P : {1, 2, 3, 4}) {
        const auto r = mpi_check(P, "allreduce", "naive");
        INFO(P << " processes:\n" << r.output);
        REQUIRE(r.status == 0);
        REQUIRE(r.output.find("PASS") != std::string::npos);
    }
}

TEST_CASE("ch10.allreduce_ring equals MPI_Allreduce on 1, 2, 3 and 4 processes", "[ch10][exercise]") {
    for (const int P : {1, 2, 3, 4}) {
        const auto r = mpi_check(P, "allreduce", "ring");
        INFO(P << " processes:\n" << r.output);
        REQUIRE(r.status == 0);
        REQUIRE(r.output.find("PASS") != std::string::npos);
    }
}

TEST_CASE("ch10 a process killed mid-run takes the job down within seconds, never a hang", "[ch10][infra]") {
    const auto r = dl::testing::mpi_launch(2, "ch10_mpi_checks", "die", /*timeout_s=*/60);
    INFO(r.output);
    REQUIRE(r.status != 0);
    REQUIRE(r.status != 124);   // timed out: the survivor waited for ever
    REQUIRE(r.output.find("PASS") == std::string::npos);
}
