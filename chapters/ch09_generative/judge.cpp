#include "judge.hpp"

#include "dl/data/batches.hpp"
#include "dl/nn/loss.hpp"
#include "dl/nn/models.hpp"
#include "dl/nn/state_dict.hpp"
#include "dl/train/exchange.hpp"
#include "dl/train/trainer.hpp"
#include "dl/util/safetensors.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace ch09 {

using namespace dl;

namespace {

// The course CNN's penultimate features: the output of its Dense(128) ReLU (layer 8 of
// Conv ReLU Pool Conv ReLU Pool Flatten Dense ReLU Dropout Dense).
constexpr std::size_t feature_layer = 8;

// The features of images [M, C, H, W] (pixels in [0, 1]), standardised as the judge's training
// set, in batches; and the judge's class probabilities. features [M, 128], probabilities [M, K].
void look_at(Judge& judge, const Tensor& images, std::vector<double>& features, std::vector<double>& probabilities,
             std::size_t& feature_width, std::size_t& classes) {
    const std::size_t M = images.dim(0), per_image = images.size() / M, batch = 250;
    features.clear(), probabilities.clear();
    Tensor x;
    for (std::size_t from = 0; from < M; from += batch) {
        const std::size_t n = std::min(batch, M - from);
        x.resize({n, images.dim(1), images.dim(2), images.dim(3)});
        for (std::size_t i = 0; i < n * per_image; ++i)
            x[i] = (images[from * per_image + i] - judge.scaling.mean) / judge.scaling.stddev;
        const Tensor* h = &x;
        for (std::size_t l = 0; l < judge.model.size(); ++l) {
            h = &judge.model.layer(l).forward(*h, nn::Mode::eval);
            if (l == feature_layer) {
                feature_width = h->dim(1);
                features.insert(features.end(), h->begin(), h->end());
            }
        }
        classes = h->dim(1);
        for (std::size_t r = 0; r < n; ++r) {   // softmax of each row of logits
            const float* z = h->data() + r * classes;
            const float top = *std::max_element(z, z + classes);
            double sum = 0;
            for (std::size_t k = 0; k < classes; ++k) sum += std::exp(static_cast<double>(z[k] - top));
            for (std::size_t k = 0; k < classes; ++k) probabilities.push_back(std::exp(static_cast<double>(z[k] - top)) / sum);
        }
    }
}

}  // namespace

// Jacobi rotations: each zeroes one off-diagonal pair; sweeps until the off-diagonal part is
// negligible.
std::vector<double> symmetric_eigen(std::vector<double> A, std::size_t d, std::vector<double>& V) {
    V.assign(d * d, 0.0);
    for (std::size_t i = 0; i < d; ++i) V[i * d + i] = 1;
    for (int sweep = 0; sweep < 100; ++sweep) {
        double off = 0, scale = 0;
        for (std::size_t i = 0; i < d; ++i)
            for (std::size_t j = 0; j < d; ++j) (i == j ? scale : off) += A[i * d + j] * A[i * d + j];
        if (off <= 1e-26 * scale) break;
        for (std::size_t p = 0; p + 1 < d; ++p)
            for (std::size_t q = p + 1; q < d; ++q) {
                const double apq = A[p * d + q];
                if (std::abs(apq) < 1e-300) continue;
                // The rotation by θ with tan 2θ = 2 a_pq / (a_qq − a_pp) zeroes a_pq.
                const double tau = (A[q * d + q] - A[p * d + p]) / (2 * apq);
                const double t = (tau >= 0 ? 1 : -1) / (std::abs(tau) + std::sqrt(1 + tau * tau));
                const double c = 1 / std::sqrt(1 + t * t), s = t * c;
                for (std::size_t k = 0; k < d; ++k) {   // A ← A J (columns p and q)
                    const double akp = A[k * d + p], akq = A[k * d + q];
                    A[k * d + p] = c * akp - s * akq, A[k * d + q] = s * akp + c * akq;
                }
                for (std::size_t k = 0; k < d; ++k) {   // A ← Jᵀ A (rows p and q)
                    const double apk = A[p * d + k], aqk = A[q * d + k];
                    A[p * d + k] = c * apk - s * aqk, A[q * d + k] = s * apk + c * aqk;
                }
                for (std::size_t k = 0; k < d; ++k) {   // V ← V J
                    const double vkp = V[k * d + p], vkq = V[k * d + q];
                    V[k * d + p] = c * vkp - s * vkq, V[k * d + q] = s * vkp + c * vkq;
                }
            }
    }
    std::vector<double> lambda(d);
    for (std::size_t i = 0; i < d; ++i) lambda[i] = A[i * d + i];
    return lambda;
}

