#include "pictures.hpp"

#include "judge.hpp"

#include "dl/util/progress.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ch09 {

using namespace dl;

std::vector<util::ImageTile> tiles_of(const Tensor& images, const std::vector<std::string>& titles) {
    const std::size_t H = images.dim(2), W = images.dim(3);
    std::vector<util::ImageTile> tiles;
    for (std::size_t n = 0; n < images.dim(0); ++n) {
        util::ImageTile tile{.title = n < titles.size() ? titles[n] : "", .height = H, .width = W};
        for (std::size_t i = 0; i < H * W; ++i) tile.pixels.push_back(static_cast<double>(images[n * H * W + i]));
        tiles.push_back(std::move(tile));
    }
    return tiles;
}

Tensor images_of(const data::Dataset& d, std::size_t first, std::size_t count) {
    Tensor batch({count, d.x.dim(1), d.x.dim(2), d.x.dim(3)});
    const auto per_image = static_cast<std::ptrdiff_t>(batch.size() / count);
    std::copy_n(d.x.begin() + static_cast<std::ptrdiff_t>(first) * per_image, batch.size(), batch.begin());
    return batch;
}

bool plot_reconstructions(Vae& vae, const data::Dataset& test, const std::filesystem::path& png, util::PlotMode mode) {
    const Tensor x = images_of(test, 0, 16);
    vae.model.forward(x, nn::Mode::eval);
    const auto originals = tiles_of(x), decoded = tiles_of(decode(vae, vae.sampler->mu()));
    std::vector<util::ImageTile> tiles;
    for (std::size_t row = 0; row < 2; ++row) {
        for (std::size_t i = 0; i < 8; ++i) tiles.push_back(originals[row * 8 + i]);
        for (std::size_t i = 0; i < 8; ++i) tiles.push_back(decoded[row * 8 + i]);
    }
    return util::plot_image_grid(tiles, 8, png, mode, "test images (rows 1, 3) and their reconstructions (rows 2, 4)",
                                 false);
}

bool plot_interpolation(const Tensor& ends, const std::function<Tensor(const Tensor&)>& draw, const std::string& from,
                        const std::string& to, const std::filesystem::path& png, util::PlotMode mode) {
    // z(t) = (1 − t) a + t b for t = 0, 1/9, ..., 1
    const std::size_t L = ends.dim(1), steps = 10;
    Tensor z({steps, L});
    for (std::size_t s = 0; s < steps; ++s) {
        const float t = static_cast<float>(s) / static_cast<float>(steps - 1);
        for (std::size_t j = 0; j < L; ++j) z[s * L + j] = (1 - t) * ends[j] + t * ends[L + j];
    }
    std::vector<std::string> titles(steps);
    titles.front() = from, titles.back() = to;
    return util::plot_image_grid(tiles_of(draw(z), titles), steps, png, mode,
                                 "decoding the straight line between two latent codes", false);
}

bool plot_latent_map(Vae& vae, const data::Dataset& test, const std::filesystem::path& png, util::PlotMode mode) {
    if (mode == util::PlotMode::none || test.size() < 3) return false;
    const std::size_t M = std::min<std::size_t>(test.size(), 2000), L = vae.sampler->latent(), batch = 500;
    std::vector<double> codes;   // [M, L]: the mean codes μ
    for (std::size_t from = 0; from < M; from += batch) {
        vae.model.forward(images_of(test, from, std::min(batch, M - from)), nn::Mode::eval);
        codes.insert(codes.end(), vae.sampler->mu().begin(), vae.sampler->mu().end());
    }
    // The principal components: the eigenvectors of the codes' covariance with the two largest
    // eigenvalues; each code's coordinates are its centred code's projections on them.
    std::vector<double> mean, cov;
    mean_and_covariance(codes, L, mean, cov);
    // With L <= 2 the axes are the latent axes themselves: V = I, their variances the diagonal.
    std::vector<double> lambda(L), V(L * L, 0.0);
    for (std::size_t i = 0; i < L; ++i) lambda[i] = cov[i * L + i], V[i * L + i] = 1;
    if (L > 2) lambda = symmetric_eigen(cov, L, V);
    std::vector<std::size_t> axes(L);   // the directions by variance, largest first
    std::iota(axes.begin(), axes.end(), 0);
    if (L > 2) std::sort(axes.begin(), axes.end(), [&](std::size_t a, std::size_t b) { return lambda[a] > lambda[b]; });
    const double total = std::accumulate(lambda.begin(), lambda.end(), 0.0);
    const auto coordinate = [&](std::size_t m, std::size_t axis) {
        if (axis >= L) return 0.0;   // L = 1: a line, drawn at height 0
        double sum = 0;
        for (std::size_t j = 0; j < L; ++j) sum += (codes[m * L + j] - mean[j]) * V[j * L + axes[axis]];
        return sum;
    };
    std::vector<util::Series> classes(static_cast<std::size_t>(test.num_classes));
    for (std::size_t k = 0; k < classes.size(); ++k) classes[k].title = k < test.class_names.size() ? test.class_names[k] : std::to_string(k);
    for (std::size_t m = 0; m < M; ++m) {
        auto& series = classes[static_cast<std::size_t>(test.labels[m])];
        series.x.push_back(coordinate(m, 0)), series.y.push_back(coordinate(m, 1));
    }
    std::erase_if(classes, [](const util::Series& s) { return s.x.empty(); });
    const auto label = [&](std::size_t axis) {
        const std::string name = L <= 2 ? "latent axis " : "principal component ";
        const double share = axis < L && total > 0 ? lambda[axes[axis]] / total : 0;
        return name + std::to_string(axis + 1) + " (" + util::format_fixed(100 * share, 0) + "% of the variance)";
    };
    util::Panel panel{"the mean codes of " + std::to_string(M) + " test images, coloured by class", label(0), label(1),
                      classes};
    panel.scatter = true;
    return util::plot_panels({panel}, png, mode, "the VAE's latent space (labels were never shown to it)");
}

bool plot_curves(const std::vector<train::EpochMetrics>& history, bool gan, const std::string& title,
                 const std::filesystem::path& png, util::PlotMode mode, const std::string& csv) {
    util::Series train{gan ? "generator (training)" : "train", {}, {}};
    util::Series val{gan ? "discriminator (validation)" : "validation", {}, {}};
    util::Series told_train{"training", {}, {}}, told_val{"validation", {}, {}};
    for (const auto& m : history) {
        if (m.epoch == 0) continue;
        const auto e = static_cast<double>(m.epoch);
        train.x.push_back(e), train.y.push_back(m.train_loss), val.x.push_back(e), val.y.push_back(m.val_loss);
        told_train.x.push_back(e), told_train.y.push_back(m.train_acc);
        told_val.x.push_back(e), told_val.y.push_back(m.val_acc);
    }
    if (train.x.empty()) return false;
    std::vector<util::Panel> panels{{gan ? "the players' losses" : "negative ELBO", "epoch",
                                     gan ? "loss" : "nats per image", {train, val}}};
    if (gan) panels.push_back({"the discriminator tells real from generated", "epoch", "accuracy", {told_train, told_val}});
    return util::plot_panels(panels, png, mode, title, csv);
}

}  // namespace ch09
