// Chapter 10: data-parallel training with MPI. The same program runs as P processes
//
//   mpirun -np 2 build/reference/bin/ch10_distributed --model cnn
//
// each holding the whole model (chapter 5's CNN, or chapter 7's character Transformer with
// --model gpt) and each taking its share of every batch: --batch-size is the global batch, so the
// same command on 1 or P processes trains the same model, up to the order of the sums (and, for
// the CNN, the dropout masks: each process draws its own). After backward the gradients are
// averaged with --allreduce ring|naive|mpi in buckets of --bucket-kb; every process then takes the
// same optimizer step. Rank 0 alone prints and writes --out and the checkpoints; a checkpoint of P
// processes resumes on any number of them. Each process runs one thread unless --threads says more
// (alone, it takes every core).
//
// Writes to --out: metrics.csv, summary.json (with the processes, the throughput in total and per
// process, and the share of time spent communicating) and curves.png; for --model gpt also samples.txt.
#include "mpi_data_parallel.hpp"

#include "dl/data/fashion_mnist.hpp"
#include "dl/data/text.hpp"
#include "dl/nn/loss.hpp"
#include "dl/nn/models.hpp"
#include "dl/nn/transformer.hpp"
#include "dl/train/cli.hpp"
#include "dl/train/lm_run.hpp"
#include "dl/train/metrics.hpp"
#include "dl/train/trainer.hpp"
#include "dl/util/plot.hpp"
#include "dl/util/progress.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

using namespace dl;
namespace po = boost::program_options;

namespace {

constexpr const char* program = "ch10_distributed";

// The options of one model that the other does not take.
const char* const cnn_only[] = {"dropout", "max-train"};
const char* const gpt_only[] = {"text", "steps", "eval-every", "eval-windows", "temperature", "sample-length", "prompt",
                                "generate"};

// --model as given (before the options are parsed: it chooses their defaults).
std::string model_named(int argc, const char* const argv[]) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--model") == 0 && i + 1 < argc) return argv[i + 1];
        if (std::strncmp(argv[i], "--model=", 8) == 0) return argv[i] + 8;
    }
    return "cnn";
}

// What every process reports at the end, summed or taken from rank 0.
struct Throughput {
    double examples_per_s = 0, seconds = 0, communication_share = 0;
    long steps = 0;   // optimizer steps taken, restored ones included
};

Throughput throughput(const std::vector<train::EpochMetrics>& history, const ch10::MpiDataParallel& parallel) {
    Throughput t;
    for (const auto& m : history) t.examples_per_s = std::max(t.examples_per_s, m.examples_per_s), t.seconds += m.seconds;
    t.communication_share = t.seconds > 0 ? parallel.communication_seconds() / t.seconds : 0;
    t.steps = history.empty() ? 0 : history.back().step;
    return t;
}

void print_throughput(const Throughput& t, int processes, int threads, const char* unit) {
    std::cout << processes << " process(es) x " << threads << " thread(s): " << static_cast<long long>(t.examples_per_s)
              << ' ' << unit << "/s in total (best interval), "
              << static_cast<long long>(t.examples_per_s / processes) << " per process; "
              << util::format_fixed(100 * t.communication_share, 1) << "% of rank 0's training time in communication\n";
}

void add_throughput(util::Json& summary, const Throughput& t, int processes, int threads, const std::string& allreduce,
                    std::size_t bucket_kb) {
    summary.set("processes", processes).set("threads_per_process", threads).set("allreduce", allreduce);
    summary.set("bucket_kb", static_cast<std::int64_t>(bucket_kb)).set("training_seconds", t.seconds);
    summary.set("steps", static_cast<std::int64_t>(t.steps));
    summary.set("per_process_per_s", t.examples_per_s / processes).set("communication_share", t.communication_share);
}

