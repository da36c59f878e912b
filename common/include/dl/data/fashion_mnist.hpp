#pragma once
// Fashion-MNIST (or any IDX image-classification dataset laid out the same way).
//
// A dataset directory holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
// and t10k-labels-idx1-ubyte, each optionally ending in .gz (the plain file is preferred when both
// exist). It is looked for in the first of these that is set: the --data option, the DLFS_DATA
// environment variable (either may name the directory itself or a parent holding fashion-mnist/),
// else /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist). A directory given
// explicitly that lacks the files is an error naming it and the files; when the Debian location
// lacks them, the error says which package to install.
//
// Dataset names are "<dir>/train", "<dir>/validation" and "<dir>/test", <dir> being the dataset
// directory's name (usually fashion-mnist).

#include "dl/data/dataset.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace dl::data {

struct ImageSplits {
    Dataset train;        // the training part, minus the validation examples
    Dataset validation;   // held out from the training files (the last val_fraction, after a shuffle)
    Dataset test;         // the t10k files
};

// The training files are shuffled with Rng(seed); the last round(validation_fraction * N) of that
// order (at least 1 when the fraction is > 0) are the validation set, the rest the training set.
// The caps apply after that split: max_train keeps the first max_train training examples and
// shrinks validation to the same proportion of it as before (round(max_train * n_val / n_train),
// at least 1), so --quick runs stay fast; max_test keeps the first max_test test examples in file
// order. The same seed and options give the same splits.
struct ImageLoadOptions {
    std::string data_dir;            // the --data option ("" = DLFS_DATA or the Debian location)
    double validation_fraction = 1.0 / 12.0;  // in [0, 1): 5,000 of Fashion-MNIST's 60,000
    std::size_t max_train = 0;       // keep at most this many training examples (0 = all; --quick)
    std::size_t max_test = 0;        // keep at most this many test examples (0 = all)
    std::uint64_t seed = 42;         // shuffles the training set before the validation split
};

// Finds the dataset directory (see above) or throws DataError naming the package to install.
std::filesystem::path find_image_dataset(const std::string& data_dir);

// Loads train/validation/test as [N, 1, H, W] floats in [0, 1] (pixel / 255), labels 0..K-1.
// Class names are fashion_mnist_class_names() when K = 10, else "0" .. "K-1".
// Image count must match label count; every label must be a class seen in the training set, and
// every class 0..K-1 (K = max label + 1) must occur in it, else DataError naming the label and file.
ImageSplits load_image_dataset(const ImageLoadOptions& options);

// Standardises all three sets with the training set's mean and deviation (the validation or test
// set's own statistics would leak information about them into training). Returns those statistics.
Standardization standardize(ImageSplits& splits);

// The ten Fashion-MNIST class names, used when the dataset has ten classes.
const std::vector<std::string>& fashion_mnist_class_names();

}  // namespace dl::data
