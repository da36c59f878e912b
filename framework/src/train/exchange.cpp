#include "dl/train/exchange.hpp"

#include "dl/error.hpp"
#include "dl/util/files.hpp"

#include <filesystem>
#include <iostream>
#include <sstream>

namespace dl::train {

void add_exchange_options(Cli& cli) {
    namespace po = boost::program_options;
    cli.chapter_options().add_options()
        ("export-safetensors", po::value<std::string>()->default_value(""),
         "after training, write the model to this safetensors file, under PyTorch's names (see scripts/check-in-pytorch)")
        ("import-safetensors", po::value<std::string>()->default_value(""),
         "before training, load the model's weights from this safetensors file (with --epochs 0: evaluate them)");
}

void check_exchange_options(const Cli& cli) {
    const std::string in = cli.get<std::string>("import-safetensors"), out = cli.get<std::string>("export-safetensors");
    if (!in.empty() && !cli.common().resume.empty())
        DL_THROW(UsageError, "--import-safetensors and --resume both set the model's weights: give one of them");
    if (!in.empty()) util::read_whole_file(in, "safetensors file");   // refused now, not after a long build-up
    if (!out.empty()) {
        const std::filesystem::path path(out);
        if (std::filesystem::is_directory(path))
            DL_THROW(UsageError, "--export-safetensors " << out << " is a directory: name the file to write");
        util::check_writable_directory(path.has_parent_path() ? path.parent_path() : ".", "--export-safetensors");
    }
}

void import_weights(const Cli& cli, const std::vector<nn::StateEntry>& entries) {
    const std::string in = cli.get<std::string>("import-safetensors");
    if (in.empty()) return;
    nn::import_safetensors(entries, in);
    std::cout << "loaded " << entries.size() << " tensors from " << in << '\n';
}

void export_weights(const Cli& cli, const std::vector<nn::StateEntry>& entries,
                    const std::map<std::string, std::string>& metadata) {
    const std::string out = cli.get<std::string>("export-safetensors");
    if (out.empty()) return;
    nn::export_safetensors(entries, metadata, out);
    std::cout << "wrote " << entries.size() << " tensors to " << out
              << " (in Python: safetensors.torch.load_file; see scripts/check-in-pytorch)\n";
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
