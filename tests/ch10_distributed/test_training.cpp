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

// ch10_distributed on P processes: chapter 5's CNN on 640 images (--quick: 1,000 test images), no
// dropout (so that the masks, which each process draws for itself, cannot make runs differ), a
// constant rate (the cosine schedule's rates depend on --epochs), 1 thread a process. A run that
// fails stops the test with the end of its output.
void train(int P, const std::string& args) {
    const auto r = mpi_launch(P, "ch10_distributed",
                              "--model cnn --quick --max-train 640 --dropout 0 --batch-size 32 --lr-schedule none "
                              "--plot none --threads 1 " + args, 300);
    INFO("ch10_distributed on " << P << " process(es), " << args << ": exit " << r.status << "; its output ended:\n"
                                << dl::testing::tail(r.output));
    REQUIRE(r.status == 0);
}

const char* const columns[] = {"train_loss", "train_acc", "val_loss", "val_acc"};

// Row by row, column by column: equal, or within `relative`.
void require_same(const std::vector<std::vector<double>>& got, const std::vector<std::vector<double>>& want,
                  const std::string& what, double relative) {
    REQUIRE(got.size() == want.size());
    for (std::size_t e = 0; e < got.size(); ++e)
        for (std::size_t c = 0; c < 4; ++c) {
            INFO(what << ": epoch " << e + 1 << "'s " << columns[c] << " is " << got[e][c] << ", the uninterrupted run's "
                      << want[e][c]);
            if (relative == 0)
                REQUIRE(got[e][c] == want[e][c]);
            else
                REQUIRE(got[e][c] == Approx(want[e][c]).epsilon(relative));
        }
}

}  // namespace

TEST_CASE("ch10.average_gradients lets a checkpoint of 2 processes resume on 2 bit for bit, and on 1", "[ch10][exercise]") {
    dl::testing::TempDir dir("dlfs-ch10");
    const std::string d = dir.path.string();
    train(2, "--epochs 2 --out " + d + "/whole");
    train(2, "--epochs 1 --save " + d + "/two.ckpt --out " + d + "/first");
    train(2, "--epochs 2 --resume " + d + "/two.ckpt --out " + d + "/resumed");
    const auto whole = losses(d + "/whole/metrics.csv");
    // The same processes, the same sums in the same order: the same numbers.
    require_same(losses(d + "/resumed/metrics.csv"), whole, "resumed on 2 processes", 0);
    // On 1 process the second epoch sums each batch in another order: the same to rounding.
    train(1, "--epochs 2 --resume " + d + "/two.ckpt --out " + d + "/alone");
    const auto alone = losses(d + "/alone/metrics.csv");
    REQUIRE(alone.size() == 2);
    require_same({alone[0]}, {whole[0]}, "resumed on 1 process (the checkpoint's epoch)", 0);
    require_same({alone[1]}, {whole[1]}, "resumed on 1 process", 1e-3);
}

TEST_CASE("ch10.average_gradients lets a checkpoint of 1 process resume on 2", "[ch10][exercise]") {
    dl::testing::TempDir dir("dlfs-ch10");
    const std::string d = dir.path.string();
    train(1, "--epochs 1 --save " + d + "/one.ckpt --out " + d + "/first");
    train(2, "--epochs 2 --resume " + d + "/one.ckpt --out " + d + "/resumed");
    const auto r = losses(d + "/resumed/metrics.csv");
    REQUIRE(r.size() == 2);
    INFO("the validation loss went from " << r[0][2] << " after the first epoch (1 process) to " << r[1][2]
                                          << " after the second (2 processes): it should fall");
    CHECK(r[1][2] < r[0][2]);
}

TEST_CASE("ch10 refuses a global batch that leaves a process without an example", "[ch10][infra]") {
    dl::testing::TempDir dir("dlfs-ch10");
    const auto r = mpi_launch(3, "ch10_distributed", "--max-train 640 --batch-size 2 --plot none --out " + dir.path.string());
    INFO(r.output);
    REQUIRE(r.status == 2);
    REQUIRE(r.output.find("--batch-size 2 leaves some of the 3 processes") != std::string::npos);
}
