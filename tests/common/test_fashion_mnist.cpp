// load_image_dataset on a tiny IDX dataset written here (5 x 7 images, 3 classes), and on the real
// Fashion-MNIST when it is installed.

#include "dl/data/fashion_mnist.hpp"
#include "dl/data/idx.hpp"
#include "dl/error.hpp"

#include "dl/testing/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace dl::data;
using Bytes = std::vector<std::uint8_t>;
using Catch::Matchers::Contains;

using dl::testing::TempDir;

namespace {

constexpr std::size_t kH = 5, kW = 7, kTrain = 30, kTest = 9;


// An unsigned-byte IDX file, gzip'd when the name ends in .gz.
void write_idx(const fs::path& file, const std::vector<std::uint32_t>& dims, const Bytes& values) {
    Bytes b = {0, 0, 0x08, static_cast<std::uint8_t>(dims.size())};
    for (const std::uint32_t d : dims)
        for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(d >> shift));
    b.insert(b.end(), values.begin(), values.end());
    if (file.extension() == ".gz") {
        gzFile f = gzopen(file.string().c_str(), "wb");
        REQUIRE(f != nullptr);
        REQUIRE(gzwrite(f, b.data(), static_cast<unsigned>(b.size())) == static_cast<int>(b.size()));
        REQUIRE(gzclose(f) == Z_OK);
    } else {
        std::ofstream out(file, std::ios::binary);
        out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
        REQUIRE(out.good());
    }
}

// Pixel p of image i: byte 0 is i itself (so an example can be traced back to its row in the
// file), the rest cover 0..255 with both ends present.
std::uint8_t pixel(std::size_t i, std::size_t p) {
    if (p == 0) return static_cast<std::uint8_t>(i);
    if (p == 1) return 255;
    return static_cast<std::uint8_t>((i * 31 + p * 17) % 256);
}

Bytes images(std::size_t n) {
    Bytes v(n * kH * kW);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t p = 0; p < kH * kW; ++p) v[i * kH * kW + p] = pixel(i, p);
    return v;
}

Bytes labels_mod3(std::size_t n) {
    Bytes v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i % 3);
    return v;
}

// The tiny dataset in `dir` (train images gzip'd, the rest plain, to exercise both).
void write_tiny(const fs::path& dir, const Bytes& train_labels = labels_mod3(kTrain),
                const Bytes& test_labels = labels_mod3(kTest)) {
    fs::create_directories(dir);
    const auto n_train = static_cast<std::uint32_t>(kTrain), n_test = static_cast<std::uint32_t>(kTest);
    write_idx(dir / "train-images-idx3-ubyte.gz", {n_train, kH, kW}, images(kTrain));
    write_idx(dir / "train-labels-idx1-ubyte", {static_cast<std::uint32_t>(train_labels.size())}, train_labels);
    write_idx(dir / "t10k-images-idx3-ubyte", {n_test, kH, kW}, images(kTest));
    write_idx(dir / "t10k-labels-idx1-ubyte.gz", {static_cast<std::uint32_t>(test_labels.size())}, test_labels);
}

// Each example of d is row `source[k]` of the file: pixels / 255 and label i % 3. Returns the rows.
std::vector<std::size_t> check_examples(const Dataset& d) {
    std::vector<std::size_t> rows;
    for (std::size_t k = 0; k < d.size(); ++k) {
        const auto row = d.x.row(k);
        const auto i = static_cast<std::size_t>(std::lround(row[0] * 255.0f));
        for (std::size_t p = 0; p < kH * kW; ++p)
            REQUIRE(row[p] == static_cast<float>(pixel(i, p)) / 255.0f);
        REQUIRE(d.labels[k] == static_cast<int>(i % 3));
        rows.push_back(i);
    }
    return rows;
}

std::string load_error(const ImageLoadOptions& options) {
    try {
        load_image_dataset(options);
    } catch (const dl::DataError& e) {
        return e.what();
    }
    FAIL("load_image_dataset did not throw DataError");
    return {};
}

}  // namespace

