#pragma once
// The command line every chapter executable shares (Boost.Program_options):
//   --epochs --batch-size --lr --optimizer --seed --threads --data --out --plot --quick --save --resume
// plus the optimizer settings (--momentum --beta1 --beta2 --eps --rho --weight-decay) and the
// learning-rate schedule (--lr-schedule --lr-step --lr-gamma --lr-min --warmup-steps), early
// stopping and gradient clipping (--early-stop --clip-norm --clip-value). A chapter adds
// its own options with chapter_options(). `--help` lists every option with its default. A bad
// value throws UsageError naming the option, and run_main turns that into exit status 2.

#include "dl/optim/optimizer.hpp"
#include "dl/optim/schedule.hpp"

#include <boost/program_options.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace dl::train {

struct CommonOptions {
    int epochs = 10;
    std::size_t batch_size = 32;
    double lr = 0.1;
    std::string optimizer = "sgd";
    double momentum = 0.9, beta1 = 0.9, beta2 = 0.999, eps = 0.0, weight_decay = 0.0, rho = 0.9;
    std::uint64_t seed = 42;
    int threads = 0;            // 0 on input means all cores; after parse() the actual count
    std::string data;           // dataset directory ("" = DLFS_DATA or the Debian package's place)
    std::string out;            // output directory (default runs/<program>)
    std::string plot = "png";   // png | term | none
    bool quick = false;         // small subset, few epochs: seconds, for tests and first runs
    std::string save, resume;   // checkpoint files ("" = none)
    int save_every = 1;         // --save-every: epochs between checkpoints
    optim::ScheduleOptions schedule = {};   // --lr-schedule and friends (chapter 3)
    int early_stop = 0;                      // --early-stop PATIENCE (chapter 4; 0: off)
    double clip_norm = 0, clip_value = 0;    // --clip-norm, --clip-value (chapter 4; 0: off)

    optim::OptimizerOptions optimizer_options() const {
        return {optimizer, momentum, beta1, beta2, eps, weight_decay, rho};
    }
};

// A number as --help shows a default: 0.1, not 0.10000000000000001 (Boost's own rendering).
//   ("decay", po::value<double>()->default_value(d, help_number(d)), "...")
std::string help_number(double v);

class Cli {
public:
    // `defaults` are what --help shows and what an option left out gets.
    Cli(std::string program, std::string description, CommonOptions defaults);

    // Add the chapter's own options here before parse(), e.g.
    //   cli.chapter_options().add_options()("hidden", po::value<int>()->default_value(128), "...");
    boost::program_options::options_description& chapter_options() { return chapter_; }

    // Parses and validates. Returns false when --help was given (the help is printed; exit 0).
    // Sets the OpenMP thread count. Throws UsageError for a bad option or value.
    bool parse(int argc, const char* const argv[]);

    const CommonOptions& common() const { return options_; }
    const boost::program_options::variables_map& values() const { return values_; }
    template <class T>
    T get(const std::string& name) const { return values_.at(name).as<T>(); }

    // The epochs (or steps) to run: `asked`, or at most `quick_cap` with --quick. When --quick cuts
    // a number the command line gave (`option`, e.g. "epochs"), says so on stderr: a learner who
    // asked for 5 epochs and got 2 should not have to guess why.
    template <class N>
    N capped_by_quick(N asked, N quick_cap, const std::string& option = "epochs") const {
        if (!options_.quick || asked <= quick_cap) return asked;
        if (values_.count(option) && !values_[option].defaulted()) say_quick_cap(option, static_cast<long long>(asked),
                                                                                 static_cast<long long>(quick_cap));
        return quick_cap;
    }

private:
    void check_tokens(const boost::program_options::parsed_options& parsed) const;
    void check_numbers() const;
    void say_quick_cap(const std::string& option, long long asked, long long cap) const;

    std::string program_, description_;
    CommonOptions options_;
    boost::program_options::options_description common_, chapter_;
    boost::program_options::variables_map values_;
    long long batch_size_raw_ = 0;
};

// Runs a chapter's main body: catches every dl::Error and std::exception, prints one line
// "<program>: error: <message>" on stderr and returns 2 for a UsageError, 1 otherwise.
int run_main(const char* program, const std::function<int()>& body);

}  // namespace dl::train
