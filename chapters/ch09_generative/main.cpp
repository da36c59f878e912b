// Chapter 9: a variational autoencoder that draws Fashion-MNIST (vae.hpp has the model). It
// learns to encode each image as a Gaussian over a small latent space and to decode a sample of it
// back, and its loss is the negative evidence lower bound (ELBO) in nats per image. After training,
// decoding samples of the prior N(0, I) draws new clothes.
//
// Writes to --out: metrics.csv (train_loss and val_loss are the negative ELBO), summary.json
// (the test set's ELBO and its two parts), curves.png, samples.png (64 images from fixed latent
// vectors), samples/epoch-NN.png (the same vectors after every epoch: an animation's frames),
// reconstructions.png (test images above their reconstructions) and interpolation.png (decoding
// the straight line between two test images' codes).
#include "vae.hpp"

#include "dl/data/fashion_mnist.hpp"
#include "dl/train/cli.hpp"
#include "dl/train/metrics.hpp"
#include "dl/util/plot.hpp"
#include "dl/util/progress.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>

using namespace dl;
namespace po = boost::program_options;

namespace {

constexpr const char* program = "ch09_generative";
constexpr std::size_t grid_samples = 64;   // samples.png: an 8×8 grid

// One tile per image of [N, 1, H, W], with its title.
std::vector<util::ImageTile> tiles_of(const Tensor& images, const std::vector<std::string>& titles = {}) {
    const std::size_t H = images.dim(2), W = images.dim(3);
    std::vector<util::ImageTile> tiles;
    for (std::size_t n = 0; n < images.dim(0); ++n) {
        util::ImageTile tile{.title = n < titles.size() ? titles[n] : "", .height = H, .width = W};
        for (std::size_t i = 0; i < H * W; ++i) tile.pixels.push_back(static_cast<double>(images[n * H * W + i]));
        tiles.push_back(std::move(tile));
    }
    return tiles;
}

// The first `count` images of a dataset as a batch [count, C, H, W].
Tensor first_images(const data::Dataset& d, std::size_t count) {
    Tensor batch({count, d.x.dim(1), d.x.dim(2), d.x.dim(3)});
    std::copy(d.x.begin(), d.x.begin() + static_cast<std::ptrdiff_t>(batch.size()), batch.begin());
    return batch;
}

// Test images (first row of each pair) above their reconstructions (second row), 8 a row.
bool plot_reconstructions(ch09::Vae& vae, const data::Dataset& test, const std::filesystem::path& png,
                          util::PlotMode mode) {
    const Tensor x = first_images(test, 16);
    vae.sampler->reset_evaluation_noise(1);
    vae.model.forward(x, nn::Mode::eval);
    const Tensor recon = ch09::decode(vae, vae.sampler->mu());   // the decoded mean code
    std::vector<util::ImageTile> tiles;
    const auto originals = tiles_of(x), decoded = tiles_of(recon);
    for (std::size_t row = 0; row < 2; ++row) {
        for (std::size_t i = 0; i < 8; ++i) tiles.push_back(originals[row * 8 + i]);
        for (std::size_t i = 0; i < 8; ++i) tiles.push_back(decoded[row * 8 + i]);
    }
    return util::plot_image_grid(tiles, 8, png, mode, "test images (rows 1, 3) and their reconstructions (rows 2, 4)",
                                 false);
}

// Decodes 10 points on the line between the codes (means) of two test images of different classes.
bool plot_interpolation(ch09::Vae& vae, const data::Dataset& test, const std::filesystem::path& png,
                        util::PlotMode mode) {
    std::size_t a = 0, b = 1;
    while (b < test.size() && test.labels[b] == test.labels[a]) ++b;
    if (b == test.size()) return false;
    Tensor pair({2, test.x.dim(1), test.x.dim(2), test.x.dim(3)});
    const std::size_t pixels = pair.size() / 2;
    std::copy_n(test.x.begin() + static_cast<std::ptrdiff_t>(a * pixels), pixels, pair.begin());
    std::copy_n(test.x.begin() + static_cast<std::ptrdiff_t>(b * pixels), pixels, pair.begin() + static_cast<std::ptrdiff_t>(pixels));
    vae.model.forward(pair, nn::Mode::eval);
    const Tensor& mu = vae.sampler->mu();
    const std::size_t L = mu.dim(1), steps = 10;
    Tensor z({steps, L});
    for (std::size_t s = 0; s < steps; ++s) {
        const float t = static_cast<float>(s) / static_cast<float>(steps - 1);
        for (std::size_t j = 0; j < L; ++j) z[s * L + j] = (1 - t) * mu[j] + t * mu[L + j];
    }
    const std::string from = test.class_names[static_cast<std::size_t>(test.labels[a])];
    const std::string to = test.class_names[static_cast<std::size_t>(test.labels[b])];
    return util::plot_image_grid(tiles_of(ch09::decode(vae, z), {from, "", "", "", "", "", "", "", "", to}), 10, png,
                                 mode, "decoding the line from one test image's code to another's", false);
}

int run(int argc, const char* const argv[]) {
    train::Cli cli(program, "a variational autoencoder that draws Fashion-MNIST (chapter 9)",
                   {.epochs = 10, .batch_size = 64, .lr = 1e-3, .optimizer = "adam"});
    cli.chapter_options().add_options()
        ("latent", po::value<long long>()->default_value(16), "latent dimensions L of the code z")
        ("max-train", po::value<long long>()->default_value(0), "train on at most this many images (0: all 55,000)");
    if (!cli.parse(argc, argv)) return 0;
    const train::CommonOptions& opt = cli.common();
    const long long latent = cli.get<long long>("latent");
    if (latent < 1 || latent > 1024) DL_THROW(UsageError, "--latent must be in [1, 1024], got " << latent);
    const long long max_train = cli.get<long long>("max-train");
    if (max_train < 0) DL_THROW(UsageError, "--max-train must be 0 (all) or positive, got " << max_train);
    const int epochs = opt.quick ? std::min(opt.epochs, 2) : opt.epochs;
    const std::filesystem::path out = opt.out;
    const util::PlotMode plot_mode = util::parse_plot_mode(opt.plot);

    // Check everything that can fail on bad input before writing to --out.
    auto optimizer = optim::make_optimizer(opt.optimizer_options());
    const std::size_t train_cap = opt.quick ? (max_train > 0 ? std::min<std::size_t>(max_train, 3000) : 3000)
                                            : static_cast<std::size_t>(max_train);
    const data::ImageSplits fashion = data::load_image_dataset(
        {.data_dir = opt.data, .max_train = train_cap, .max_test = opt.quick ? 1000u : 0u, .seed = opt.seed});

    Rng rng(opt.seed);
    ch09::Vae vae = ch09::build_vae(fashion.train.example_shape(), static_cast<std::size_t>(latent), rng);
    vae.model.set_input_grad_needed(false);
    Rng prior(opt.seed + 1);   // the fixed latent vectors of samples.png, the same in every epoch
    Tensor z_grid({grid_samples, static_cast<std::size_t>(latent)});
    for (auto& v : z_grid) v = static_cast<float>(prior.normal());
    const std::size_t params = count_parameters(vae.model);
    std::cout << "Fashion-MNIST: " << fashion.train.size() << " train, " << fashion.validation.size() << " validation, "
              << fashion.test.size() << " test images; " << opt.threads << " thread(s); latent dimensions " << latent
              << "\n"
              << nn::summary(vae.model) << '\n';

    const std::string kind = std::string(program) + " (VAE), " + std::to_string(fashion.train.size()) +
                             " training images\n" + nn::summary(vae.model);
    ch09::VaeTask task(vae, *optimizer, fashion.train, fashion.validation, opt.batch_size, kind, rng);
    train::RunState run = opt.resume.empty() ? train::RunState{} : task.restore(opt.resume);
    const int restored = run.epoch;

    train::MetricsCsv csv(out / "metrics.csv", /*with_run_column=*/false);
    std::filesystem::create_directories(out / "samples");
    const auto on_epoch = [&](const train::EpochMetrics& m) {
        csv.write(m);
        if (m.epoch <= restored) return;   // a restored epoch's samples were drawn by the run that trained it
        const std::string name = "epoch-" + std::string(m.epoch < 10 ? "0" : "") + std::to_string(m.epoch) + ".png";
        util::plot_image_grid(tiles_of(ch09::decode(vae, z_grid)), 8, out / "samples" / name, plot_mode,
                              "samples after epoch " + std::to_string(m.epoch), false);
    };
    train::LoopOptions loop{.unit = train::LoopOptions::Unit::epochs,
                            .length = epochs,
                            .steps_per_interval = static_cast<long>(task.batches().batches_per_epoch()),
                            .lr = opt.lr,
                            .schedule = opt.schedule,
                            .step = {.clip_value = opt.clip_value, .clip_norm = opt.clip_norm},
                            .early_stop_patience = opt.early_stop,
                            .on_interval = on_epoch,
                            .checkpoints = {.save_every = opt.save_every, .save = opt.save, .resume = opt.resume,
                                            .kind = kind}};
    const auto history = train::run_loop(task, loop, std::move(run));

    const ch09::ElboParts test = ch09::evaluate_elbo(vae, fashion.test, 1);
    double best_rate = 0, seconds = 0;
    for (const auto& m : history) best_rate = std::max(best_rate, m.examples_per_s), seconds += m.seconds;
    std::cout << "test ELBO " << util::format_fixed(-test.negative_elbo, 2) << " nats per image (reconstruction "
              << util::format_fixed(test.reconstruction, 2) << " + KL " << util::format_fixed(test.kl, 2) << "); "
              << static_cast<long long>(best_rate) << " images/s (best epoch), " << util::format_fixed(seconds, 1)
              << " s of training\n";

    train::CommonOptions used = opt;   // the settings as run: --quick caps the epochs
    used.epochs = epochs;
    util::Json summary = train::summary_header(program, used);
    summary.set("model", "vae").set("elbo", -test.negative_elbo).set("reconstruction", test.reconstruction);
    summary.set("kl", test.kl).set("val_loss", history.back().val_loss).set("params", params);
    summary.set("epochs", static_cast<int>(history.size())).set("examples_per_s", best_rate);
    summary.set("training_seconds", seconds).set("threads", opt.threads).set("latent", static_cast<int>(latent));
    summary.set("batch_size", opt.batch_size).set("lr", opt.lr).set("quick", opt.quick);
    util::write_file_atomically(out / "summary.json", summary.dump());

    util::Panel loss{"negative ELBO", "epoch", "nats per image", {}};
    util::Series train_series{"train", {}, {}}, val_series{"validation", {}, {}};
    for (const auto& m : history) {
        if (m.epoch == 0) continue;
        train_series.x.push_back(m.epoch), train_series.y.push_back(m.train_loss);
        val_series.x.push_back(m.epoch), val_series.y.push_back(m.val_loss);
    }
    loss.series = {train_series, val_series};
    const bool plotted = !train_series.x.empty() &&
                         util::plot_panels({loss}, out / "curves.png", plot_mode,
                                           "Fashion-MNIST, a VAE with " + std::to_string(latent) + " latent dimensions",
                                           (out / "metrics.csv").string());
    bool pictures = false;
    if (plot_mode != util::PlotMode::none) {
        pictures = util::plot_image_grid(tiles_of(ch09::decode(vae, z_grid)), 8, out / "samples.png", plot_mode,
                                         "64 samples: the decoder on fixed draws of the prior N(0, I)", false);
        plot_reconstructions(vae, fashion.test, out / "reconstructions.png", plot_mode);
        plot_interpolation(vae, fashion.test, out / "interpolation.png", plot_mode);
    }
    std::cout << "wrote " << csv.path().string() << ", " << (out / "summary.json").string();
    if (plotted && plot_mode == util::PlotMode::png) std::cout << ", " << (out / "curves.png").string();
    if (pictures && plot_mode == util::PlotMode::png)
        std::cout << ", " << (out / "samples.png").string() << ", " << (out / "reconstructions.png").string() << ", "
                  << (out / "interpolation.png").string() << ", " << (out / "samples").string() << "/";
    std::cout << '\n';
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return train::run_main(program, [&] { return run(argc, argv); });
}
