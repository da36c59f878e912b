// The command line, the JSON writer, the atomic file write, metrics.csv and the vectorised maths.
#include "dl/testing/temp_dir.hpp"
#include "dl/train/metrics.hpp"
#include "dl/train/cli.hpp"
#include "dl/util/json.hpp"
#include "dl/util/parallel.hpp"
#include "dl/util/plot.hpp"
#include "dl/util/vector_math.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <new>
#include <sstream>
#include <vector>

using namespace dl;

namespace {
bool parse(train::Cli& cli, std::vector<const char*> args) {
    args.insert(args.begin(), "prog");
    return cli.parse(static_cast<int>(args.size()), args.data());
}
}  // namespace

TEST_CASE("Cli fills the common options and keeps the defaults", "[common][infra]") {
    train::Cli cli("prog", "test", {.epochs = 3, .batch_size = 16, .lr = 0.5});
    REQUIRE(parse(cli, {"--epochs", "7", "--lr", "0.01", "--quick", "--plot", "none"}));
    REQUIRE(cli.common().epochs == 7);
    REQUIRE(cli.common().batch_size == 16);
    REQUIRE(cli.common().lr == 0.01);
    REQUIRE(cli.common().quick);
    REQUIRE(cli.common().out == "runs/prog");
    REQUIRE(cli.common().threads >= 1);
}

TEST_CASE("Cli caps epochs under --quick and says so when the command line asked for more", "[common][infra]") {
    train::Cli quick("prog", "test", {.epochs = 15});
    REQUIRE(parse(quick, {"--quick", "--epochs", "5"}));
    std::ostringstream said;
    std::streambuf* old = std::cerr.rdbuf(said.rdbuf());
    const int capped = quick.capped_by_quick(quick.common().epochs, 2);
    std::cerr.rdbuf(old);
    REQUIRE(capped == 2);
    REQUIRE_THAT(said.str(), Catch::Contains("--quick runs 2 epochs, not the 5 of --epochs"));
    REQUIRE(quick.capped_by_quick(1, 2) == 1);   // under the cap: as asked
    train::Cli defaulted("prog", "test", {.epochs = 15});   // the default cut quietly: nobody asked for 15
    REQUIRE(parse(defaulted, {"--quick"}));
    said.str("");
    old = std::cerr.rdbuf(said.rdbuf());
    REQUIRE(defaulted.capped_by_quick(defaulted.common().epochs, 2) == 2);
    std::cerr.rdbuf(old);
    REQUIRE(said.str().empty());
    train::Cli full("prog", "test", {.epochs = 15});
    REQUIRE(parse(full, {"--epochs", "5"}));
    REQUIRE(full.capped_by_quick(full.common().epochs, 2) == 5);
}

TEST_CASE("Cli reads the learning-rate schedule", "[common][infra]") {
    train::Cli cli("prog", "test", {});
    REQUIRE(parse(cli, {"--lr-schedule", "cosine", "--lr-min", "0.001", "--warmup-steps", "100"}));
    REQUIRE(cli.common().schedule.kind == "cosine");
    REQUIRE(cli.common().schedule.min_lr == 0.001);
    REQUIRE(cli.common().schedule.warmup_steps == 100);
    train::Cli defaults("prog", "test", {});
    REQUIRE(parse(defaults, {}));
    REQUIRE(defaults.common().schedule.kind == "none");
    REQUIRE(defaults.common().schedule.warmup_steps == 0);
}

