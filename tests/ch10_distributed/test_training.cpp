#include "mpi_launch.hpp"

#include "dl/testing/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using dl::testing::mpi_launch;

namespace {

// metrics.csv's losses and accuracies (columns 2-5), one row per epoch; the timings left out.
std::vector<std::vector<double>> losses(const std::filesystem::path& csv) {
    std::ifstream in(csv);
    std::vector<std::vector<double>> rows;
    std::string line;
    std::getline(in, line);   // the header
    while (std::getline(in, line)) {
        std::stringstream fields(line);
        std::vector<double> row;
        std::string field;
        for (int column = 0; std::getline(fields, field, ','); ++column)
            if (column >= 1 && column <= 4) row.push_back(std::stod(field));
        rows.push_back(row);
    }
    return rows;
}

// ch10_distributed on P processes: chapter 5's CNN on 640 images (--quick: 1,000 test images), no dropout (so that the masks,
// which each process draws for itself, cannot make runs differ), a constant rate (the cosine
// schedule's rates depend on --epochs), 1 thread a process.
dl::testing::Launched train(int P, const std::string& args) {
    return mpi_launch(P, "ch10_distributed",
                      "--model cnn --quick --max-train 640 --dropout 0 --batch-size 32 --lr-schedule none --plot none --threads 1 " + args, 300);
}

}  // namespace

TEST_CASE("ch10.average_gradients lets a checkpoint of 2 processes resume on 2 bit for bit, and on 1", "[ch10][exercise]") {
    dl::testing::TempDir dir("dlfs-ch10");
    const std::string d = dir.path.string();
    const auto whole = train(2, "--epochs 2 --out " + d + "/whole");
    INFO(whole.output);
    REQUIRE(whole.status == 0);
    const auto first = train(2, "--epochs 1 --save " + d + "/two.ckpt --out " + d + "/first");
    INFO(first.output);
    REQUIRE(first.status == 0);
    const auto resumed = train(2, "--epochs 2 --resume " + d + "/two.ckpt --out " + d + "/resumed");
    INFO(resumed.output);
    REQUIRE(resumed.status == 0);
    // The same processes, the same sums in the same order: the same numbers.
    REQUIRE(losses(d + "/resumed/metrics.csv") == losses(d + "/whole/metrics.csv"));

    const auto alone = train(1, "--epochs 2 --resume " + d + "/two.ckpt --out " + d + "/alone");
    INFO(alone.output);
    REQUIRE(alone.status == 0);
    const auto a = losses(d + "/alone/metrics.csv"), w = losses(d + "/whole/metrics.csv");
    REQUIRE(a.size() == 2);
    REQUIRE(a[0] == w[0]);   // the first epoch is the checkpoint's
    // The second: one process sums the batch in another order; the losses agree to rounding.
    CHECK(a[1][0] == Approx(w[1][0]).epsilon(1e-3));
    CHECK(a[1][2] == Approx(w[1][2]).epsilon(1e-3));
}

TEST_CASE("ch10.average_gradients lets a checkpoint of 1 process resume on 2", "[ch10][exercise]") {
    dl::testing::TempDir dir("dlfs-ch10");
    const std::string d = dir.path.string();
    const auto first = train(1, "--epochs 1 --save " + d + "/one.ckpt --out " + d + "/first");
    INFO(first.output);
    REQUIRE(first.status == 0);
    const auto resumed = train(2, "--epochs 2 --resume " + d + "/one.ckpt --out " + d + "/resumed");
    INFO(resumed.output);
    REQUIRE(resumed.status == 0);
    const auto r = losses(d + "/resumed/metrics.csv");
    REQUIRE(r.size() == 2);
    CHECK(r[1][2] < r[0][2]);   // it goes on learning: the validation loss falls
}

TEST_CASE("ch10 refuses a global batch that leaves a process without an example", "[ch10][infra]") {
    dl::testing::TempDir dir("dlfs-ch10");
    const auto r = mpi_launch(3, "ch10_distributed", "--max-train 640 --batch-size 2 --plot none --out " + dir.path.string());
    INFO(r.output);
    REQUIRE(r.status == 2);
    REQUIRE(r.output.find("--batch-size 2 leaves some of the 3 processes") != std::string::npos);
}