int train_cnn(const train::Cli& cli, const train::CommonOptions& opt, ch10::MpiDataParallel& parallel,
              const std::string& allreduce, std::size_t bucket_kb) {
    const nn::CnnOptions cnn{.dropout = cli.get<double>("dropout"), .conv = "im2col"};
    if (cnn.dropout < 0 || cnn.dropout >= 1) DL_THROW(UsageError, "--dropout must be in [0, 1), got " << cnn.dropout);
    const long long max_train = cli.get<long long>("max-train");
    if (max_train < 0) DL_THROW(UsageError, "--max-train must be 0 (all) or positive, got " << max_train);
    const int epochs = cli.capped_by_quick(opt.epochs, 2);
    const std::filesystem::path out = opt.out;
    const bool writes = parallel.rank() == 0;

    optim::make_optimizer(opt.optimizer_options());
    // --quick: at most 3,000 training images (fewer with --max-train) and 1,000 test images.
    const auto train_cap = static_cast<std::size_t>(max_train);
    data::ImageSplits fashion = data::load_image_dataset(
        {.data_dir = opt.data,
         .max_train = opt.quick ? (train_cap == 0 ? 3000u : std::min<std::size_t>(train_cap, 3000)) : train_cap,
         .max_test = opt.quick ? 1000u : 0u, .seed = opt.seed});
    const data::Standardization scaling = data::standardize(fashion);
    // Every batch, the epoch's last included, must give every process at least one image.
    const std::size_t n = fashion.train.size(), P = static_cast<std::size_t>(parallel.processes()),
                      last = n % opt.batch_size;
    if (opt.batch_size < P || (last != 0 && last < P))
        DL_THROW(UsageError, "--batch-size " << opt.batch_size << " leaves some of the " << P
                                             << " processes without an image in " << (opt.batch_size < P ? "every" : "the last")
                                             << " batch of an epoch (" << n << " images): choose one of at least " << P
                                             << " whose remainder is 0 or at least " << P);

    // The same seed on every process: the same initial weights and the same shuffle, so each takes
    // its own share of the same global batches. The dropout masks differ: each process draws its own.
    Rng rng(opt.seed);
    nn::Sequential model = nn::course_cnn(fashion.train.example_shape(),
                                          static_cast<std::size_t>(fashion.train.num_classes), rng, cnn);
    const auto reseed_dropout = [&] {
        for (Rng* g : model.generators()) *g = Rng(g->next_u64() + 0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(parallel.rank()));
    };
    if (parallel.rank() > 0) reseed_dropout();
    const std::size_t rank0_share = parallel.share(opt.batch_size).size;   // before the line: it may throw
    std::cout << "Fashion-MNIST: " << n << " train, " << fashion.validation.size() << " validation, "
              << fashion.test.size() << " test images; " << P << " process(es) of " << opt.threads
              << " thread(s), a global batch of " << opt.batch_size << " (" << rank0_share
              << " on this process); --allreduce " << allreduce << " in buckets of " << bucket_kb << " KB\n"
              << nn::summary(model) << '\n';

    std::optional<train::MetricsCsv> csv;
    if (writes) csv.emplace(out / "metrics.csv", /*with_run_column=*/false);
    nn::SoftmaxCrossEntropy loss;
    auto optimizer = optim::make_optimizer(opt.optimizer_options());
    train::FitOptions fit = train::with_common_options(
        {.epochs = epochs, .batch_size = opt.batch_size,   // other ranks' lines go nowhere (main)
         .on_epoch = [&](const train::EpochMetrics& m) { if (csv) csv->write(m); }},
        opt);
    // A checkpoint holds no process count: one of P processes resumes on any number of them.
    fit.checkpoints.kind = std::string(program) + " --model cnn, " + std::to_string(n) + " training images\n" + nn::summary(model);
    if (!writes) fit.checkpoints.save.clear();
    fit.data_parallel = &parallel;
    if (!fit.checkpoints.resume.empty() && parallel.rank() > 0) {
        // Each process restores rank 0's dropout generator with the rest: give it its own again.
        fit.on_epoch = [&, first = true](const train::EpochMetrics&) mutable {
            if (first) reseed_dropout();
            first = false;
        };
    }
    const auto history = train::fit(model, loss, *optimizer, fashion.train, fashion.validation, fit, rng);
    const auto test = train::evaluate(model, loss, fashion.test);
    const Throughput t = throughput(history, parallel);
    std::cout << "test accuracy " << util::format_fixed(test.accuracy, 4) << ", test loss "
              << util::format_fixed(test.loss, 4) << "; " << util::format_fixed(t.seconds, 1) << " s of training\n";
    print_throughput(t, parallel.processes(), opt.threads, "images");
    if (!writes) return 0;

    train::CommonOptions used = opt;
    used.epochs = epochs;
    util::Json summary = train::summary_header(program, used);
    summary.set("model", "cnn").set("test_accuracy", test.accuracy).set("test_loss", test.loss);
    summary.set("val_loss", history.back().val_loss).set("params", count_parameters(model));
    summary.set("epochs", static_cast<int>(history.size())).set("examples_per_s", t.examples_per_s);
    summary.set("optimizer", opt.optimizer).set("lr", opt.lr).set("batch_size", opt.batch_size);
    summary.set("input_mean", scaling.mean).set("quick", opt.quick);
    add_throughput(summary, t, parallel.processes(), opt.threads, allreduce, bucket_kb);
    util::write_file_atomically(out / "summary.json", summary.dump());
    const bool plotted = train::plot_training_curves(
        {{"CNN, " + std::to_string(P) + " process(es)", history}}, out / "curves.png", util::parse_plot_mode(opt.plot),
        "chapter 5's CNN, data-parallel on " + std::to_string(P) + " process(es)", (out / "metrics.csv").string());
    std::cout << "wrote " << (out / "metrics.csv").string() << ", " << (out / "summary.json").string()
              << (plotted && opt.plot == "png" ? ", " + (out / "curves.png").string() : "") << '\n';
    return 0;
}

