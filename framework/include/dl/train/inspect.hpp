#pragma once
// Looking inside a trained classifier: its parameters exported for NumPy (--export-npy DIR), and
// one test image shown in the terminal with the model's prediction (--predict INDEX).

#include "dl/data/dataset.hpp"
#include "dl/nn/sequential.hpp"
#include "dl/train/cli.hpp"

#include <filesystem>
#include <string>

namespace dl::train {

// One .npy file per parameter, named <layer>_<kind>_<name>.npy ("01_conv2d_W.npy"), in `dir`.
// Returns how many were written.
std::size_t export_parameters_npy(nn::Sequential& model, const std::filesystem::path& dir);

// Example `index` of `data` drawn in characters (darker pixels, denser characters; an image is
// scaled to its own range), its true class, and the model's three most probable classes.
// Throws UsageError when the index is outside the dataset.
std::string prediction_report(nn::Sequential& model, const data::Dataset& data, long long index);

// A classifier chapter's options for these: --export-npy DIR and --predict INDEX (added to its own
// options), and what they do once the model is trained or resumed (prints, writes the files).
void add_inspect_options(train::Cli& cli);
// Before training: refuses a --predict index outside the test set (UsageError), so that a mistyped
// index does not cost a whole run.
void check_inspect_options(const train::Cli& cli, const data::Dataset& test);
void run_inspect_options(const train::Cli& cli, nn::Sequential& model, const data::Dataset& test);

}  // namespace dl::train
