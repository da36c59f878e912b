// The checkpoint file: a bit-exact round trip, and a clear refusal of every file it did not write.
#include "dl/error.hpp"
#include "dl/testing/temp_dir.hpp"
#include "dl/train/trainer.hpp"
#include "dl/util/checkpoint.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

using namespace dl;

namespace {

util::Checkpoint sample() {
    util::Checkpoint c;
    c.kind = "test: 784-128-10";
    c.epoch = 3;
    c.step = 4689;
    Tensor w({2, 3});
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.1f * static_cast<float>(i) - 0.25f;
    w[4] = std::numeric_limits<float>::denorm_min();   // every bit pattern survives
    c.tensors.push_back({"dense.w", w});
    c.tensors.push_back({"adam.m", Tensor({4}, -1.5f)});
    c.numbers.push_back({"rng.s0", 0xfedcba9876543210ULL});   // all 64 bits survive
    c.numbers.push_back({"steps", 7});
    return c;
}

// Recomputes the trailing checksum, so that a test can forge a header that passes it.
void reseal(std::string& bytes) {
    const std::size_t body = bytes.size() - 4;
    const auto crc = static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(body)));
    std::memcpy(bytes.data() + body, &crc, 4);
}

}  // namespace

TEST_CASE("a checkpoint written and read back is the same, bit for bit", "[common][infra]") {
    testing::TempDir dir;
    const auto path = dir.path / "run" / "model.ckpt";   // the directory is created
    util::write_checkpoint(path, sample());
    const util::Checkpoint back = util::read_checkpoint(path);
    REQUIRE(back.kind == "test: 784-128-10");
    REQUIRE(back.epoch == 3);
    REQUIRE(back.step == 4689);
    REQUIRE(back.tensors.size() == 2);
    REQUIRE(back.tensors[0].name == "dense.w");
    REQUIRE(back.tensors[0].value.shape() == Shape{2, 3});
    REQUIRE(std::memcmp(back.tensors[0].value.data(), sample().tensors[0].value.data(), 6 * sizeof(float)) == 0);
    REQUIRE(back.tensors[1].value[3] == -1.5f);
    REQUIRE(back.numbers.size() == 2);
    REQUIRE(back.numbers[0].name == "rng.s0");
    REQUIRE(back.numbers[0].value == 0xfedcba9876543210ULL);
    REQUIRE(back.numbers[1].value == 7);
    // Written atomically: nothing but the checkpoint is left in its directory.
    REQUIRE(std::distance(std::filesystem::directory_iterator(path.parent_path()), {}) == 1);
}

TEST_CASE("a checkpoint with an empty tensor round-trips (found by fuzz_checkpoint)", "[common][infra]") {
    // A tensor with a zero dimension has no elements and perhaps no buffer: reading its floats
    // once passed a null pointer to memcpy, undefined behaviour that UBSan reports.
    util::Checkpoint c;
    c.kind = "empty";
    c.tensors.push_back({"nothing", Tensor({4, 0})});
    const util::Checkpoint back = util::decode_checkpoint(util::encode_checkpoint(c), "empty");
    REQUIRE(back.tensors.size() == 1);
    REQUIRE(back.tensors[0].value.shape() == Shape{4, 0});
    REQUIRE(util::encode_checkpoint(back) == util::encode_checkpoint(c));
}

TEST_CASE("a checkpoint reader refuses files it did not write, naming the file and the problem", "[common][infra]") {
    const std::string good = util::encode_checkpoint(sample());
    auto refuses = [](const std::string& bytes, const std::string& words) {
        CAPTURE(words);
        REQUIRE_THROWS_AS(util::decode_checkpoint(bytes, "x.ckpt"), DataError);
        REQUIRE_THROWS_WITH(util::decode_checkpoint(bytes, "x.ckpt"), Catch::Contains("x.ckpt") && Catch::Contains(words));
    };
    refuses("", "not a dlfs checkpoint");
    refuses("hello, world: some text file", "not a dlfs checkpoint");
    refuses(good.substr(0, 7), "not a dlfs checkpoint");
    // Cut inside the header: it does start with DLFSCKPT, so it is damaged, not another kind of file.
    for (std::size_t n = 8; n <= 12; ++n) refuses(good.substr(0, n), "damaged");
    // Every truncation is refused (as damaged: the checksum no longer matches).
    for (std::size_t n = 16; n < good.size(); n += 7) refuses(good.substr(0, n), "damaged");
    // One flipped bit anywhere in the body.
    std::string flipped = good;
    flipped[good.size() / 2] = static_cast<char>(flipped[good.size() / 2] ^ 0x10);
    refuses(flipped, "damaged");
    // Another version.
    std::string future = good;
    future[8] = 1;   // version 1 had no numbers
    reseal(future);
    refuses(future, "version 1");
    // A header that lies with a valid checksum: a dimension of 2^40 must not be allocated.
    util::Checkpoint lie;
    lie.kind = "k";
    lie.tensors.push_back({"w", Tensor({1}, 1.0f)});
    std::string forged = util::encode_checkpoint(lie);
    const std::size_t dim_at = 8 + 4 + (4 + 1) + 8 + 8 + 4 + (4 + 1) + 4;   // the first dimension
    const std::uint64_t huge = std::uint64_t{1} << 40;
    std::memcpy(forged.data() + dim_at, &huge, 8);
    reseal(forged);
    refuses(forged, "claims more elements");
    // Trailing bytes after the last tensor.
    std::string longer = good;
    longer.insert(longer.size() - 4, "junk");
    reseal(longer);
    refuses(longer, "bytes after the last number");
    // A number count that lies with a valid checksum.
    util::Checkpoint few;
    few.kind = "k";
    std::string many = util::encode_checkpoint(few);
    const std::uint32_t billions = 4'000'000'000u;
    std::memcpy(many.data() + many.size() - 8, &billions, 4);   // the count, just before the checksum
    reseal(many);
    refuses(many, "claims 4000000000 numbers");
}

