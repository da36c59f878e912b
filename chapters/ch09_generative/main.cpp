// Chapter 9: two generative models that draw Fashion-MNIST, judged by chapter 5's classifier.
//   --model vae   a variational autoencoder (vae.hpp): it learns to encode each image as a Gaussian
//                 over a small latent space and to decode a sample of it back; its loss is the
//                 negative evidence lower bound (ELBO) in nats per image
//   --model gan   a DCGAN in miniature (gan.hpp): a generator and a discriminator trained against
//                 each other, with Adam at 2e-4 and β1 = 0.5 unless --lr or --beta1 say otherwise
// After training, decoding samples of the prior N(0, I) draws new clothes, and the judge (judge.hpp:
// the chapter 5 CNN, trained here on the real images, or loaded with --judge FILE) scores
// --judge-samples of them.
//
// Writes to --out: metrics.csv, summary.json (the VAE's test ELBO and its parts; the judge's
// verdict), curves.png, samples.png (64 images from fixed latent codes), samples/epoch-NN.png (the
// same codes after every epoch: an animation's frames), interpolation.png (decoding a straight
// line in the latent space), judge.safetensors (the judge it trained) and, for the VAE,
// reconstructions.png and latent-map.png.
#include "gan.hpp"
#include "judge.hpp"
#include "pictures.hpp"
#include "vae.hpp"

#include "dl/data/fashion_mnist.hpp"
#include "dl/train/cli.hpp"
#include "dl/train/metrics.hpp"
#include "dl/util/npy.hpp"
#include "dl/util/plot.hpp"
#include "dl/util/progress.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>

using namespace dl;
namespace po = boost::program_options;