TEST_CASE("Cli rejects bad values with a message naming the option", "[common][infra]") {
    const std::vector<std::pair<std::vector<const char*>, std::string>> cases{
        {{"--lr", "0"}, "--lr"},
        {{"--lr", "-1"}, "--lr"},
        {{"--batch-size", "0"}, "--batch-size"},
        {{"--batch-size", "-3"}, "--batch-size"},
        {{"--epochs", "0"}, "--epochs"},
        {{"--epochs", "ten"}, "epochs"},
        {{"--plot", "svg"}, "--plot"},
        {{"--optimizer", "adamm"}, "--optimizer"},
        {{"--no-such-option"}, "no-such-option"},
        {{"--threads", "0"}, "--threads"},
        {{"--rho", "1"}, "--rho"},
        {{"--eps", "-1e-8"}, "--eps"},
        {{"--lr-schedule", "linear"}, "--lr-schedule"},
        {{"--lr-step", "0"}, "--lr-step"},
        {{"--lr-gamma", "0"}, "--lr-gamma"},
        {{"--lr-gamma", "1.5"}, "--lr-gamma"},
        {{"--lr-min", "-0.1"}, "--lr-min"},
        {{"--warmup-steps", "-1"}, "--warmup-steps"},
        {{"--early-stop", "-1"}, "--early-stop"},
        {{"--clip-norm", "-1"}, "--clip-norm"},
        {{"--clip-value", "-0.5"}, "--clip-value"},
        // Numbers that are not numbers, arguments that are not options, and schedules that cannot be.
        {{"--lr", "inf"}, "--lr must be a finite number"},
        {{"--lr", "nan"}, "--lr must be a finite number"},
        {{"--eps", "inf"}, "--eps must be a finite number"},
        {{"--clip-norm", "1e999"}, "--clip-norm"},
        {{"--lr", "0.5", "0.01"}, "unexpected argument '0.01'"},
        {{"stray"}, "unexpected argument 'stray'"},
        {{"--lr-schedule", "cosine", "--lr", "0.01", "--lr-min", "0.1"}, "--lr-min 0.1 is above --lr 0.01"},
    };
    for (const auto& [args, option] : cases) {
        CAPTURE(option);
        train::Cli cli("prog", "test", {});
        REQUIRE_THROWS_AS(parse(cli, args), UsageError);
        train::Cli again("prog", "test", {});
        REQUIRE_THROWS_WITH(parse(again, args), Catch::Contains(option));
    }
}

TEST_CASE("Cli refuses a negative number for a whole-number option instead of wrapping it to 2^64 - 1",
          "[common][infra]") {
    for (const char* value : {"-1", "-0", " -5", "-18446744073709551615"}) {
        CAPTURE(value);
        train::Cli cli("prog", "test", {});
        cli.chapter_options().add_options()("sample-length", boost::program_options::value<std::size_t>()->default_value(300), "");
        REQUIRE_THROWS_WITH(parse(cli, {"--sample-length", value}),
                            Catch::Contains("--sample-length must be a whole number >= 0"));
    }
    train::Cli cli("prog", "test", {});
    cli.chapter_options().add_options()("sample-length", boost::program_options::value<std::size_t>()->default_value(300), "");
    REQUIRE(parse(cli, {"--sample-length", "0"}));
    REQUIRE(cli.get<std::size_t>("sample-length") == 0);
}

TEST_CASE("run_main turns errors into one line and an exit status", "[common][infra]") {
    REQUIRE(train::run_main("prog", [] { return 0; }) == 0);
    REQUIRE(train::run_main("prog", []() -> int { throw UsageError("--lr must be positive"); }) == 2);
    REQUIRE(train::run_main("prog", []() -> int { throw DataError("file.gz: truncated"); }) == 1);
}

TEST_CASE("Json writes ordered objects with escapes and no NaN", "[common][infra]") {
    util::Json j = util::Json::object();
    j.set("test_accuracy", 0.875).set("params", std::size_t{785}).set("name", "a \"b\"\n");
    j.set("nan", std::nan("")).set("ok", true);
    util::Json runs(util::Json::Array{});
    runs.push(util::Json::object().set("run", "x"));
    j.set("runs", runs);
    REQUIRE(j.dump(-1) ==
            R"({"test_accuracy":0.875,"params":785,"name":"a \"b\"\n","nan":null,"ok":true,"runs":[{"run":"x"}]})");
}

TEST_CASE("write_file_atomically replaces the file and leaves no temporary", "[common][infra]") {
    const auto dir = std::filesystem::temp_directory_path() / "dlfs_test_atomic";
    std::filesystem::remove_all(dir);
    const auto file = dir / "sub" / "summary.json";
    util::write_file_atomically(file, "one");
    util::write_file_atomically(file, "two");
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    REQUIRE(s.str() == "two");
    REQUIRE(std::distance(std::filesystem::directory_iterator(file.parent_path()), {}) == 1);   // no temporary
    std::filesystem::remove_all(dir);
}

