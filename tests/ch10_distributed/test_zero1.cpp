#include "mpi_launch.hpp"

#include <catch2/catch.hpp>

using dl::testing::mpi_check_failure;

TEST_CASE("ch10.zero1_adamw_step gives the parameters of all-reduce then AdamW", "[ch10][exercise]") {
    // 1,001 parameters (no P divides it), 3 steps, on 2 and 3 processes; within 1e-6 relative.
    for (const int P : {2, 3}) {
        const std::string failure = mpi_check_failure(P, "zero1");
        INFO(failure);
        REQUIRE(failure.empty());
    }
}

TEST_CASE("ch10.zero1_adamw_step works alone, and with fewer parameters than processes", "[ch10][exercise]") {
    // 1 process owns everything; 3 processes and 2 parameters: the last rank owns none.
    for (const auto& [P, n] : {std::pair{1, "1001"}, std::pair{3, "2"}}) {
        const std::string failure = mpi_check_failure(P, "zero1", n);
        INFO(failure);
        REQUIRE(failure.empty());
    }
}

TEST_CASE("ch10.zero1_adamw_step refuses moments that are not its part's size", "[ch10][exercise]") {
    const std::string failure = mpi_check_failure(2, "zero1-sizes");
    INFO(failure);
    REQUIRE(failure.empty());
}
