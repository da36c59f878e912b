#pragma once
// The chapter's pictures: sample grids, reconstructions, a walk along a line in the latent space,
// the VAE's latent map and the training curves. Each returns false when nothing was drawn (--plot
// none, or gnuplot missing).

#include "vae.hpp"

#include "dl/data/dataset.hpp"
#include "dl/train/metrics.hpp"
#include "dl/util/plot.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace ch09 {

// One tile per image of [N, 1, H, W], with its title.
std::vector<dl::util::ImageTile> tiles_of(const dl::Tensor& images, const std::vector<std::string>& titles = {});

// Images [count, C, H, W] from a dataset's examples `first`, `first + 1`, ...
dl::Tensor images_of(const dl::data::Dataset& d, std::size_t first, std::size_t count);

// Test images (rows 1 and 3) above their reconstructions from their mean codes (rows 2 and 4).
bool plot_reconstructions(Vae& vae, const dl::data::Dataset& test, const std::filesystem::path& png,
                          dl::util::PlotMode mode);

// 10 codes on the straight line from a to b (`ends` [2, L]: a, then b), decoded by `draw`, in a row
// with the first and last titled `from` and `to`.
bool plot_interpolation(const dl::Tensor& ends, const std::function<dl::Tensor(const dl::Tensor&)>& draw,
                        const std::string& from, const std::string& to, const std::filesystem::path& png,
                        dl::util::PlotMode mode);

// The VAE's latent space seen from above: the mean codes μ of up to 2,000 test images, a colour per
// class, on the plane of their two principal components (the two axes themselves when L = 2).
// Where each class lands, and which overlap, is what the encoder learnt without labels.
bool plot_latent_map(Vae& vae, const dl::data::Dataset& test, const std::filesystem::path& png,
                     dl::util::PlotMode mode);

// The negative ELBO (VAE), or the two players' losses and the discriminator's accuracy (GAN).
bool plot_curves(const std::vector<dl::train::EpochMetrics>& history, bool gan, const std::string& title,
                 const std::filesystem::path& png, dl::util::PlotMode mode, const std::string& csv);

}  // namespace ch09