int train_gpt(const train::Cli& cli, const train::CommonOptions& opt, ch10::MpiDataParallel& parallel,
              const std::string& allreduce, std::size_t bucket_kb) {
    const nn::TransformerLmOptions model_options{};   // chapter 7's: 4 blocks of 4 heads, width 128, context 128
    const train::LmRunSettings run = train::read_language_model_options(cli, model_options.context);
    if (run.generate) DL_THROW(UsageError, "--generate: use ch07_transformer --resume FILE --generate PROMPT (it reads this program's checkpoints only with --model gpt here)");
    const std::size_t P = static_cast<std::size_t>(parallel.processes());
    if (opt.batch_size < P)
        DL_THROW(UsageError, "--batch-size " << opt.batch_size << " is fewer windows than the " << P
                                             << " processes: each needs at least one");
    optim::ScheduleOptions schedule = opt.schedule;
    if (opt.quick) schedule.warmup_steps = std::min(schedule.warmup_steps, 6L);
    optim::make_optimizer(opt.optimizer_options());
    const data::TextCorpus corpus = data::text_or_bible(run.text);
    Rng rng(opt.seed);   // the same on every process: the same weights, the same windows
    nn::TransformerLm model(corpus.vocab_size(), model_options, rng);
    const std::string kind = train::checkpoint_kind(program, corpus, model);
    std::cout << P << " process(es) of " << opt.threads << " thread(s), a global batch of " << opt.batch_size
              << " windows; --allreduce " << allreduce << " in buckets of " << bucket_kb << " KB\n";
    train::LmFitOptions fit{.batching = "random", .clip_norm = opt.clip_norm, .clip_value = opt.clip_value,
                            .schedule = schedule};
    fit.data_parallel = &parallel;
    const auto history = train::train_with_samples(model, corpus, opt, run, fit, kind, opt.out, rng);
    const Throughput t = throughput(history, parallel);
    print_throughput(t, parallel.processes(), opt.threads, "characters");
    util::Json summary = train::report_language_model(program, opt, run, history, model, corpus);
    if (parallel.rank() != 0) return 0;
    summary.set("model", "gpt");
    add_throughput(summary, t, parallel.processes(), opt.threads, allreduce, bucket_kb);
    const std::filesystem::path out = opt.out;
    util::write_file_atomically(out / "summary.json", summary.dump());
    const bool plotted = train::plot_training_curves(
        {{"Transformer, " + std::to_string(P) + " process(es)", history}}, out / "curves.png",
        util::parse_plot_mode(opt.plot), "chapter 7's Transformer, data-parallel: loss in nats/char",
        (out / "metrics.csv").string(), /*by_step=*/true);
    std::cout << "wrote " << (out / "metrics.csv").string() << ", " << (out / "summary.json").string() << ", "
              << (out / "samples.txt").string() << (plotted && opt.plot == "png" ? ", " + (out / "curves.png").string() : "")
              << '\n';
    return 0;
}