TEST_CASE("plots without gnuplot warn and return false instead of failing", "[common][infra]") {
    ::setenv("DLFS_GNUPLOT", "/nonexistent/gnuplot", 1);
    const util::Panel panel{"loss", "epoch", "loss", {{"train", {1, 2}, {0.5, 0.4}}}};
    const auto png = std::filesystem::temp_directory_path() / "dlfs_no_gnuplot.png";
    REQUIRE_FALSE(util::gnuplot_available());
    REQUIRE_FALSE(util::plot_panels({panel}, png, util::PlotMode::png, "t", "metrics.csv"));
    REQUIRE_FALSE(std::filesystem::exists(png));
    ::unsetenv("DLFS_GNUPLOT");
}

TEST_CASE("vector_math: exp, sigmoid and tanh agree with the C library's", "[common][infra]") {
    double worst_exp = 0, worst_sigmoid = 0, worst_tanh = 0;
    for (int i = -200000; i <= 200000; ++i) {
        const float x = static_cast<float>(i) * 4.3e-4f;   // −86 … 86
        const double e = std::exp(static_cast<double>(x));
        worst_exp = std::max(worst_exp, std::abs(static_cast<double>(vmath::exp(x)) - e) / e);
        const double s = 1 / (1 + std::exp(-static_cast<double>(x)));
        worst_sigmoid = std::max(worst_sigmoid, std::abs(static_cast<double>(vmath::sigmoid(x)) - s));
        worst_tanh = std::max(worst_tanh, std::abs(static_cast<double>(vmath::tanh(x)) - std::tanh(static_cast<double>(x))));
    }
    CHECK(worst_exp < 3e-7);       // about 2.5 ulp
    CHECK(worst_sigmoid < 2e-7);
    CHECK(worst_tanh < 4e-7);
    CHECK(vmath::exp(-1000.0f) < 1e-37f);
    CHECK(vmath::exp(1000.0f) > 1e38f);
    CHECK(vmath::sigmoid(-1000.0f) >= 0.0f);
    CHECK(vmath::tanh(1000.0f) == 1.0f);
    CHECK(vmath::tanh(-1000.0f) == -1.0f);
}

TEST_CASE("metrics.csv: an earlier run's file stays until the new run ends well", "[common][infra]") {
    testing::TempDir dir;
    const auto path = dir.path / "out" / "metrics.csv";
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << "epoch,train_loss\n1,0.5\n";
    auto first_line = [](const std::filesystem::path& p) {
        std::ifstream in(p);
        std::string line;
        std::getline(in, line);
        return line;
    };
    {
        train::MetricsCsv csv(path, false, true);   // a run refused before its first epoch
    }
    CHECK(first_line(path) == "epoch,train_loss");
    try {   // a run that fails after writing rows (say, a --resume of another model in its second part)
        train::MetricsCsv csv(path, false, true);
        csv.write({.epoch = 1, .train_loss = 2.5, .step = 500});
        throw DataError("the second model's checkpoint is another model's");
    } catch (const DataError&) {
    }
    CHECK(first_line(path) == "epoch,train_loss");   // still the earlier run's, beside its summary.json
    CHECK(first_line(path.string() + ".partial").rfind("epoch,step,", 0) == 0);   // the failed run's rows
    {
        train::MetricsCsv csv(path, false, true);
        csv.write({.epoch = 1, .train_loss = 2.5, .step = 500});
    }
    std::ifstream now(path);
    std::string header, row;
    std::getline(now, header), std::getline(now, row);
    CHECK(header == "epoch,step,train_loss,train_acc,val_loss,val_acc,seconds,examples_per_s,lr");
    CHECK(row.rfind("1,500,2.5,", 0) == 0);
    std::vector<std::string> left;   // nothing else left but the run's lock file
    for (const auto& e : std::filesystem::directory_iterator(path.parent_path())) left.push_back(e.path().filename());
    std::sort(left.begin(), left.end());
    CHECK(left == std::vector<std::string>{".dlfs-lock", "metrics.csv"});
    CHECK_THROWS_WITH(train::MetricsCsv(dir.path / "out" / "metrics.csv" / "x.csv", false),
                      Catch::Contains("cannot write") && Catch::Contains("metrics.csv"));
}

