// Chapter 5: a convolutional network on Fashion-MNIST, the classic Keras CNN:
//   Conv2D(32, 3×3) ReLU, MaxPool(2), Conv2D(64, 3×3) ReLU, MaxPool(2), Flatten, Dense(128) ReLU,
//   Dropout(0.5), Dense(10, softmax), with Adam 1e-3 on standardised pixels, for 15 epochs with
//   chapter 3's cosine schedule. One thread, seed 42: 91.5% test accuracy, and 91.7% with seed 1
//   (a constant rate, --lr-schedule none, gave 90.9% after 20 epochs: its last epochs jitter).
// --conv naive|im2col picks the convolution (the same numbers, at very different speeds).
// --recipe best trains the same network with what chapters 3 and 4 teach (recipe.cpp: batch norm,
// shifts, dropout 0.2, AdamW with a warm-up, label smoothing, 40 epochs); the lesson's "The best
// recipe" measures each step.
//
// Writes to --out: metrics.csv, summary.json, curves.png, filters.png (the first layer's learned
// 3×3 filters) and predictions.png (test images with the model's guesses; wrong ones in red).
#include "dl/data/fashion_mnist.hpp"
#include "dl/nn/conv.hpp"
#include "dl/nn/loss.hpp"
#include "dl/nn/models.hpp"
#include "dl/train/inspect.hpp"
#include "dl/train/metrics.hpp"
#include "dl/train/trainer.hpp"
#include "dl/train/cli.hpp"
#include "dl/train/exchange.hpp"
#include "dl/util/plot.hpp"
#include "dl/util/progress.hpp"
#include "recipe.hpp"

#include <algorithm>
#include <iostream>

using namespace dl;
namespace po = boost::program_options;

namespace {

constexpr const char* program = "ch05_cnn";
// The total that the published Keras summary of this model prints; its own rows add up to 225,034.
constexpr std::size_t keras_printed_total = 219'146;

// The first Conv2D layer's filters, one tile per output channel (its first input channel).
std::vector<util::ImageTile> filter_tiles(nn::Sequential& model) {
    auto& conv = dynamic_cast<nn::Conv2D&>(model.layer(0));
    const Tensor& W = conv.W().value;   // [OC, C, KH, KW]
    const std::size_t KH = W.dim(2), KW = W.dim(3), per_filter = W.size() / W.dim(0);
    std::vector<util::ImageTile> tiles;
    for (std::size_t o = 0; o < W.dim(0); ++o) {
        util::ImageTile tile{.title = "filter " + std::to_string(o + 1), .height = KH, .width = KW};
        for (std::size_t i = 0; i < KH * KW; ++i) tile.pixels.push_back(static_cast<double>(W[o * per_filter + i]));
        tiles.push_back(std::move(tile));
    }
    return tiles;
}

// The first `count` test images, titled with the model's guess (and the truth when it is wrong).
std::vector<util::ImageTile> prediction_tiles(nn::Sequential& model, const data::Dataset& test, std::size_t count) {
    count = std::min(count, test.size());
    const std::size_t H = test.x.dim(2), W = test.x.dim(3);
    Tensor batch({count, test.x.dim(1), H, W});
    std::copy(test.x.begin(), test.x.begin() + static_cast<std::ptrdiff_t>(batch.size()), batch.begin());
    const Tensor& logits = model.forward(batch, nn::Mode::eval);
    std::vector<util::ImageTile> tiles;
    for (std::size_t n = 0; n < count; ++n) {
        const auto row = logits.row(n);
        const auto guess = static_cast<int>(std::max_element(row.begin(), row.end()) - row.begin());
        const int truth = test.labels[n];
        util::ImageTile tile{.title = test.class_names[static_cast<std::size_t>(guess)], .height = H, .width = W};
        if (guess != truth) tile.title += " (" + test.class_names[static_cast<std::size_t>(truth)] + ")", tile.mark = true;
        for (std::size_t i = 0; i < H * W; ++i) tile.pixels.push_back(static_cast<double>(batch[n * H * W + i]));
        tiles.push_back(std::move(tile));
    }
    return tiles;
}

// The recipe the command line names (--recipe NAME or --recipe=NAME; the last one given), read
// before the options are declared, since it sets their defaults.
const ch05::Recipe& chosen_recipe(int argc, const char* const argv[]) {
    std::string name = "course";
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--recipe" && i + 1 < argc) name = argv[++i];
        else if (arg.starts_with("--recipe=")) name = arg.substr(9);
    }
    return ch05::find_recipe(name);
}

