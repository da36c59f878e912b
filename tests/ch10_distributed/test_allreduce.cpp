#include "mpi_launch.hpp"

#include "dl/ops/distributed.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace dl;
using dl::testing::mpi_check_failure;

TEST_CASE("ch10.share_of splits a batch into contiguous parts in order, sizes differing by at most one", "[ch10][exercise]") {
    for (const std::size_t count : {0ul, 1ul, 2ul, 7ul, 11ul, 32ul, 55000ul})
        for (const int parts : {1, 2, 3, 4, 7}) {
            std::size_t next = 0, smallest = count, largest = 0;
            for (int p = 0; p < parts; ++p) {
                const Share s = share_of(count, p, parts);
                INFO("share_of(" << count << ", " << p << ", " << parts << ") = {begin " << s.begin << ", size " << s.size
                                 << "}; part " << p << " must begin where part " << p - 1 << " ended, at " << next);
                REQUIRE(s.begin == next);
                next += s.size;
                smallest = std::min(smallest, s.size), largest = std::max(largest, s.size);
            }
            INFO(parts << " parts of " << count << ": they cover " << next << " items, sizes from " << smallest << " to "
                       << largest);
            REQUIRE(next == count);
            REQUIRE(largest - smallest <= 1);
        }
}

TEST_CASE("ch10.share_of gives the first count mod parts parts one more", "[ch10][exercise]") {
    // 11 = 4 + 4 + 3: the remainder goes to the first parts, as the lesson's formula says.
    CHECK(share_of(11, 0, 3).size == 4);
    CHECK(share_of(11, 1, 3).begin == 4);
    CHECK(share_of(11, 2, 3).begin == 8);
    CHECK(share_of(11, 2, 3).size == 3);
    CHECK(share_of(2, 3, 4).size == 0);   // more parts than items: the last ones are empty
    CHECK(share_of(2, 3, 4).begin == 2);
}

TEST_CASE("ch10.share_of refuses a part outside 0..parts-1", "[ch10][exercise]") {
    CHECK_THROWS_WITH(share_of(10, 2, 2), Catch::Contains("part 2 of 2"));
    CHECK_THROWS_WITH(share_of(10, -1, 2), Catch::Contains("part -1"));
    CHECK_THROWS_AS(share_of(10, 0, 0), Error);
}

// The worker compares each element with MPI_Allreduce: equal on 2 processes (a + b is exact), and
// within (P − 1)·ε·Σ_r |x_r| otherwise (another order of the sum), on sizes 0, 1, 2, 3, 5, 7, 13, 97,
// 1000, 4099 and 65537; and every rank must hold the same sum, bit for bit.

TEST_CASE("ch10.allreduce_naive equals MPI_Allreduce on 1, 2, 3 and 4 processes", "[ch10][exercise]") {
    for (const int P : {1, 2, 3, 4}) {
        const std::string failure = mpi_check_failure(P, "allreduce", "naive");
        INFO(failure);
        REQUIRE(failure.empty());
    }
}

TEST_CASE("ch10.allreduce_ring equals MPI_Allreduce on 1, 2, 3 and 4 processes", "[ch10][exercise]") {
    for (const int P : {1, 2, 3, 4}) {
        const std::string failure = mpi_check_failure(P, "allreduce", "ring");
        INFO(failure);
        REQUIRE(failure.empty());
    }
}

TEST_CASE("ch10 a process killed mid-run takes the job down within seconds, never a hang", "[ch10][infra]") {
    const auto r = dl::testing::mpi_launch(2, "ch10_mpi_checks", "die", /*timeout_s=*/60);
    INFO(r.output);
    REQUIRE(r.status != 0);
    REQUIRE(r.status != 124);   // timed out: the survivor waited for ever
    REQUIRE(r.output.find("PASS") == std::string::npos);
}
