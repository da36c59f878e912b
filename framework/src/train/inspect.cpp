#include "dl/train/inspect.hpp"

#include "dl/util/files.hpp"

#include "dl/error.hpp"
#include "dl/util/npy.hpp"

#include <algorithm>
#include <iostream>
#include <cctype>
#include <cmath>
#include <iomanip>
#include <numeric>
#include <sstream>

namespace dl::train {

std::size_t export_parameters_npy(nn::Sequential& model, const std::filesystem::path& dir) {
    std::size_t written = 0;
    for (std::size_t i = 0; i < model.size(); ++i) {
        std::string kind = model.layer(i).kind();
        std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return std::tolower(c); });
        std::ostringstream prefix;
        prefix << std::setw(2) << std::setfill('0') << i + 1 << '_' << kind << '_';
        for (const auto* p : model.layer(i).parameters()) {
            util::write_npy(dir / (prefix.str() + p->name + ".npy"), p->value);
            ++written;
        }
    }
    return written;
}

std::string prediction_report(nn::Sequential& model, const data::Dataset& data, long long index) {
    if (index < 0 || static_cast<std::size_t>(index) >= data.size())
        DL_THROW(UsageError, "--predict must be an index of the test set, 0 to " << data.size() - 1 << ", got " << index);
    const auto n = static_cast<std::size_t>(index);
    const Shape shape = data.example_shape();
    Shape one = shape;
    one.insert(one.begin(), 1);
    Tensor x(one);
    std::copy(data.x.row(n).begin(), data.x.row(n).end(), x.begin());
    const Tensor& logits = model.forward(x, nn::Mode::eval);
    // Softmax of the logits (shifted by the largest, which changes nothing but the rounding).
    std::vector<double> p(logits.size());
    const float top = *std::max_element(logits.begin(), logits.end());
    for (std::size_t k = 0; k < p.size(); ++k) p[k] = std::exp(static_cast<double>(logits[k] - top));
    const double sum = std::accumulate(p.begin(), p.end(), 0.0);
    for (double& v : p) v /= sum;
    std::vector<std::size_t> order(p.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] > p[b]; });

    std::ostringstream out;
    out << "test image " << index << " (true class: " << data.class_names[static_cast<std::size_t>(data.labels[n])]
        << ")\n";
    if (shape.size() == 3) {   // [C, H, W]: the first channel, two characters a pixel (about square)
        const std::size_t H = shape[1], W = shape[2];
        const auto pixels = data.x.row(n);
        const auto [lo, hi] = std::minmax_element(pixels.begin(), pixels.begin() + static_cast<std::ptrdiff_t>(H * W));
        const std::string ramp = " .:-=+*#%@";
        for (std::size_t r = 0; r < H; ++r) {
            for (std::size_t c = 0; c < W; ++c) {
                const double v = static_cast<double>(pixels[r * W + c] - *lo) / std::max(1e-12, static_cast<double>(*hi - *lo));
                const char ch = ramp[std::min(ramp.size() - 1, static_cast<std::size_t>(v * static_cast<double>(ramp.size())))];
                out << ch << ch;
            }
            out << '\n';
        }
    }
    out << "the model says:";
    for (std::size_t k = 0; k < std::min<std::size_t>(3, order.size()); ++k)
        out << (k ? ", " : " ") << data.class_names[order[k]] << ' ' << std::fixed << std::setprecision(1)
            << 100 * p[order[k]] << '%';
    out << (static_cast<int>(order[0]) == data.labels[n] ? " (right)\n" : " (wrong)\n");
    return out.str();
}

void add_inspect_options(train::Cli& cli) {
    namespace po = boost::program_options;
    cli.chapter_options().add_options()
        ("export-npy", po::value<std::string>()->default_value(""),
         "after training, write every parameter to this directory as a NumPy .npy file")
        ("predict", po::value<long long>()->default_value(-1),
         "after training, show this test image with the model's prediction (an index; -1: none)");
}

void check_inspect_options(const train::Cli& cli, const data::Dataset& test) {
    const auto index = cli.get<long long>("predict");
    if (index < -1 || index >= static_cast<long long>(test.size()))
        DL_THROW(UsageError, "--predict must be an index of the test set, 0 to " << test.size() - 1 << " (or -1: none), got "
                                                                                 << index);
    // Before training, not after it: a path that cannot take the files costs no training.
    if (const auto dir = cli.get<std::string>("export-npy"); !dir.empty()) util::check_writable_directory(dir, "--export-npy");
}

void run_inspect_options(const train::Cli& cli, nn::Sequential& model, const data::Dataset& test) {
    if (const auto index = cli.get<long long>("predict"); index >= 0) std::cout << '\n' << prediction_report(model, test, index);
    if (const auto dir = cli.get<std::string>("export-npy"); !dir.empty())
        std::cout << "wrote " << export_parameters_npy(model, dir) << " parameter files (.npy) to " << dir
                  << " (in Python: numpy.load)\n";
}

}  // namespace dl::train