TEST_CASE("load_image_dataset loads a tiny 3-class set as normalised images", "[common][infra]") {
    const TempDir tmp;
    const fs::path dir = tmp.path / "tiny";
    write_tiny(dir);
    ImageLoadOptions opt;
    opt.data_dir = dir.string();
    opt.validation_fraction = 0.2;
    const ImageSplits s = load_image_dataset(opt);

    REQUIRE(s.train.x.shape() == dl::Shape{24, 1, kH, kW});
    REQUIRE(s.validation.x.shape() == dl::Shape{6, 1, kH, kW});
    REQUIRE(s.test.x.shape() == dl::Shape{kTest, 1, kH, kW});
    for (const Dataset* d : {&s.train, &s.validation, &s.test}) {
        REQUIRE(d->num_classes == 3);
        REQUIRE(d->class_names == std::vector<std::string>{"0", "1", "2"});
        REQUIRE(d->labels.size() == d->x.dim(0));
        REQUIRE(*std::min_element(d->x.begin(), d->x.end()) >= 0.0f);
        REQUIRE(*std::max_element(d->x.begin(), d->x.end()) == 1.0f);
    }
    REQUIRE(s.train.name == "tiny/train");
    REQUIRE(s.validation.name == "tiny/validation");
    REQUIRE(s.test.name == "tiny/test");

    // Train and validation together are every training row once; test keeps the file order.
    std::vector<std::size_t> rows = check_examples(s.train);
    const std::vector<std::size_t> val_rows = check_examples(s.validation);
    rows.insert(rows.end(), val_rows.begin(), val_rows.end());
    std::sort(rows.begin(), rows.end());
    for (std::size_t i = 0; i < kTrain; ++i) REQUIRE(rows[i] == i);
    const std::vector<std::size_t> test_rows = check_examples(s.test);
    for (std::size_t i = 0; i < kTest; ++i) REQUIRE(test_rows[i] == i);
}

TEST_CASE("load_image_dataset splits the same way for the same seed only", "[common][infra]") {
    const TempDir tmp;
    write_tiny(tmp.path);
    ImageLoadOptions opt;
    opt.data_dir = tmp.path.string();
    opt.validation_fraction = 0.2;
    const ImageSplits a = load_image_dataset(opt);
    const ImageSplits b = load_image_dataset(opt);
    REQUIRE(check_examples(a.train) == check_examples(b.train));
    REQUIRE(check_examples(a.validation) == check_examples(b.validation));
    opt.seed = 7;
    const ImageSplits c = load_image_dataset(opt);
    REQUIRE(check_examples(a.train) != check_examples(c.train));
}

TEST_CASE("load_image_dataset caps train and validation together and test from the front", "[common][infra]") {
    const TempDir tmp;
    write_tiny(tmp.path);
    ImageLoadOptions opt;
    opt.data_dir = tmp.path.string();
    opt.validation_fraction = 0.2;   // 24 train, 6 validation: validation is a quarter of train
    opt.max_train = 10;
    opt.max_test = 4;
    const ImageSplits s = load_image_dataset(opt);
    REQUIRE(s.train.size() == 10);
    REQUIRE(s.validation.size() == 3);   // round(10 / 4)
    REQUIRE(s.test.size() == 4);
    REQUIRE(check_examples(s.test) == std::vector<std::size_t>{0, 1, 2, 3});

    opt.validation_fraction = 0.0;
    const ImageSplits none = load_image_dataset(opt);
    REQUIRE(none.validation.size() == 0);
    REQUIRE(none.train.size() == 10);
}

TEST_CASE("find_image_dataset accepts a parent holding fashion-mnist and DLFS_DATA", "[common][infra]") {
    const TempDir tmp;
    write_tiny(tmp.path / "fashion-mnist");
    ImageLoadOptions opt;
    opt.data_dir = tmp.path.string();
    REQUIRE(find_image_dataset(opt.data_dir).filename() == "fashion-mnist");
    REQUIRE(load_image_dataset(opt).train.name == "fashion-mnist/train");

    const char* old = std::getenv("DLFS_DATA");
    const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
    ::setenv("DLFS_DATA", tmp.path.string().c_str(), 1);
    const fs::path found = find_image_dataset("");
    if (saved)
        ::setenv("DLFS_DATA", saved->c_str(), 1);
    else
        ::unsetenv("DLFS_DATA");
    REQUIRE(found == fs::absolute(tmp.path / "fashion-mnist"));
}