TEST_CASE("reading a checkpoint that is missing, a directory, a pipe, a device or unreadable says so", "[common][infra]") {
    testing::TempDir dir;
    REQUIRE_THROWS_WITH(util::read_checkpoint(dir.path / "nope.ckpt"),
                        Catch::Contains("nope.ckpt") && Catch::Contains("cannot open") && Catch::Contains("no such file"));
    REQUIRE_THROWS_WITH(util::read_checkpoint(dir.path), Catch::Contains("is a directory"));
    // A named pipe would block for ever, /dev/zero fill the memory: neither is opened.
    const auto fifo = dir.path / "pipe.ckpt";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    REQUIRE_THROWS_WITH(util::read_checkpoint(fifo), Catch::Contains("pipe.ckpt") && Catch::Contains("not a regular file"));
    REQUIRE_THROWS_WITH(util::read_checkpoint("/dev/zero"), Catch::Contains("not a regular file"));
    // Without permission: the reason, not "check the path" (root reads anything: then it is only damaged).
    const auto locked = dir.path / "locked.ckpt";
    util::write_checkpoint(locked, sample());
    std::filesystem::permissions(locked, std::filesystem::perms::none);
    if (geteuid() != 0) REQUIRE_THROWS_WITH(util::read_checkpoint(locked), Catch::Contains("Permission denied"));
}

TEST_CASE("a program that trains several models keeps a checkpoint per run, and resumes the runs that had started",
          "[common][infra]") {
    testing::TempDir dir;
    const std::string file = (dir.path / "ck.ckpt").string();
    CHECK(train::run_checkpoint_path(file, "dropout") == (dir.path / "ck-dropout.ckpt").string());
    CHECK(train::run_checkpoint_path("runs/x", "logistic fashion/2") == "runs/x-logistic_fashion_2");
    train::CommonOptions common;
    common.save = file;
    train::FitOptions saving = train::with_run_checkpoints({.epochs = 3}, common, "none", "kind of none");
    CHECK(saving.checkpoints.save == (dir.path / "ck-none.ckpt").string());
    CHECK(saving.checkpoints.resume.empty());
    CHECK(saving.checkpoints.kind == "kind of none");
    // Resuming: no run's file at all is an error naming them; a run whose file is missing had not
    // started and trains from the beginning; --epochs 0 (evaluate only) needs every run's file.
    common = {};
    common.resume = file;
    CHECK_THROWS_WITH(train::check_run_checkpoints(common, {"none", "dropout"}),
                      Catch::Contains("ck-none.ckpt") && Catch::Contains("ck-dropout.ckpt") && Catch::Contains("none of them"));
    util::write_checkpoint(train::run_checkpoint_path(file, "none"), util::Checkpoint{});
    CHECK_NOTHROW(train::check_run_checkpoints(common, {"none", "dropout"}));
    CHECK(train::with_run_checkpoints({.epochs = 3}, common, "none", "k").checkpoints.resume ==
          train::run_checkpoint_path(file, "none"));
    CHECK(train::with_run_checkpoints({.epochs = 3}, common, "dropout", "k").checkpoints.resume.empty());
    CHECK_THROWS_WITH(train::with_run_checkpoints({.epochs = 0}, common, "dropout", "k"),
                      Catch::Contains("ck-dropout.ckpt") && Catch::Contains("--epochs 0"));
}
