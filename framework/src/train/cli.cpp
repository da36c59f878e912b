#include "dl/train/cli.hpp"

#include "dl/util/files.hpp"
#include "dl/util/plot.hpp"

#include <malloc.h>
#include <omp.h>

#include <cmath>
#include <filesystem>
#include <new>
#include <utility>
#include <vector>
#include <csignal>
#include <iostream>
#include <sstream>
#include <typeinfo>

namespace po = boost::program_options;

namespace dl::train {

namespace {
constexpr unsigned help_width = 100, help_description_width = 50;
}  // namespace

// 0.1 rather than 0.10000000000000001 in --help.
std::string help_number(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}

Cli::Cli(std::string program, std::string description, CommonOptions defaults)
    : program_(std::move(program)), description_(std::move(description)), options_(std::move(defaults)),
      common_("Common options", help_width, help_description_width),
      chapter_("Chapter options", help_width, help_description_width) {
    if (options_.out.empty()) options_.out = "runs/" + program_;
    auto& o = options_;
    common_.add_options()
        ("help,h", "show this help and exit")
        ("epochs", po::value<int>(&o.epochs)->default_value(o.epochs), "number of epochs (total, also when resuming)")
        ("batch-size", po::value<long long>(&batch_size_raw_)->default_value(static_cast<long long>(o.batch_size)),
         "examples per mini-batch")
        ("lr", po::value<double>(&o.lr)->default_value(o.lr, help_number(o.lr)), "learning rate")
        ("optimizer", po::value<std::string>(&o.optimizer)->default_value(o.optimizer),
         optim::optimizer_choices().c_str())
        ("momentum", po::value<double>(&o.momentum)->default_value(o.momentum, help_number(o.momentum)), "momentum (momentum, nesterov)")
        ("beta1", po::value<double>(&o.beta1)->default_value(o.beta1, help_number(o.beta1)), "Adam's beta1")
        ("beta2", po::value<double>(&o.beta2)->default_value(o.beta2, help_number(o.beta2)), "Adam's beta2")
        ("eps", po::value<double>(&o.eps)->default_value(o.eps, o.eps > 0 ? help_number(o.eps) : "auto"),
         "epsilon of the adaptive optimizers (auto: 1e-6 for adadelta, 1e-8 for the others)")
        ("rho", po::value<double>(&o.rho)->default_value(o.rho, help_number(o.rho)), "decay of the running averages (rmsprop, adadelta)")
        ("weight-decay", po::value<double>(&o.weight_decay)->default_value(o.weight_decay, help_number(o.weight_decay)), "weight decay")
        ("lr-schedule", po::value<std::string>(&o.schedule.kind)->default_value(o.schedule.kind),
         "none|step|exponential|cosine (chapter 3)")
        ("lr-step", po::value<int>(&o.schedule.step_epochs)->default_value(o.schedule.step_epochs),
         "step schedule: multiply the rate by --lr-gamma every this many epochs")
        ("lr-gamma", po::value<double>(&o.schedule.gamma)->default_value(o.schedule.gamma, help_number(o.schedule.gamma)),
         "step and exponential schedules: the factor")
        ("lr-min", po::value<double>(&o.schedule.min_lr)->default_value(o.schedule.min_lr, help_number(o.schedule.min_lr)),
         "cosine schedule: the final rate")
        ("warmup-steps", po::value<long>(&o.schedule.warmup_steps)->default_value(o.schedule.warmup_steps),
         "raise the rate linearly over this many first steps (0: no warm-up)")
        ("early-stop", po::value<int>(&o.early_stop)->default_value(o.early_stop),
         "stop after this many epochs without a better validation loss, keep the best weights (0: off)")
        ("clip-norm", po::value<double>(&o.clip_norm)->default_value(o.clip_norm, help_number(o.clip_norm)),
         "scale the gradients down to this global norm when larger (0: off)")
        ("clip-value", po::value<double>(&o.clip_value)->default_value(o.clip_value, help_number(o.clip_value)),
         "clamp every gradient element to [-c, c] (0: off)")
        ("seed", po::value<std::uint64_t>(&o.seed)->default_value(o.seed), "random seed (same seed, same run)")
        ("threads", po::value<int>(&o.threads)->default_value(omp_get_num_procs()), "threads (default: all cores)")
        ("data", po::value<std::string>(&o.data)->default_value(o.data),
         "dataset directory (default: $DLFS_DATA, then the Debian package's location)")
        ("out", po::value<std::string>(&o.out)->default_value(o.out),
         "output directory for metrics.csv, summary.json and the plots")
        ("plot", po::value<std::string>(&o.plot)->default_value(o.plot), "png|term|none")
        ("quick", po::bool_switch(&o.quick), "train on a small subset for a few epochs (seconds)")
        ("save", po::value<std::string>(&o.save)->default_value(o.save),
         "write a checkpoint to this file (after every --save-every epochs, the last, and on Ctrl-C)")
        ("save-every", po::value<int>(&o.save_every)->default_value(o.save_every), "epochs between checkpoints (evaluations, for the language models)")
        ("resume", po::value<std::string>(&o.resume)->default_value(o.resume),
         "continue the run this checkpoint holds (--epochs is the total, those already run included)");
}

bool Cli::parse(int argc, const char* const argv[]) {
    po::options_description all;
    all.add(common_);
    if (!chapter_.options().empty()) all.add(chapter_);
    try {
        const po::parsed_options parsed = po::command_line_parser(argc, argv).options(all).run();
        check_tokens(parsed);
        po::store(parsed, values_);
        if (values_.count("help")) {
            std::cout << program_ << ": " << description_ << "\n\nUsage: " << program_ << " [options]\n\n"
                      << all << '\n';
            return false;
        }
        po::notify(values_);
    } catch (const po::error& e) {
        DL_THROW(UsageError, e.what() << " (see " << program_ << " --help)");
    }
    check_numbers();
    auto& o = options_;
    // --epochs 0 evaluates weights from elsewhere: a checkpoint, or a safetensors file (dl/train/exchange.hpp).
    const bool takes_import = values_.count("import-safetensors") > 0;
    const bool imported = takes_import && !values_.at("import-safetensors").as<std::string>().empty();
    if (o.epochs < 1 && !(o.epochs == 0 && (!o.resume.empty() || imported)))
        DL_THROW(UsageError, "--epochs must be at least 1 (or 0 with --resume" << (takes_import ? " or --import-safetensors" : "")
                                                                             << ": evaluate the saved model), got " << o.epochs);
    if (o.epochs == 0 && !o.save.empty())
        DL_THROW(UsageError, "--save " << o.save << " with --epochs 0 would save nothing: --epochs 0 only evaluates "
                             "(train at least one epoch to save, or leave --save out)");
    if (batch_size_raw_ < 1) DL_THROW(UsageError, "--batch-size must be at least 1, got " << batch_size_raw_);
    o.batch_size = static_cast<std::size_t>(batch_size_raw_);
    if (!(o.lr > 0)) DL_THROW(UsageError, "--lr must be positive, got " << o.lr);
    if (o.threads < 1) DL_THROW(UsageError, "--threads must be at least 1, got " << o.threads);
    util::parse_plot_mode(o.plot);   // throws UsageError for anything but png, term or none
    if (o.out.empty()) DL_THROW(UsageError, "--out must name a directory");
    // Where the run will write, checked now rather than after the training.
    util::check_writable_directory(o.out, "--out");
    // An option given as "" would silently mean "none" (its default): say so instead.
    for (const char* name : {"save", "resume", "export-safetensors", "import-safetensors", "export-logits", "export-npy"})
        if (values_.count(name) && !values_.at(name).defaulted() && values_.at(name).as<std::string>().empty())
            DL_THROW(UsageError, "--" << name << " needs a path, got \"\" (leave the option out for none)");
    // Two outputs naming one file would overwrite each other: the files an option names, and the
    // ones a run writes in --out.
    {
        namespace fs = std::filesystem;
        std::vector<std::pair<std::string, fs::path>> outputs;
        for (const char* name : {"save", "export-safetensors", "export-logits"})
            if (values_.count(name) && !values_.at(name).as<std::string>().empty())
                outputs.emplace_back(std::string("--") + name, values_.at(name).as<std::string>());
        const std::size_t named = outputs.size();
        for (const char* file : {"metrics.csv", "summary.json", "curves.png", "samples.txt"})
            outputs.emplace_back(std::string("--out's ") + file, fs::path(o.out) / file);
        std::error_code ec;
        for (std::size_t i = 0; i < named; ++i)
            for (std::size_t j = i + 1; j < outputs.size(); ++j)
                if (fs::weakly_canonical(outputs[i].second, ec) == fs::weakly_canonical(outputs[j].second, ec))
                    DL_THROW(UsageError, outputs[i].first << " and " << outputs[j].first << " name the same file, "
                                                          << outputs[i].second.string() << ": give each its own");
    }
    if (!o.save.empty()) {
        const std::filesystem::path save(o.save);
        if (std::filesystem::is_directory(save))
            DL_THROW(UsageError, "--save " << o.save << " is a directory: name the checkpoint file to write");
        util::check_writable_directory(save.has_parent_path() ? save.parent_path() : ".", "--save");
    }
    if (!(o.momentum >= 0 && o.momentum < 1)) DL_THROW(UsageError, "--momentum must be in [0, 1), got " << o.momentum);
    if (!(o.beta1 >= 0 && o.beta1 < 1)) DL_THROW(UsageError, "--beta1 must be in [0, 1), got " << o.beta1);
    if (!(o.beta2 >= 0 && o.beta2 < 1)) DL_THROW(UsageError, "--beta2 must be in [0, 1), got " << o.beta2);
    if (!(o.eps >= 0)) DL_THROW(UsageError, "--eps must be positive (or 0 for each optimizer's usual value), got " << o.eps);
    if (!(o.rho >= 0 && o.rho < 1)) DL_THROW(UsageError, "--rho must be in [0, 1), got " << o.rho);
    optim::check_schedule_options(o.schedule);
    if (o.schedule.kind == "cosine" && o.schedule.min_lr > o.lr)
        DL_THROW(UsageError, "--lr-min " << o.schedule.min_lr << " is above --lr " << o.lr
                                         << ": the cosine schedule decays from --lr down to --lr-min");
    if (o.save_every < 1) DL_THROW(UsageError, "--save-every must be at least 1 epoch, got " << o.save_every);
    if (o.early_stop < 0) DL_THROW(UsageError, "--early-stop must be >= 0 epochs (0: off), got " << o.early_stop);
    if (!(o.clip_norm >= 0)) DL_THROW(UsageError, "--clip-norm must be >= 0 (0: off), got " << o.clip_norm);
    if (!(o.clip_value >= 0)) DL_THROW(UsageError, "--clip-value must be >= 0 (0: off), got " << o.clip_value);
    if (!(o.weight_decay >= 0)) DL_THROW(UsageError, "--weight-decay must be >= 0, got " << o.weight_decay);
    optim::check_optimizer_name(o.optimizer);
    omp_set_num_threads(o.threads);
    return true;
}


// What Program_options lets through: a stray argument (`--lr 0.5 0.01` would train at 0.5) and a
// negative number for an unsigned option (which it wraps to 2^64 − 1).
void Cli::check_tokens(const po::parsed_options& parsed) const {
    for (const auto& option : parsed.options) {
        if (option.string_key.empty() || option.position_key >= 0) {
            const std::string token = option.original_tokens.empty() ? "" : option.original_tokens.front();
            DL_THROW(UsageError, "unexpected argument '" << token << "': every option is --name VALUE (see " << program_
                                                         << " --help)");
        }
        const po::option_description* d = parsed.description->find_nothrow(option.string_key, false);
        if (d == nullptr || option.value.empty()) continue;
        // An unsigned option (po::value<std::size_t> and the like) would take "-1" as a huge number:
        // its semantic's type says which it is, default or not.
        const po::value_semantic* semantic = d->semantic().get();
        const bool is_unsigned = dynamic_cast<const po::typed_value<unsigned long>*>(semantic) != nullptr ||
                                 dynamic_cast<const po::typed_value<unsigned>*>(semantic) != nullptr ||
                                 dynamic_cast<const po::typed_value<unsigned long long>*>(semantic) != nullptr;
        for (const auto& v : option.value)
            if (is_unsigned && v.find('-') != std::string::npos)
                DL_THROW(UsageError, "--" << option.string_key << " must be a whole number >= 0, got " << v);
    }
}

// Every floating-point option must be a finite number (--lr inf, --eps nan).
void Cli::check_numbers() const {
    for (const auto& [name, value] : values_) {
        if (value.value().type() != typeid(double)) continue;
        const double v = value.as<double>();
        if (!std::isfinite(v)) DL_THROW(UsageError, "--" << name << " must be a finite number, got " << v);
    }
}

void Cli::say_quick_cap(const std::string& option, long long asked, long long cap) const {
    // "1 seed", not "1 seeds": the options are named in the plural.
    const std::string unit = cap == 1 && option.ends_with('s') ? option.substr(0, option.size() - 1) : option;
    std::cerr << "note: --quick runs " << cap << " " << unit << ", not the " << asked << " of --" << option
              << " (leave out --quick to run them all)\n";
}

int run_main(const char* program, const std::function<int()>& body) {
    // Keep freed memory in the heap for the next step's buffers. glibc gives every block over
    // its threshold back to the kernel when it is freed, and the next step's tensor of the same
    // size then page-faults its way back in (chapter 7's attention scores: 8 MiB a layer, every
    // step; a tenth of the training time).
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    // A file-size limit (ulimit -f) or a closed pipe on stdout (| head) would kill the run with a
    // signal and no word; ignored, they become write errors that the writers report (a checkpoint's
    // "File too large"), or, for stdout, output nobody reads while the run finishes its files.
    std::signal(SIGXFSZ, SIG_IGN);
    std::signal(SIGPIPE, SIG_IGN);
    try {
        return body();
    } catch (const UsageError& e) {
        std::cerr << program << ": error: " << e.what() << '\n';
        return 2;
    } catch (const std::bad_alloc&) {
        std::cerr << program << ": error: out of memory: the model, its batch or the data does not fit (try a smaller "
                                "--batch-size, a smaller model, or fewer examples with --quick or --max-train)\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << program << ": error: " << e.what() << '\n';
        return 1;
    }
}

}  // namespace dl::train
