#pragma once
// Judging generated images without a human: chapter 5's classifier, trained on the real images,
// looks at the samples.
//
//   confident   the share of samples it names with probability at least 0.9 (a sample that looks
//               like nothing in particular gets a spread-out guess)
//   entropy     of the classes it names, over all samples: ln 10 = 2.303 nats when every class
//               comes out equally often, lower when the generator favours some (mode collapse)
//   frechet     the Fréchet distance between two Gaussians fitted to the classifier's penultimate
//               features (the 128 after Dense(128) ReLU) of the real test images and of the samples:
//                 ‖μ_r − μ_g‖² + Tr(Σ_r + Σ_g − 2 (Σ_r^½ Σ_g Σ_r^½)^½)
//               0 for the same distribution; the FID of the literature is this with an Inception
//               network's features, so its numbers are not comparable with ours.

#include "dl/data/dataset.hpp"
#include "dl/data/fashion_mnist.hpp"
#include "dl/nn/sequential.hpp"
#include "dl/rng.hpp"

#include <string>
#include <vector>

namespace ch09 {

struct Judge {
    dl::nn::Sequential model;
    dl::data::Standardization scaling;   // of the pixels the classifier was trained on
    double test_accuracy = 0;
};

// Chapter 5's course CNN trained for `epochs` on the real images (standardised), as chapter 5 does
// with Adam 1e-3 and batch 32. Prints a line per epoch when `progress`.
Judge train_judge(const dl::data::ImageSplits& fashion, int epochs, std::uint64_t seed, bool progress);

struct Verdict {
    double confident = 0, entropy = 0, frechet = 0;
    std::vector<double> class_share;   // the share of samples named as each class
    // The same measures of the real test images: what a perfect generator would score.
    double real_confident = 0, real_entropy = 0;
};

// A judge saved by save_judge, or by chapter 5 (ch05_cnn --export-safetensors FILE): the course
// CNN's weights, and the pixels' scaling and the class names in the file's metadata. Refuses a file
// of another model, or one trained on other images or classes (DataError naming the file). Its
// test_accuracy is measured on fashion.test.
Judge load_judge(const std::string& file, const dl::data::ImageSplits& fashion);
// Writes the judge as chapter 5's --export-safetensors does, so that a later run can load it.
void save_judge(Judge& judge, const dl::data::Dataset& test, const std::string& file);

// Judges samples [M, C, H, W] (pixels in [0, 1], as the real images) against the real images.
Verdict judge_samples(Judge& judge, const dl::Tensor& samples, const dl::data::Dataset& real);

// The Fréchet distance between N(mean_a, cov_a) and N(mean_b, cov_b) (covariances [d, d]), in
// double precision.
double frechet_distance(const std::vector<double>& mean_a, const std::vector<double>& cov_a,
                        const std::vector<double>& mean_b, const std::vector<double>& cov_b);

// The linear algebra the judge and the latent map share, in double precision:
// a symmetric matrix A [d, d] as V diag(λ) Vᵀ: returns λ (in no particular order), V's columns the
// eigenvectors;
std::vector<double> symmetric_eigen(std::vector<double> A, std::size_t d, std::vector<double>& V);
// the mean [d] and the sample covariance [d, d] (divided by M − 1) of M rows of d numbers.
void mean_and_covariance(const std::vector<double>& rows, std::size_t d, std::vector<double>& mean,
                         std::vector<double>& cov);

}  // namespace ch09