int run(int argc, const char* const argv[]) {
    const ch05::Recipe& recipe = chosen_recipe(argc, argv);
    train::Cli cli(program, "a convolutional network on Fashion-MNIST, the classic Keras CNN (chapter 5)",
                   recipe.common);
    cli.chapter_options().add_options()
        ("recipe", po::value<std::string>()->default_value("course"),
         "course|best: a set of defaults for the options below (--recipe best --help shows its values; "
         "best also warms the rate up over its first epoch unless --warmup-steps is given)")
        ("conv", po::value<std::string>()->default_value("im2col"), "naive|im2col: how the Conv2D layers convolve")
        ("dropout", po::value<double>()->default_value(recipe.dropout, train::help_number(recipe.dropout)),
         "drop probability of the Dropout layer, in [0, 1)")
        ("batch-norm", po::value<bool>()->default_value(recipe.batch_norm, recipe.batch_norm ? "true" : "false"),
         "batch norm before each ReLU (true|false)")
        ("shift", po::value<int>()->default_value(recipe.shift),
         "random shifts of the training images, up to this many pixels")
        ("flip", po::value<double>()->default_value(recipe.flip, train::help_number(recipe.flip)),
         "left-right flips of the training images, with this probability in [0, 1]")
        ("label-smoothing",
         po::value<double>()->default_value(recipe.label_smoothing, train::help_number(recipe.label_smoothing)),
         "label smoothing's epsilon, in [0, 1] (0: one-hot targets)")
        ("standardize", po::value<bool>()->default_value(true, "true"),
         "scale pixels to mean 0, deviation 1 (true|false)")
        ("max-train", po::value<long long>()->default_value(0), "train on at most this many images (0: all 55,000)");
    train::add_inspect_options(cli);
    train::add_exchange_options(cli);
    if (!cli.parse(argc, argv)) return 0;
    // Boost accepts an abbreviation (--rec best), which chosen_recipe does not read: refuse it.
    if (cli.get<std::string>("recipe") != recipe.name)
        DL_THROW(UsageError, "write --recipe in full (--recipe " << cli.get<std::string>("recipe")
                                 << "): the recipe sets the other options' defaults, so it is read first");
    train::CommonOptions opt = cli.common();   // a copy: the recipe's warm-up is set below
    const nn::CnnOptions cnn{.dropout = cli.get<double>("dropout"), .conv = cli.get<std::string>("conv"),
                             .batch_norm = cli.get<bool>("batch-norm")};
    nn::conv_algorithm_index(cnn.conv);
    if (!(cnn.dropout >= 0 && cnn.dropout < 1))
        DL_THROW(UsageError, "--dropout must be in [0, 1), got " << cnn.dropout);
    const int shift = cli.get<int>("shift");
    const double flip = cli.get<double>("flip");
    if (shift < 0 || shift > 27) DL_THROW(UsageError, "--shift must be 0 to 27 pixels, got " << shift);
    if (!(flip >= 0 && flip <= 1)) DL_THROW(UsageError, "--flip must be a probability in [0, 1], got " << flip);
    const double smoothing = cli.get<double>("label-smoothing");
    if (!(smoothing >= 0 && smoothing <= 1))
        DL_THROW(UsageError, "--label-smoothing must be in [0, 1] (0.1 is usual), got " << smoothing);
    const long long max_train = cli.get<long long>("max-train");
    if (max_train < 0) DL_THROW(UsageError, "--max-train must be 0 (all) or positive, got " << max_train);
    const int epochs = cli.capped_by_quick(opt.epochs, 2);
    const std::filesystem::path out = opt.out;
    const util::PlotMode plot_mode = util::parse_plot_mode(opt.plot);

    // Check everything that can fail on bad input before writing to --out.
    optim::make_optimizer(opt.optimizer_options());
    data::ImageSplits fashion = data::load_image_dataset(
        {.data_dir = opt.data, .max_train = opt.quick ? 3000u : static_cast<std::size_t>(max_train), .max_test = opt.quick ? 1000u : 0u, .seed = opt.seed});
    const data::Standardization scaling = cli.get<bool>("standardize") ? data::standardize(fashion)   // the training set's
                                                                       : data::Standardization{};
    if (recipe.warmup_epochs > 0 && cli.values()["warmup-steps"].defaulted()) {
        const std::size_t steps_per_epoch = (fashion.train.size() + opt.batch_size - 1) / opt.batch_size;
        opt.schedule.warmup_steps = recipe.warmup_epochs * static_cast<long>(steps_per_epoch);
    }
    train::check_inspect_options(cli, fashion.test);
    train::check_exchange_options(cli);

    Rng rng(opt.seed);
    nn::Sequential model = nn::course_cnn(fashion.train.example_shape(),
                                          static_cast<std::size_t>(fashion.train.num_classes), rng, cnn);
    train::import_weights(cli, nn::state_dict(model), train::classifier_metadata(program, model, fashion.test, scaling));
    const std::size_t params = count_parameters(model);
    std::cout << "Fashion-MNIST: " << fashion.train.size() << " train, " << fashion.validation.size()
              << " validation, " << fashion.test.size() << " test images; " << opt.threads << " thread(s); --conv "
              << cnn.conv << "\n"
              << nn::summary(model);
    if (params != keras_printed_total)
        std::cout << "(the Keras summary published with this model prints a total of 219,146, but its own rows add up "
                     "to the total above: see the lesson, \"Counting parameters\")\n";
    std::cout << '\n';

    train::MetricsCsv csv(out / "metrics.csv", /*with_run_column=*/false);
    nn::SoftmaxCrossEntropy loss(smoothing);
    auto optimizer = optim::make_optimizer(opt.optimizer_options());
    train::FitOptions fit_options = train::with_common_options(
        {.epochs = epochs, .batch_size = opt.batch_size, .progress = true,
         .on_epoch = [&](const train::EpochMetrics& m) { csv.write(m); }},
        opt);
    // The shifted-in border must be background: a 0 pixel, standardised.
    fit_options.augment = train::image_augmentation(shift, flip, -scaling.mean / scaling.stddev, opt.seed + 1);
    // What a checkpoint must match to be resumed here: the program, the model and the data's size.
    // The pixels' scale is part of what the weights learnt: a run on raw pixels resumes only as one.
    fit_options.checkpoints.kind = std::string(program) + ", " + std::to_string(fashion.train.size()) +
                                   " training images" + (cli.get<bool>("standardize") ? "" : " (raw pixels)") + "\n" +
                                   nn::summary(model);
    const auto history = train::fit(model, loss, *optimizer, fashion.train, fashion.validation, fit_options, rng);
    const auto test = train::evaluate(model, loss, fashion.test);
    double best_rate = 0, seconds = 0;
    for (const auto& m : history) best_rate = std::max(best_rate, m.examples_per_s), seconds += m.seconds;
    std::cout << "test accuracy " << util::format_fixed(test.accuracy, 4) << ", test loss "
              << util::format_fixed(test.loss, 4) << "; " << static_cast<long long>(best_rate)
              << " examples/s (best epoch), " << util::format_fixed(seconds, 1) << " s of training\n";
    train::run_inspect_options(cli, model, fashion.test);
    train::export_weights(cli, nn::state_dict(model), train::classifier_metadata(program, model, fashion.test, scaling));
    train::export_logits(cli, model, fashion.test);

    train::CommonOptions used = opt;   // the settings as run: --quick caps the epochs
    used.epochs = epochs;
    util::Json summary = train::summary_header(program, used);
    summary.set("test_accuracy", test.accuracy).set("test_loss", test.loss).set("val_loss", history.back().val_loss);
    summary.set("params", params).set("epochs", static_cast<int>(history.size())).set("examples_per_s", best_rate);
    summary.set("training_seconds", seconds).set("threads", opt.threads).set("optimizer", opt.optimizer);
    summary.set("lr", opt.lr).set("batch_size", opt.batch_size).set("conv", cnn.conv).set("dropout", cnn.dropout);
    summary.set("recipe", recipe.name).set("batch_norm", cnn.batch_norm).set("shift", shift).set("flip", flip);
    summary.set("label_smoothing", smoothing);
    summary.set("quick", opt.quick);
    util::write_file_atomically(out / "summary.json", summary.dump());

    const std::string title =
        "Fashion-MNIST, the classic Keras CNN, --recipe " + std::string(recipe.name) + " (" + cnn.conv + ")";
    const bool plotted = train::plot_training_curves({{"CNN", history}}, out / "curves.png", plot_mode, title,
                                                     (out / "metrics.csv").string());
    bool pictures = false;
    if (plotted) {
        pictures = util::plot_image_grid(filter_tiles(model), 8, out / "filters.png", plot_mode,
                                         "first layer: the 32 learned 3x3 filters (blue < 0 < red)", true);
        util::plot_image_grid(prediction_tiles(model, fashion.test, 24), 8, out / "predictions.png", plot_mode,
                              "test images: the model's guess (the truth in red when it is wrong)", false);
    }
    std::cout << "wrote " << (out / "metrics.csv").string() << ", " << (out / "summary.json").string();
    if (plotted && plot_mode == util::PlotMode::png) std::cout << ", " << (out / "curves.png").string();
    if (pictures) std::cout << ", " << (out / "filters.png").string() << ", " << (out / "predictions.png").string();
    std::cout << '\n';
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return train::run_main(program, [&] { return run(argc, argv); });
}
