#include "dl/train/exchange.hpp"

#include "dl/error.hpp"
#include "dl/train/trainer.hpp"
#include "dl/data/batches.hpp"
#include "dl/util/files.hpp"
#include "dl/util/safetensors.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace dl::train {

namespace {
// An option's value, or "" when the chapter does not take it.
std::string option(const Cli& cli, const std::string& name) {
    return cli.values().count(name) ? cli.get<std::string>(name) : std::string();
}
}  // namespace

void add_export_option(Cli& cli) {
    namespace po = boost::program_options;
    cli.chapter_options().add_options()
        ("export-safetensors", po::value<std::string>()->default_value(""),
         "after training, write each run's model to this safetensors file with \"-<run>\" before its extension, under "
         "PyTorch's names");
}

void add_exchange_options(Cli& cli) {
    namespace po = boost::program_options;
    cli.chapter_options().add_options()
        ("export-safetensors", po::value<std::string>()->default_value(""),
         "after training, write the model to this safetensors file, under PyTorch's names (see scripts/check-in-pytorch)")
        ("import-safetensors", po::value<std::string>()->default_value(""),
         "before training, load the model's weights from this safetensors file (with --epochs 0, or --steps 0 where the "
         "chapter counts steps: evaluate them)")
        ("export-logits", po::value<std::string>()->default_value(""),
         "after training, write the model's logits on the test images (the start of the text) to this safetensors file");
}

void check_exchange_options(const Cli& cli) {
    const std::string in = option(cli, "import-safetensors");
    if (!in.empty() && !cli.common().resume.empty())
        DL_THROW(UsageError, "--import-safetensors and --resume both set the model's weights: give one of them");
    if (!in.empty()) util::read_whole_file(in, "safetensors file");   // refused now, not after a long build-up
    for (const std::string name : {"export-safetensors", "export-logits"}) {
        const std::filesystem::path path(option(cli, name));
        if (path.empty()) continue;
        if (std::filesystem::is_directory(path))
            DL_THROW(UsageError, "--" << name << ' ' << path.string() << " is a directory: name the file to write");
        util::check_writable_directory(path.has_parent_path() ? path.parent_path() : ".", "--" + name);
    }
}

void export_logits(const Cli& cli, nn::Sequential& model, const data::Dataset& test) {
    const std::string path = option(cli, "export-logits");
    if (path.empty()) return;
    util::Safetensors file;
    data::BatchIterator batches(test.size(), 256);
    Tensor x, logits;
    std::vector<int> labels;
    std::size_t row = 0;
    for (auto idx = batches.next(); !idx.empty(); idx = batches.next()) {
        data::gather(x, labels, test, idx);
        const Tensor& out = model.forward(x, nn::Mode::eval);
        if (logits.size() == 0) logits = Tensor({test.size(), out.dim(1)});
        std::copy(out.begin(), out.end(), logits.row(row).begin());
        row += idx.size();
    }
    file.tensors.push_back({"logits", std::move(logits)});
    util::write_safetensors(path, file);
    std::cout << "wrote the logits of " << test.size() << " test images to " << path << '\n';
}

void export_logits(const Cli& cli, nn::LanguageModel& model, const data::TextCorpus& corpus) {
    const std::string path = option(cli, "export-logits");
    if (path.empty()) return;
    const std::size_t T = model.context() > 0 ? std::min<std::size_t>(125, model.context()) : 125;
    const std::size_t W = (1000 + T - 1) / T;
    DL_CHECK(corpus.ids.size() >= W * T, "--export-logits needs a text of at least " << W * T << " characters");
    const std::span<const int> ids(corpus.ids.data(), W * T);
    util::Safetensors file;
    Tensor id_values({W, T});
    std::copy(ids.begin(), ids.end(), id_values.begin());
    file.tensors.push_back({"ids", std::move(id_values)});
    file.tensors.push_back({"logits", model.forward(ids, W, T, /*carry=*/false)});
    util::write_safetensors(path, file);
    std::cout << "wrote the logits of " << W * T << " positions to " << path << '\n';
}

void import_weights(const Cli& cli, const std::vector<nn::StateEntry>& entries,
                    const std::map<std::string, std::string>& expected) {
    const std::string in = option(cli, "import-safetensors");
    if (in.empty()) return;
    const util::Safetensors file = util::read_safetensors(in);
    nn::check_importable(entries, file, in);   // another model's file: say that first
    for (const auto& [key, ours] : expected) {
        const auto theirs = file.metadata.find(key);
        if (key == "program" || key == "pytorch_modules" || theirs == file.metadata.end()) continue;
        bool same = theirs->second == ours;
        if (key == "input_mean" || key == "input_std") {   // two runs' statistics (a --quick subset's, all 55,000's): close is the same
            char* end = nullptr;
            const double a = std::strtod(theirs->second.c_str(), &end), b = std::stod(ours);
            same = end != theirs->second.c_str() && std::abs(a - b) <= 0.05 * std::max(std::abs(b), 1e-3);
        }
        if (!same)
            DL_THROW(DataError, in << ": its model was trained with " << key << " = "
                                   << (key == "alphabet" ? "another alphabet" : "'" + theirs->second + "'")
                                   << ", this run has " << (key == "alphabet" ? "this text's" : "'" + ours + "'")
                                   << (key == "input_mean" || key == "input_std"
                                           ? ": the pixels would be scaled differently (is --standardize as it was?)"
                                           : ": run with the options (and text) it was exported with"));
    }
    nn::load_checked(entries, file);
    std::cout << "loaded " << entries.size() << " tensors from " << in << '\n';
}

void export_weights(const Cli& cli, const std::vector<nn::StateEntry>& entries,
                    const std::map<std::string, std::string>& metadata) {
    const std::string out = option(cli, "export-safetensors");
    if (out.empty()) return;
    nn::export_safetensors(entries, metadata, out);
    std::cout << "wrote " << entries.size() << " tensors to " << out
              << " (in Python: safetensors.torch.load_file; see scripts/check-in-pytorch)\n";
}

void export_run_weights(const Cli& cli, const std::string& run, const std::vector<nn::StateEntry>& entries,
                        const std::map<std::string, std::string>& metadata) {
    const std::string file = option(cli, "export-safetensors");
    if (file.empty()) return;
    const std::string out = run_checkpoint_path(file, run);
    nn::export_safetensors(entries, metadata, out);
    std::cout << "  wrote " << entries.size() << " tensors to " << out << '\n';
}

std::map<std::string, std::string> classifier_metadata(const char* program, nn::Sequential& model,
                                                       const data::Dataset& data, const data::Standardization& scaling) {
    std::ostringstream shape, classes, mean, stddev;
    for (const std::size_t d : data.example_shape()) shape << (shape.tellp() > 0 ? "," : "") << d;
    for (const auto& name : data.class_names) classes << (classes.tellp() > 0 ? "," : "") << name;
    mean.precision(9), stddev.precision(9);   // a float's every digit
    mean << scaling.mean, stddev << scaling.stddev;
    return {{"program", program},        {"pytorch_modules", nn::pytorch_modules(model)},
            {"input_shape", shape.str()}, {"input_mean", mean.str()},
            {"input_std", stddev.str()}, {"classes", classes.str()}};
}

std::map<std::string, std::string> language_model_metadata(const char* program, const nn::LanguageModel& model,
                                                           const data::TextCorpus& corpus) {
    std::map<std::string, std::string> metadata = model.pytorch_module();
    metadata["program"] = program;
    metadata["alphabet"] = corpus.alphabet_utf8();
    return metadata;
}

}  // namespace dl::train