namespace {

constexpr const char* program = "ch09_generative";
constexpr std::size_t grid_samples = 64;   // samples.png: an 8×8 grid

// The judge of --judge FILE, or chapter 5's CNN trained here for `epochs` (and saved to --out as
// judge.safetensors, for a later run's --judge).
ch09::Judge judge_of(std::optional<ch09::Judge>& loaded, const data::ImageSplits& fashion, int epochs,
                     std::uint64_t seed, const std::filesystem::path& out) {
    if (loaded) return std::move(*loaded);
    std::cout << "the judge: chapter 5's CNN, " << epochs << " epoch(s) on the real images\n";
    ch09::Judge judge = ch09::train_judge(fashion, epochs, seed, false);
    std::filesystem::create_directories(out);
    ch09::save_judge(judge, fashion.test, (out / "judge.safetensors").string());
    std::cout << "wrote " << (out / "judge.safetensors").string() << " (--judge FILE: a later run judges with it)\n";
    return judge;
}

// Scores `samples` against the real test images, prints the verdict and records it.
void judge_into(util::Json& summary, ch09::Judge& judge, const Tensor& samples, const data::ImageSplits& fashion) {
    const ch09::Verdict verdict = ch09::judge_samples(judge, samples, fashion.test);
    std::cout << "the judge (test accuracy " << util::format_fixed(judge.test_accuracy, 4) << ") on " << samples.dim(0)
              << " samples: " << util::format_fixed(100 * verdict.confident, 1)
              << "% named with probability >= 0.9; classes' entropy " << util::format_fixed(verdict.entropy, 3)
              << " nats (ln 10 = 2.303 when even); Frechet distance " << util::format_fixed(verdict.frechet, 2)
              << "\n(the real test images: " << util::format_fixed(100 * verdict.real_confident, 1)
              << "% named with probability >= 0.9; entropy " << util::format_fixed(verdict.real_entropy, 3) << ")\n";
    summary.set("judge_accuracy", judge.test_accuracy).set("judge_samples", samples.dim(0));
    summary.set("judge_confident", verdict.confident).set("judge_entropy", verdict.entropy);
    util::Json::Array shares;
    for (const double share : verdict.class_share) shares.push_back(share);
    summary.set("frechet", verdict.frechet).set("judge_class_share", shares);
    summary.set("judge_real_confident", verdict.real_confident).set("judge_real_entropy", verdict.real_entropy);
}

// --score FILE: the samples a file holds, checked to be images of the dataset's shape in [0, 1].
Tensor samples_to_score(const std::string& file, const Shape& image) {
    Tensor samples = util::read_npy(file);
    Shape expected{0};
    expected.insert(expected.end(), image.begin(), image.end());
    expected[0] = samples.rank() > 0 ? samples.dim(0) : 0;
    if (samples.shape() != expected || samples.dim(0) < 2)
        DL_THROW(DataError, file << ": holds an array of shape " << to_string(samples.shape())
                                 << "; --score takes N >= 2 images as [N, " << image[0] << ", " << image[1] << ", "
                                 << image[2] << "]");
    for (std::size_t i = 0; i < samples.size(); ++i)
        if (!(samples[i] >= 0 && samples[i] <= 1))
            DL_THROW(DataError, file << ": element " << i << " is " << samples[i]
                                     << ": --score takes pixels in [0, 1] (as the generator's sigmoid gives them)");
    return samples;
}

int run(int argc, const char* const argv[]) {
    train::Cli cli(program, "a VAE or a GAN that draws Fashion-MNIST, judged by chapter 5's classifier (chapter 9)",
                   {.epochs = 10, .batch_size = 64, .lr = 1e-3, .optimizer = "adam"});
    cli.chapter_options().add_options()
        ("model", po::value<std::string>()->default_value("vae"),
         "vae|gan (the GAN: --lr 2e-4 and --beta1 0.5 unless given)")
        ("latent", po::value<long long>()->default_value(0), "latent dimensions L of the code z (0: 16 for the VAE, 64 for the GAN)")
        ("lr-d", po::value<double>()->default_value(0), "the GAN's discriminator's learning rate (0: --lr)")
        ("judge-epochs", po::value<long long>()->default_value(3),
         "epochs of chapter 5's CNN trained as the judge (0: no judging)")
        ("judge", po::value<std::string>()->default_value(""),
         "judge with this saved chapter 5 CNN instead of training one: a run's judge.safetensors, or "
         "ch05_cnn --export-safetensors FILE")
        ("judge-samples", po::value<long long>()->default_value(10000), "samples the judge scores")
        ("max-train", po::value<long long>()->default_value(0), "train on at most this many images (0: all 55,000)")
        ("score", po::value<std::string>()->default_value(""),
         "train nothing: the judge scores the samples in this .npy (float32 [N, 1, 28, 28] in [0, 1], e.g. "
         "bench/pytorch_generative.py's) and summary.json records its verdict")
        ("generate", po::value<long long>()->default_value(0),
         "with --resume FILE: train no further; write N samples of the saved model to --out "
         "(generated.npy [N, 1, 28, 28], and generated.png with the first 256)");
    if (!cli.parse(argc, argv)) return 0;
    const train::CommonOptions& opt = cli.common();
    const std::string model = cli.get<std::string>("model");
    if (model != "vae" && model != "gan") DL_THROW(UsageError, "--model must be vae or gan, got '" << model << "'");
    const bool gan = model == "gan";
    long long latent = cli.get<long long>("latent");
    if (latent < 0 || latent > 1024) DL_THROW(UsageError, "--latent must be in [0, 1024], got " << latent);
    if (latent == 0) latent = gan ? 64 : 16;
    const long long max_train = cli.get<long long>("max-train"), judge_epochs = cli.get<long long>("judge-epochs");
    const long long judge_samples_asked = cli.get<long long>("judge-samples");
    if (max_train < 0) DL_THROW(UsageError, "--max-train must be 0 (all) or positive, got " << max_train);
    if (judge_epochs < 0 || judge_epochs > 100) DL_THROW(UsageError, "--judge-epochs must be in [0, 100], got " << judge_epochs);
    if (judge_samples_asked < 2 || judge_samples_asked > 1'000'000)
        DL_THROW(UsageError, "--judge-samples must be in [2, 1000000], got " << judge_samples_asked);
    const std::string judge_file = cli.get<std::string>("judge");
    if (!judge_file.empty() && !cli.values()["judge-epochs"].defaulted())
        DL_THROW(UsageError, "--judge FILE is a judge trained already, --judge-epochs trains one: give one of them");
    const bool judging = !judge_file.empty() || judge_epochs > 0;
    const long long generate_count = cli.get<long long>("generate");
    if (generate_count < 0 || generate_count > 1'000'000)
        DL_THROW(UsageError, "--generate must be in [0, 1000000], got " << generate_count);
    if (generate_count > 0 && opt.resume.empty())
        DL_THROW(UsageError, "--generate needs --resume FILE: the saved model to draw the samples from");
    const double lr_d_given = cli.get<double>("lr-d");
    if (!std::isfinite(lr_d_given) || lr_d_given < 0) DL_THROW(UsageError, "--lr-d must be 0 (--lr) or positive, got " << lr_d_given);
    if (!gan && lr_d_given > 0) DL_THROW(UsageError, "--lr-d is an option of --model gan (the VAE has one optimizer)");
    if (gan && opt.early_stop > 0)
        DL_THROW(UsageError, "--early-stop needs a validation loss to minimise, and a GAN has none (leave it out with --model gan)");
    const int epochs = cli.capped_by_quick(opt.epochs, 2);
    const std::size_t judge_samples = opt.quick ? std::min<std::size_t>(judge_samples_asked, 1000)
                                                : static_cast<std::size_t>(judge_samples_asked);
    // The two models' runs go to two folders unless --out says otherwise (the VAE's pictures are not the GAN's).
    const std::filesystem::path out = gan && cli.values()["out"].defaulted() ? opt.out + "-gan" : opt.out;
    const util::PlotMode plot_mode = util::parse_plot_mode(opt.plot);
    // DCGAN's Adam, unless the command line says otherwise.
    optim::OptimizerOptions optimizer_options = opt.optimizer_options();
    double lr = opt.lr;
    if (gan && cli.values()["lr"].defaulted()) lr = 2e-4;
    if (gan && cli.values()["beta1"].defaulted()) optimizer_options.beta1 = 0.5;
    const double lr_d = lr_d_given > 0 ? lr_d_given : lr;

    // Check everything that can fail on bad input before writing to --out.
    optim::Optimizer optimizer(optimizer_options), discriminator_optimizer(optimizer_options);
    const std::size_t train_cap = opt.quick ? (max_train > 0 ? std::min<std::size_t>(max_train, 3000) : 3000)
                                            : static_cast<std::size_t>(max_train);
    const data::ImageSplits fashion = data::load_image_dataset(
        {.data_dir = opt.data, .max_train = train_cap, .max_test = opt.quick ? 1000u : 0u, .seed = opt.seed});

    std::optional<ch09::Judge> loaded_judge;
    if (!judge_file.empty()) {
        loaded_judge.emplace(ch09::load_judge(judge_file, fashion));
        std::cout << "the judge: " << judge_file << " (test accuracy " << util::format_fixed(loaded_judge->test_accuracy, 4)
                  << ")\n";
    }
    // What summary.json says of the judge.
    const auto record_judge = [&](util::Json& summary) {
        summary.set("judge", judge_file).set("judge_epochs", judge_file.empty() ? static_cast<int>(judge_epochs) : 0);
    };

    if (const std::string file = cli.get<std::string>("score"); !file.empty()) {   // judge another program's samples
        const Tensor samples = samples_to_score(file, fashion.train.example_shape());
        if (!judging) DL_THROW(UsageError, "--score needs a judge: --judge FILE, or --judge-epochs of at least 1");
        util::Json summary = train::summary_header(program, opt);
        summary.set("score", file);
        record_judge(summary);
        ch09::Judge judge = judge_of(loaded_judge, fashion, static_cast<int>(judge_epochs), opt.seed, out);
        judge_into(summary, judge, samples, fashion);
        std::filesystem::create_directories(out);
        util::write_file_atomically(out / "summary.json", summary.dump());
        std::cout << "wrote " << (out / "summary.json").string() << '\n';
        return 0;
    }

    Rng rng(opt.seed);
    const auto L = static_cast<std::size_t>(latent);
    std::optional<ch09::Vae> vae;
    std::optional<ch09::Gan> pair;
    if (gan)
        pair.emplace(ch09::build_gan(fashion.train.example_shape(), L, rng));
    else {
        vae.emplace(ch09::build_vae(fashion.train.example_shape(), L, rng));
        vae->model.set_input_grad_needed(false);
    }
    const std::function<Tensor(const Tensor&)> draw = [&](const Tensor& z) {
        return gan ? ch09::generate(*pair, z) : ch09::decode(*vae, z);
    };
    Rng prior(opt.seed + 1);   // the fixed latent codes of samples.png, the same after every epoch
    Tensor z_grid({grid_samples, L});
    for (auto& v : z_grid) v = static_cast<float>(prior.normal());

    std::string summaries = gan ? "generator\n" + nn::summary(pair->generator) + "discriminator\n" +
                                      nn::summary(pair->discriminator)
                                : nn::summary(vae->model);
    const std::size_t params = gan ? count_parameters(pair->generator) + count_parameters(pair->discriminator)
                                   : count_parameters(vae->model);
    std::cout << "Fashion-MNIST: " << fashion.train.size() << " train, " << fashion.validation.size() << " validation, "
              << fashion.test.size() << " test images; " << opt.threads << " thread(s); --model " << model
              << ", latent dimensions " << L << "\n"
              << summaries << '\n';

    const std::string kind = std::string(program) + " (" + model + "), " + std::to_string(fashion.train.size()) +
                             " training images\n" + summaries;
    std::optional<ch09::VaeTask> vae_task;
    std::optional<ch09::GanTask> gan_task;
    train::Task* task = nullptr;
    long steps_per_epoch = 0;
    train::RunState run;
    if (gan) {
        gan_task.emplace(*pair, optimizer, discriminator_optimizer, lr_d / lr, fashion.train, fashion.validation,
                         opt.batch_size, kind, rng);
        task = &*gan_task, steps_per_epoch = static_cast<long>(gan_task->batches().batches_per_epoch());
        if (!opt.resume.empty()) run = gan_task->restore(opt.resume);
    } else {
        vae_task.emplace(*vae, optimizer, fashion.train, fashion.validation, opt.batch_size, kind, rng);
        task = &*vae_task, steps_per_epoch = static_cast<long>(vae_task->batches().batches_per_epoch());
        if (!opt.resume.empty()) run = vae_task->restore(opt.resume);
    }
    const int restored = run.epoch;
    if (generate_count > 0) {   // draw from the saved model, and stop
        const auto count = static_cast<std::size_t>(generate_count);
        Rng codes(opt.seed + 3);
        Tensor z({count, L});
        for (auto& v : z) v = static_cast<float>(codes.normal());
        const Tensor samples = draw(z);
        std::filesystem::create_directories(out);
        util::write_npy(out / "generated.npy", samples);
        Tensor shown({std::min<std::size_t>(count, 256), samples.dim(1), samples.dim(2), samples.dim(3)});
        std::copy_n(samples.begin(), shown.size(), shown.begin());
        const bool drawn = util::plot_image_grid(ch09::tiles_of(shown), 16, out / "generated.png", plot_mode,
                                                 std::to_string(count) + " samples of " + opt.resume, false);
        std::cout << "wrote " << (out / "generated.npy").string()
                  << (drawn && plot_mode == util::PlotMode::png ? ", " + (out / "generated.png").string() : "") << '\n';
        return 0;
    }

    train::MetricsCsv csv(out / "metrics.csv", /*with_run_column=*/false);
    std::filesystem::create_directories(out / "samples");
    const auto on_epoch = [&](const train::EpochMetrics& m) {
        csv.write(m);
        if (m.epoch <= restored) return;   // a restored epoch's frame was drawn by the run that trained it
        const std::string name = "epoch-" + std::string(m.epoch < 10 ? "0" : "") + std::to_string(m.epoch) + ".png";
        util::plot_image_grid(ch09::tiles_of(draw(z_grid)), 8, out / "samples" / name, plot_mode,
                              "samples after epoch " + std::to_string(m.epoch), false);
    };
    const auto history = train::run_loop(
        *task,
        {.unit = train::LoopOptions::Unit::epochs,
         .length = epochs,
         .steps_per_interval = steps_per_epoch,
         .lr = lr,
         .schedule = opt.schedule,
         .step = {.clip_value = opt.clip_value, .clip_norm = opt.clip_norm},
         .early_stop_patience = opt.early_stop,
         .on_interval = on_epoch,
         .checkpoints = {.save_every = opt.save_every, .save = opt.save, .resume = opt.resume, .kind = kind}},
        std::move(run));

    double best_rate = 0, seconds = 0;
    for (const auto& m : history) best_rate = std::max(best_rate, m.examples_per_s), seconds += m.seconds;
    train::CommonOptions used = opt;   // the settings as run: --quick caps the epochs; the GAN's Adam
    used.epochs = epochs, used.lr = lr, used.beta1 = optimizer_options.beta1;
    util::Json summary = train::summary_header(program, used);
    summary.set("model", model).set("params", params).set("epochs", static_cast<int>(history.size()));
    summary.set("examples_per_s", best_rate).set("training_seconds", seconds).set("threads", opt.threads);
    summary.set("latent", static_cast<int>(L)).set("batch_size", opt.batch_size).set("lr", lr).set("quick", opt.quick);
    summary.set("val_loss", history.back().val_loss);
    if (gan) {
        summary.set("lr_d", lr_d).set("discriminator_val_accuracy", history.back().val_acc);
    } else {
        const ch09::ElboParts test = ch09::evaluate_elbo(*vae, fashion.test, 1);
        std::cout << "test ELBO " << util::format_fixed(-test.negative_elbo, 2) << " nats per image (reconstruction "
                  << util::format_fixed(test.reconstruction, 2) << " + KL " << util::format_fixed(test.kl, 2) << ")\n";
        summary.set("elbo", -test.negative_elbo).set("reconstruction", test.reconstruction).set("kl", test.kl);
    }
    std::cout << static_cast<long long>(best_rate) << " images/s (best epoch), " << util::format_fixed(seconds, 1)
              << " s of training\n";

    if (judging) {
        Rng codes(opt.seed + 2);
        Tensor samples({judge_samples, fashion.test.x.dim(1), fashion.test.x.dim(2), fashion.test.x.dim(3)});
        const std::size_t per_image = samples.size() / judge_samples, batch = 500;
        for (std::size_t from = 0; from < judge_samples; from += batch) {
            Tensor z({std::min(batch, judge_samples - from), L});
            for (auto& v : z) v = static_cast<float>(codes.normal());
            const Tensor images = draw(z);
            std::copy(images.begin(), images.end(), samples.begin() + static_cast<std::ptrdiff_t>(from * per_image));
        }
        record_judge(summary);
        ch09::Judge judge = judge_of(loaded_judge, fashion, static_cast<int>(judge_epochs), opt.seed, out);
        judge_into(summary, judge, samples, fashion);
    }
    util::write_file_atomically(out / "summary.json", summary.dump());

    const bool plotted = ch09::plot_curves(history, gan,
                                     "Fashion-MNIST, " + std::string(gan ? "a GAN" : "a VAE") + " with " +
                                         std::to_string(L) + " latent dimensions",
                                     out / "curves.png", plot_mode, csv.path().string());
    bool pictures = false;
    if (plot_mode != util::PlotMode::none) {
        pictures = util::plot_image_grid(ch09::tiles_of(draw(z_grid)), 8, out / "samples.png", plot_mode,
                                         std::string("64 samples: the ") + (gan ? "generator" : "decoder") + " on fixed draws of the prior N(0, I)", false);
        if (gan) {
            Tensor ends({2, L});   // the codes of samples.png's first two images
            std::copy_n(z_grid.begin(), ends.size(), ends.begin());
            ch09::plot_interpolation(ends, draw, "sample 1", "sample 2", out / "interpolation.png", plot_mode);
        } else {
            ch09::plot_reconstructions(*vae, fashion.test, out / "reconstructions.png", plot_mode);
            ch09::plot_latent_map(*vae, fashion.test, out / "latent-map.png", plot_mode);
            std::size_t b = 1;   // the first test image of another class than the first's
            while (b < fashion.test.size() && fashion.test.labels[b] == fashion.test.labels[0]) ++b;
            if (b < fashion.test.size()) {   // the line between their mean codes
                Tensor both = ch09::images_of(fashion.test, 0, 2);
                const Tensor second = ch09::images_of(fashion.test, b, 1);
                std::copy(second.begin(), second.end(), both.begin() + static_cast<std::ptrdiff_t>(second.size()));
                vae->model.forward(both, nn::Mode::eval);
                ch09::plot_interpolation(vae->sampler->mu(), draw,
                                         fashion.test.class_names[static_cast<std::size_t>(fashion.test.labels[0])],
                                         fashion.test.class_names[static_cast<std::size_t>(fashion.test.labels[b])],
                                         out / "interpolation.png", plot_mode);
            }
        }
    }
    std::cout << "wrote " << csv.path().string() << ", " << (out / "summary.json").string();
    if (plotted && plot_mode == util::PlotMode::png) std::cout << ", " << (out / "curves.png").string();
    if (pictures && plot_mode == util::PlotMode::png)
        std::cout << ", " << (out / "samples.png").string()
                  << (gan ? "" : ", " + (out / "reconstructions.png").string() + ", " + (out / "latent-map.png").string())
                  << ", " << (out / "interpolation.png").string() << ", " << (out / "samples").string() << "/";
    std::cout << '\n';
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return train::run_main(program, [&] { return run(argc, argv); });
}
