// Finding and loading an IDX image-classification dataset (Fashion-MNIST and its look-alikes).

#include "dl/data/fashion_mnist.hpp"

#include "dl/data/idx.hpp"
#include "dl/error.hpp"
#include "dl/rng.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <optional>
#include <span>
#include <sstream>
#include <system_error>

namespace dl::data {

namespace {

const char* const kDefaultDir = "/usr/share/datasets/fashion-mnist";
const char* const kSubdir = "fashion-mnist";
const char* const kStems[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                               "t10k-labels-idx1-ubyte"};

std::string expected_files() {
    std::ostringstream out;
    for (std::size_t i = 0; i < 4; ++i) out << (i == 0 ? "" : i == 3 ? " and " : ", ") << kStems[i] << "[.gz]";
    return out.str();
}

// dir/stem, else dir/stem.gz, else nothing.
std::optional<std::filesystem::path> find_file(const std::filesystem::path& dir, const char* stem) {
    std::error_code ec;
    for (const char* suffix : {"", ".gz"}) {
        const std::filesystem::path p = dir / (std::string(stem) + suffix);
        if (std::filesystem::is_regular_file(p, ec)) return p;
    }
    return std::nullopt;
}

bool holds_dataset(const std::filesystem::path& dir) {
    return std::all_of(std::begin(kStems), std::end(kStems), [&](const char* s) { return find_file(dir, s).has_value(); });
}

// The candidate itself or its fashion-mnist/ subdirectory, whichever holds the four files, as an
// absolute path without a trailing separator (so its filename() names the dataset).
std::optional<std::filesystem::path> look_in(const std::filesystem::path& candidate) {
    for (const auto& dir : {candidate, candidate / kSubdir}) {
        if (!holds_dataset(dir)) continue;
        std::error_code ec;
        std::filesystem::path p = std::filesystem::absolute(dir, ec).lexically_normal();
        if (ec) p = dir.lexically_normal();
        if (p.filename().empty() && p.has_parent_path()) p = p.parent_path();
        return p;
    }
    return std::nullopt;
}

// Image file [N, H, W] bytes and label file [N] bytes, checked against each other.
struct ImageFile {
    std::filesystem::path images_file, labels_file;
    IdxArray images, labels;
    std::size_t count() const { return labels.values.size(); }
    std::size_t pixels() const { return images.dims[1] * images.dims[2]; }
};

ImageFile read_pair(const std::filesystem::path& dir, const char* images_stem, const char* labels_stem) {
    ImageFile f{*find_file(dir, images_stem), *find_file(dir, labels_stem), {}, {}};
    f.images = read_idx(f.images_file);
    f.labels = read_idx(f.labels_file);
    if (f.images.dims.size() != 3)
        DL_THROW(DataError, f.images_file.string() << ": images must have rank 3 [N, H, W], but the header gives "
                                                   << to_string(f.images.dims));
    if (f.labels.dims.size() != 1)
        DL_THROW(DataError, f.labels_file.string() << ": labels must have rank 1 [N], but the header gives "
                                                   << to_string(f.labels.dims));
    if (f.images.dims[0] != f.labels.dims[0])
        DL_THROW(DataError, f.images_file.string() << " holds " << f.images.dims[0] << " images but "
                                                   << f.labels_file.string() << " holds " << f.labels.dims[0]
                                                   << " labels");
    return f;
}

// The examples `indices` of f as a Dataset: x [n, 1, H, W] = pixel / 255.
Dataset make_split(std::string name, const ImageFile& f, std::span<const std::size_t> indices, int num_classes,
                   const std::vector<std::string>& class_names) {
    const std::size_t pixels = f.pixels();
    Dataset d{std::move(name), Tensor({indices.size(), 1, f.images.dims[1], f.images.dims[2]}), {}, num_classes,
              class_names};
    d.labels.reserve(indices.size());
    for (std::size_t k = 0; k < indices.size(); ++k) {
        const std::uint8_t* from = f.images.values.data() + indices[k] * pixels;
        float* to = d.x.data() + k * pixels;
        for (std::size_t p = 0; p < pixels; ++p) to[p] = static_cast<float>(from[p]) / 255.0f;
        d.labels.push_back(static_cast<int>(f.labels.values[indices[k]]));
    }
    return d;
}

// The number of validation examples: round(fraction * n), at least 1 when fraction > 0.
std::size_t validation_count(double fraction, std::size_t n) {
    if (!(fraction >= 0.0 && fraction < 1.0))
        DL_THROW(UsageError, "validation fraction " << fraction << " must be in [0, 1)");
    if (fraction == 0.0) return 0;
    const auto v = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(fraction * static_cast<double>(n))));
    if (v >= n)
        DL_THROW(DataError, "a validation fraction of " << fraction << " leaves no training example out of " << n);
    return v;
}

}  // namespace

const std::vector<std::string>& fashion_mnist_class_names() {
    static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                   "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return names;
}