void mean_and_covariance(const std::vector<double>& rows, std::size_t d, std::vector<double>& mean,
                         std::vector<double>& cov) {
    const std::size_t M = rows.size() / d;
    mean.assign(d, 0.0), cov.assign(d * d, 0.0);
    for (std::size_t m = 0; m < M; ++m)
        for (std::size_t i = 0; i < d; ++i) mean[i] += rows[m * d + i] / static_cast<double>(M);
    for (std::size_t m = 0; m < M; ++m)
        for (std::size_t i = 0; i < d; ++i) {
            const double a = rows[m * d + i] - mean[i];
            for (std::size_t j = 0; j < d; ++j) cov[i * d + j] += a * (rows[m * d + j] - mean[j]);
        }
    for (auto& v : cov) v /= static_cast<double>(M - 1);
}

double frechet_distance(const std::vector<double>& mean_a, const std::vector<double>& cov_a,
                        const std::vector<double>& mean_b, const std::vector<double>& cov_b) {
    const std::size_t d = mean_a.size();
    DL_CHECK(mean_b.size() == d && cov_a.size() == d * d && cov_b.size() == d * d, "frechet_distance: sizes differ");
    double distance = 0;
    for (std::size_t i = 0; i < d; ++i) distance += (mean_a[i] - mean_b[i]) * (mean_a[i] - mean_b[i]);
    for (std::size_t i = 0; i < d; ++i) distance += cov_a[i * d + i] + cov_b[i * d + i];
    // Σ_a^½ = V diag(√λ) Vᵀ (eigenvalues below 0 are rounding: taken as 0); then
    // Tr (Σ_a^½ Σ_b Σ_a^½)^½ = Σ √(eigenvalues of the symmetric S = Σ_a^½ Σ_b Σ_a^½).
    std::vector<double> V;
    const std::vector<double> lambda = symmetric_eigen(cov_a, d, V);
    std::vector<double> root(d * d, 0.0), tmp(d * d, 0.0), S(d * d, 0.0);
    for (std::size_t i = 0; i < d; ++i)
        for (std::size_t j = 0; j < d; ++j) {
            double sum = 0;
            for (std::size_t k = 0; k < d; ++k) sum += V[i * d + k] * std::sqrt(std::max(lambda[k], 0.0)) * V[j * d + k];
            root[i * d + j] = sum;
        }
    for (std::size_t i = 0; i < d; ++i)
        for (std::size_t k = 0; k < d; ++k) {
            const double r = root[i * d + k];
            for (std::size_t j = 0; j < d; ++j) tmp[i * d + j] += r * cov_b[k * d + j];
        }
    for (std::size_t i = 0; i < d; ++i)
        for (std::size_t k = 0; k < d; ++k) {
            const double t = tmp[i * d + k];
            for (std::size_t j = 0; j < d; ++j) S[i * d + j] += t * root[k * d + j];
        }
    for (std::size_t i = 0; i < d; ++i)   // symmetric up to rounding: make it exactly so
        for (std::size_t j = i + 1; j < d; ++j) S[i * d + j] = S[j * d + i] = (S[i * d + j] + S[j * d + i]) / 2;
    std::vector<double> unused;
    for (const double mu : symmetric_eigen(S, d, unused)) distance -= 2 * std::sqrt(std::max(mu, 0.0));
    return std::max(distance, 0.0);
}

Judge train_judge(const data::ImageSplits& fashion, int epochs, std::uint64_t seed, bool progress) {
    data::ImageSplits standardized = fashion;
    const data::Standardization scaling = data::standardize(standardized);
    Rng rng(seed);
    Judge judge{nn::course_cnn(fashion.train.example_shape(), static_cast<std::size_t>(fashion.train.num_classes), rng, {}),
                scaling};
    nn::SoftmaxCrossEntropy loss;
    optim::Optimizer adam({.name = "adam"});
    train::fit(judge.model, loss, adam, standardized.train, standardized.validation,
               {.epochs = epochs, .batch_size = 32, .lr = 1e-3, .progress = progress}, rng);
    judge.test_accuracy = train::evaluate(judge.model, loss, standardized.test).accuracy;
    return judge;
}