TEST_CASE("metrics.csv and summary.json: never one run's rows beside another run's summary", "[common][infra]") {
    testing::TempDir dir;
    const auto csv_path = dir.path / "metrics.csv", summary = dir.path / "summary.json";
    const auto earlier_run = [&] {
        util::write_file_atomically(csv_path, "epoch,train_loss\n1,0.5\n");
        util::write_file_atomically(summary, "{\"run\": \"earlier\"}");
    };
    const auto text = [](const std::filesystem::path& p) {
        std::ifstream in(p);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    earlier_run();
    {   // a run that ends well and writes its summary
        train::MetricsCsv csv(csv_path, false);
        csv.write({.epoch = 1, .train_loss = 0.25});
        util::write_file_atomically(summary, "{\"run\": \"this\"}");
    }
    CHECK(text(summary) == "{\"run\": \"this\"}");
    CHECK(text(csv_path).find("1,0.25,") != std::string::npos);
    earlier_run();
    {   // a run whose rows take their place before its summary is written (a language model's)
        train::MetricsCsv csv(csv_path, false);
        csv.write({.epoch = 1, .train_loss = 0.25});
    }
    CHECK(text(csv_path).find("1,0.25,") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(summary));   // the earlier summary went with the earlier rows
    earlier_run();
    try {   // a run that fails: the earlier pair stays whole
        train::MetricsCsv csv(csv_path, false);
        csv.write({.epoch = 1, .train_loss = 0.25});
        throw DataError("failed in its second epoch");
    } catch (const DataError&) {
    }
    CHECK(text(csv_path) == "epoch,train_loss\n1,0.5\n");
    CHECK(text(summary) == "{\"run\": \"earlier\"}");
}

TEST_CASE("write_file_atomically refuses a path it cannot write, leaving no temporary and the old file whole",
          "[common][infra]") {
    testing::TempDir dir;
    const auto file = dir.path / "summary.json";
    util::write_file_atomically(file, "old");
    CHECK_THROWS_WITH(util::write_file_atomically(file / "under-a-file.json", "x"),
                      Catch::Contains("under-a-file.json") && Catch::Contains("cannot"));
    CHECK_THROWS_WITH(util::write_file_atomically(dir.path, "x"), Catch::Contains("cannot"));   // a directory
    std::ifstream in(file);
    std::string text;
    std::getline(in, text);
    CHECK(text == "old");
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path), {}) == 1);
    CHECK_THROWS_WITH(util::check_writable_directory(file, "--out"), Catch::Contains("--out") && Catch::Contains("summary.json"));
}

TEST_CASE("ParallelFailure carries an exception out of an OpenMP region instead of terminating", "[common][infra]") {
    // Without it a std::bad_alloc in a kernel's threads is std::terminate (exit 134, no message).
    util::ParallelFailure failure;
    std::vector<int> done(64, 0);
#pragma omp parallel for num_threads(2)
    for (int i = 0; i < 64; ++i)
        failure.run([&] {
            if (i == 5) throw std::bad_alloc();
            done[static_cast<std::size_t>(i)] = 1;
        });
    REQUIRE_THROWS_AS(failure.rethrow(), std::bad_alloc);
    REQUIRE(done[5] == 0);
    util::ParallelFailure none;
    none.run([] {});
    REQUIRE_NOTHROW(none.rethrow());
}

TEST_CASE("a second run into an --out that another run holds is refused, naming that run", "[common][infra]") {
    testing::TempDir dir;
    const util::DirectoryLock held(dir.path);
    const util::DirectoryLock again(dir.path);   // the same process may take it again (tests make several)
    const pid_t child = fork();
    if (child == 0) {   // another process: refused with the holder's process id
        try {
            const util::DirectoryLock second(dir.path);
        } catch (const UsageError& e) {
            const std::string message = e.what();
            _exit(message.find("in use by another run (process " + std::to_string(getppid()) + ")") != std::string::npos ? 0 : 2);
        }
        _exit(1);
    }
    int status = -1;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
}

TEST_CASE("a second run saving to a checkpoint that another run saves to is refused, naming that run",
          "[common][infra]") {
    testing::TempDir dir;
    const auto file = dir.path / "model.ckpt";
    const util::DirectoryLock held(file, "--save");
    const pid_t child = fork();
    if (child == 0) {   // another process: refused for that file, not for another one beside it
        try {
            const util::DirectoryLock other(dir.path / "other.ckpt", "--save");
            const util::DirectoryLock second(file, "--save");
        } catch (const UsageError& e) {
            const std::string message = e.what();
            _exit(message.find("--save " + file.string() + " is in use by another run (process " +
                               std::to_string(getppid()) + "): wait for it to finish, or give another --save") !=
                          std::string::npos
                      ? 0
                      : 2);
        }
        _exit(1);
    }
    int status = -1;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
}