std::filesystem::path find_image_dataset(const std::string& data_dir) {
    // The first place given is the only place looked in: a wrong --data must not be hidden by the
    // Debian copy.
    std::string source = "--data";
    std::string candidate = data_dir;
    if (candidate.empty()) {
        const char* env = std::getenv("DLFS_DATA");
        source = "DLFS_DATA";
        candidate = env ? env : "";
    }
    if (candidate.empty()) {
        if (auto dir = look_in(kDefaultDir)) return *dir;
        DL_THROW(DataError, "Fashion-MNIST not found in " << kDefaultDir
                                                          << ": install the Debian package dataset-fashion-mnist "
                                                             "(scripts/setup does it) or pass --data DIR");
    }
    if (auto dir = look_in(candidate)) return *dir;
    DL_THROW(DataError, source << " " << candidate << ": neither it nor its " << kSubdir << "/ subdirectory holds "
                               << expected_files());
}

ImageSplits load_image_dataset(const ImageLoadOptions& options) {
    const std::filesystem::path dir = find_image_dataset(options.data_dir);
    const ImageFile train = read_pair(dir, kStems[0], kStems[1]);
    const ImageFile test = read_pair(dir, kStems[2], kStems[3]);
    if (test.images.dims[1] != train.images.dims[1] || test.images.dims[2] != train.images.dims[2])
        DL_THROW(DataError, test.images_file.string() << " holds " << test.images.dims[1] << "x" << test.images.dims[2]
                                                      << " images but " << train.images_file.string() << " holds "
                                                      << train.images.dims[1] << "x" << train.images.dims[2]);

    // Classes: K = max training label + 1; each of 0..K-1 must occur in train, test labels must be < K.
    const std::uint8_t max_label = *std::max_element(train.labels.values.begin(), train.labels.values.end());
    const int num_classes = max_label + 1;
    // One class is nothing to tell apart: every model would score 100% on it.
    if (num_classes < 2)
        DL_THROW(DataError, train.labels_file.string() << ": every label is " << int{max_label}
                                                       << ": a classifier needs at least two classes (labels 0 and 1)");
    std::vector<std::size_t> per_class(static_cast<std::size_t>(num_classes), 0);
    for (const std::uint8_t y : train.labels.values) ++per_class[y];
    for (std::size_t c = 0; c < per_class.size(); ++c)
        if (per_class[c] == 0)
            DL_THROW(DataError, train.labels_file.string() << ": class " << c << " has no example (the labels run 0 to "
                                                           << num_classes - 1 << ", so every class in between must occur)");
    for (std::size_t i = 0; i < test.count(); ++i)
        if (test.labels.values[i] >= num_classes)
            DL_THROW(DataError, test.labels_file.string()
                                    << ": label " << int{test.labels.values[i]} << " at index " << i
                                    << " has no class: the training labels run 0 to " << num_classes - 1);
    std::vector<std::string> class_names;
    if (num_classes == 10) {
        class_names = fashion_mnist_class_names();
    } else {
        for (int c = 0; c < num_classes; ++c) class_names.push_back(std::to_string(c));
    }

    // Shuffle the training file, hold out the last n_val as validation, then apply the caps.
    std::vector<std::size_t> order(train.count());
    std::iota(order.begin(), order.end(), std::size_t{0});
    Rng rng(options.seed);
    rng.shuffle(order);
    const std::size_t n_val_full = validation_count(options.validation_fraction, order.size());
    std::size_t n_train = order.size() - n_val_full;
    std::size_t n_val = n_val_full;
    if (options.max_train > 0 && options.max_train < n_train) {
        // Keep validation in the same proportion to train as without the cap (at least 1).
        const double ratio = static_cast<double>(n_val_full) / static_cast<double>(n_train);
        n_train = options.max_train;
        if (n_val > 0)
            n_val = std::clamp<std::size_t>(
                static_cast<std::size_t>(std::llround(ratio * static_cast<double>(n_train))), 1, n_val_full);
    }
    const std::span<const std::size_t> all(order);
    const std::span<const std::size_t> train_idx = all.first(n_train);
    const std::span<const std::size_t> val_idx = all.last(n_val_full).first(n_val);

    std::vector<std::size_t> test_idx(options.max_test > 0 ? std::min(options.max_test, test.count()) : test.count());
    std::iota(test_idx.begin(), test_idx.end(), std::size_t{0});

    const std::string base = dir.filename().string();
    return ImageSplits{make_split(base + "/train", train, train_idx, num_classes, class_names),
                       make_split(base + "/validation", train, val_idx, num_classes, class_names),
                       make_split(base + "/test", test, test_idx, num_classes, class_names)};
}

Standardization standardize(ImageSplits& splits) {
    const Standardization s = standardization_of(splits.train);
    for (Dataset* d : {&splits.train, &splits.validation, &splits.test}) standardize(*d, s);
    return s;
}

}  // namespace dl::data