TEST_CASE("find_image_dataset names the directory and the four files when they are missing", "[common][infra]") {
    const TempDir tmp;
    fs::create_directories(tmp.path / "nothing");
    ImageLoadOptions opt;
    opt.data_dir = (tmp.path / "nothing").string();
    REQUIRE_THAT(load_error(opt), Contains(opt.data_dir) && Contains("train-images-idx3-ubyte") &&
                                      Contains("train-labels-idx1-ubyte") && Contains("t10k-images-idx3-ubyte") &&
                                      Contains("t10k-labels-idx1-ubyte"));
}

TEST_CASE("load_image_dataset rejects a class missing from the training labels", "[common][infra]") {
    const TempDir tmp;
    Bytes train_labels = labels_mod3(kTrain);
    for (auto& y : train_labels)
        if (y == 1) y = 2;   // classes 0 and 2 only: class 1 has no example
    write_tiny(tmp.path, train_labels, Bytes(kTest, 0));
    ImageLoadOptions opt;
    opt.data_dir = tmp.path.string();
    REQUIRE_THAT(load_error(opt), Contains("train-labels-idx1-ubyte") && Contains("class 1 has no example"));
}

TEST_CASE("load_image_dataset rejects a test label with no class and names it", "[common][infra]") {
    const TempDir tmp;
    Bytes test_labels = labels_mod3(kTest);
    test_labels[4] = 5;
    write_tiny(tmp.path, labels_mod3(kTrain), test_labels);
    ImageLoadOptions opt;
    opt.data_dir = tmp.path.string();
    REQUIRE_THAT(load_error(opt), Contains("t10k-labels-idx1-ubyte.gz") && Contains("label 5 at index 4") &&
                                      Contains("0 to 2"));
}

TEST_CASE("load_image_dataset rejects image and label counts that differ", "[common][infra]") {
    const TempDir tmp;
    write_tiny(tmp.path, labels_mod3(kTrain - 1));
    ImageLoadOptions opt;
    opt.data_dir = tmp.path.string();
    REQUIRE_THAT(load_error(opt), Contains("train-images-idx3-ubyte.gz holds 30 images") &&
                                      Contains("train-labels-idx1-ubyte holds 29 labels"));
}

TEST_CASE("load_image_dataset reads the installed Fashion-MNIST with 10 balanced classes", "[common][infra]") {
    const fs::path dir = "/usr/share/datasets/fashion-mnist";
    if (!fs::exists(dir / "train-labels-idx1-ubyte.gz") && !fs::exists(dir / "train-labels-idx1-ubyte")) {
        WARN("[SKIPPED] Fashion-MNIST is not installed in " << dir.string() << " (package dataset-fashion-mnist)");
        return;
    }
    ImageLoadOptions opt;
    opt.data_dir = dir.string();
    const ImageSplits s = load_image_dataset(opt);
    REQUIRE(s.train.size() + s.validation.size() == 60000);
    REQUIRE(s.validation.size() == 5000);
    REQUIRE(s.test.size() == 10000);
    REQUIRE(s.train.x.shape() == dl::Shape{55000, 1, 28, 28});
    REQUIRE(s.train.num_classes == 10);
    REQUIRE(s.train.class_names == fashion_mnist_class_names());
    REQUIRE(s.train.name == "fashion-mnist/train");
    REQUIRE(*std::max_element(s.test.x.begin(), s.test.x.end()) <= 1.0f);

    // 6,000 of each class in the full training file.
    const fs::path found = find_image_dataset(opt.data_dir);
    const fs::path plain = found / "train-labels-idx1-ubyte";
    const IdxArray labels = read_idx(fs::exists(plain) ? plain : found / "train-labels-idx1-ubyte.gz");
    std::vector<std::size_t> per_class(10, 0);
    for (const std::uint8_t y : labels.values) ++per_class.at(y);
    REQUIRE(per_class == std::vector<std::size_t>(10, 6000));
}