namespace {

// The judge's accuracy on the test images, standardised as its training set was.
double test_accuracy(Judge& judge, const data::Dataset& test) {
    data::Dataset scaled = test;
    data::standardize(scaled, judge.scaling);
    nn::SoftmaxCrossEntropy loss;
    return train::evaluate(judge.model, loss, scaled).accuracy;
}

// A number of the file's metadata ("input_mean", "input_std").
float metadata_number(const util::Safetensors& file, const std::string& key, const std::string& source) {
    const auto found = file.metadata.find(key);
    const char* text = found == file.metadata.end() ? "" : found->second.c_str();
    char* end = nullptr;
    const double value = std::strtod(text, &end);
    if (found == file.metadata.end() || end == text || *end != '\0' || !std::isfinite(value))
        DL_THROW(DataError, source << ": its metadata has no number \"" << key
                                   << "\" (how the judge's pixels were scaled): write it with ch05_cnn "
                                      "--export-safetensors FILE, or let ch09_generative train a judge");
    return static_cast<float>(value);
}

}  // namespace

Judge load_judge(const std::string& file, const data::ImageSplits& fashion) {
    const util::Safetensors saved = util::read_safetensors(file);
    Rng unused(0);
    Judge judge{nn::course_cnn(fashion.train.example_shape(), static_cast<std::size_t>(fashion.train.num_classes), unused, {}),
                {}};
    const auto entries = nn::state_dict(judge.model);
    nn::check_importable(entries, saved, file);   // another model's weights: say that first
    const auto ours = train::classifier_metadata("ch09_generative", judge.model, fashion.test, {});
    for (const std::string key : {"input_shape", "classes"}) {
        const auto theirs = saved.metadata.find(key);
        if (theirs != saved.metadata.end() && theirs->second != ours.at(key))
            DL_THROW(DataError, file << ": the judge was trained on images with " << key << " = '" << theirs->second
                                     << "', these have '" << ours.at(key) << "': give a judge trained on this dataset");
    }
    judge.scaling = {metadata_number(saved, "input_mean", file), metadata_number(saved, "input_std", file)};
    if (!(judge.scaling.stddev > 0))
        DL_THROW(DataError, file << ": its metadata says input_std = " << judge.scaling.stddev << ", which must be above 0");
    nn::load_checked(entries, saved);
    judge.test_accuracy = test_accuracy(judge, fashion.test);
    return judge;
}

void save_judge(Judge& judge, const data::Dataset& test, const std::string& file) {
    nn::export_safetensors(nn::state_dict(judge.model),
                           train::classifier_metadata("ch09_generative", judge.model, test, judge.scaling), file);
}

namespace {

// The share of images named with probability at least 0.9, the entropy of the named classes, and
// each class's share, from the judge's probabilities [M, classes].
void tally(const std::vector<double>& probabilities, std::size_t classes, double& confident, double& entropy,
           std::vector<double>& class_share) {
    const std::size_t M = probabilities.size() / classes;
    confident = 0, entropy = 0;
    class_share.assign(classes, 0.0);
    for (std::size_t m = 0; m < M; ++m) {
        const double* p = probabilities.data() + m * classes;
        const auto best = static_cast<std::size_t>(std::max_element(p, p + classes) - p);
        confident += p[best] >= 0.9 ? 1 : 0;
        class_share[best] += 1;
    }
    confident /= static_cast<double>(M);
    for (auto& share : class_share) {
        share /= static_cast<double>(M);
        if (share > 0) entropy -= share * std::log(share);
    }
}

}  // namespace

Verdict judge_samples(Judge& judge, const Tensor& samples, const data::Dataset& real) {
    std::vector<double> real_features, generated_features, probabilities, real_probabilities;
    std::size_t d = 0, classes = 0;
    look_at(judge, real.x, real_features, real_probabilities, d, classes);
    look_at(judge, samples, generated_features, probabilities, d, classes);
    Verdict v;
    tally(probabilities, classes, v.confident, v.entropy, v.class_share);
    std::vector<double> real_share;
    tally(real_probabilities, classes, v.real_confident, v.real_entropy, real_share);
    std::vector<double> mean_r, cov_r, mean_g, cov_g;
    mean_and_covariance(real_features, d, mean_r, cov_r);
    mean_and_covariance(generated_features, d, mean_g, cov_g);
    v.frechet = frechet_distance(mean_r, cov_r, mean_g, cov_g);
    return v;
}

}  // namespace ch09