int run(int argc, const char* const argv[], const ch10::MpiSession& mpi) {
    const std::string model = model_named(argc, argv);
    train::CommonOptions defaults =
        model == "gpt" ? train::CommonOptions{.epochs = 1, .batch_size = 32, .lr = 1e-3, .optimizer = "adamw",
                                              .weight_decay = 0.01,
                                              .schedule = {.kind = "cosine", .warmup_steps = 100}, .clip_norm = 1.0}
                       : train::CommonOptions{.epochs = 15, .batch_size = 32, .lr = 1e-3, .optimizer = "adam",
                                              .schedule = {.kind = "cosine"}};
    train::Cli cli(program, "data-parallel training with MPI: chapter 5's CNN or chapter 7's Transformer on P processes (chapter 10)",
                   defaults);
    train::add_language_model_options(cli.chapter_options(), 2000);
    cli.chapter_options().add_options()
        ("model", po::value<std::string>()->default_value("cnn"), "cnn (chapter 5's, on Fashion-MNIST) | gpt (chapter 7's, on the King James Bible)")
        ("allreduce", po::value<std::string>()->default_value("ring"), "ring | naive | mpi: how the gradients are summed across the processes")
        ("bucket-kb", po::value<std::size_t>()->default_value(1024), "the gradients go in buckets of this many KB, one all-reduce each")
        ("dropout", po::value<double>()->default_value(0.5), "--model cnn: drop probability of the Dropout layer, in [0, 1)")
        ("max-train", po::value<long long>()->default_value(0), "--model cnn: train on at most this many images (0: all 55,000; --quick: 3,000)");
    if (!cli.parse(argc, argv)) return 0;
    if (model != "cnn" && model != "gpt") DL_THROW(UsageError, "--model must be cnn or gpt, got '" << model << "'");
    for (const char* name : model == "cnn" ? std::span<const char* const>(gpt_only) : std::span<const char* const>(cnn_only))
        if (cli.values().count(name) != 0 && !cli.values()[name].defaulted())
            DL_THROW(UsageError, "--" << name << " is an option of --model " << (model == "cnn" ? "gpt" : "cnn"));
    const std::size_t bucket_kb = cli.get<std::size_t>("bucket-kb");
    if (bucket_kb < 1) DL_THROW(UsageError, "--bucket-kb must be at least 1, got " << bucket_kb);
    const std::string allreduce = cli.get<std::string>("allreduce");
    ch10::MpiDataParallel parallel(MPI_COMM_WORLD, allreduce, bucket_kb * 1024);
    // Under mpirun standard output is always a pseudo-terminal, whatever mpirun's own is: plain lines.
    if (parallel.processes() > 1 || std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr) util::disable_progress_bars();

    // Several processes on one machine share its cores: one thread each unless --threads says more.
    train::CommonOptions opt = cli.common();
    const int here = mpi.processes_here();   // collective: every process asks
    if (cli.values()["threads"].defaulted() && here > 1) {
        opt.threads = std::max(1, omp_get_num_procs() / here);
        omp_set_num_threads(opt.threads);
    }
    return model == "cnn" ? train_cnn(cli, opt, parallel, allreduce, bucket_kb)
                          : train_gpt(cli, opt, parallel, allreduce, bucket_kb);
}

}  // namespace

int main(int argc, char** argv) {
    ch10::MpiSession mpi(argc, argv);
    // Rank 0 speaks for the job; the others print only their own errors (a usage error is every
    // process's, from the same command line: rank 0 reports it).
    std::ostringstream errors;
    std::streambuf* const stdout_buffer = std::cout.rdbuf();
    std::streambuf* const stderr_buffer = std::cerr.rdbuf();
    if (mpi.rank() > 0) std::cout.rdbuf(nullptr), std::cerr.rdbuf(errors.rdbuf());   // no buffer: writes go nowhere
    const std::string name = mpi.rank() == 0 ? program : std::string(program) + " (rank " + std::to_string(mpi.rank()) + ")";
    const int status = train::run_main(name.c_str(), [&] { return run(argc, argv, mpi); });
    std::cout.rdbuf(stdout_buffer);   // rdbuf also clears the bad bit that writing to no buffer set
    std::cerr.rdbuf(stderr_buffer);
    if (status != 2) std::cerr << errors.str() << std::flush;
    // A process that stops alone would leave the others waiting in their next all-reduce for ever:
    // take the whole job down with it. The others give rank 0 a second to say why first.
    if (status != 0 && mpi.processes() > 1) {
        if (mpi.rank() > 0) std::this_thread::sleep_for(std::chrono::seconds(1));
        MPI_Abort(MPI_COMM_WORLD, status);
    }
    return status;
}
