#pragma once
// Reference curves: the first epochs of a chapter's model, trained with a fixed seed by the
// reference solution, kept in chapters/<chapter>/reference_curve.csv. A learner whose code follows
// the curve within the tolerance trains the same model, step for step.
//
// To regenerate a curve (after a deliberate change to the reference), run the test once with
// DLFS_WRITE_REFERENCE_CURVE=1 in the environment.
//
// Tolerance: float sums taken in another order (another compiler, -march, or a correct but
// differently ordered loop) move the losses by far less than 1%; a wrong gradient, a wrong step or
// a wrong shuffle moves them by more. Accuracies may differ by one or two examples: 1 point.

#include "dl/train/trainer.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace dl::testing {

inline void check_reference_curve(const std::string& chapter, const std::vector<train::EpochMetrics>& history) {
    const std::string path = std::string(DLFS_SOURCE_DIR) + "/chapters/" + chapter + "/reference_curve.csv";
    if (std::getenv("DLFS_WRITE_REFERENCE_CURVE")) {
        std::ofstream out(path);
        out << "epoch,train_loss,val_loss,val_acc\n";
        out.precision(9);
        for (const auto& m : history) out << m.epoch << ',' << m.train_loss << ',' << m.val_loss << ',' << m.val_acc << '\n';
        WARN("wrote " << path);
        return;
    }
    std::ifstream in(path);
    INFO("reading " << path);
    REQUIRE(in.good());
    std::string line;
    std::getline(in, line);   // header
    for (const auto& m : history) {
        REQUIRE(std::getline(in, line));
        std::istringstream row(line);
        double epoch = 0, train_loss = 0, val_loss = 0, val_acc = 0;
        char comma = 0;
        row >> epoch >> comma >> train_loss >> comma >> val_loss >> comma >> val_acc;
        CAPTURE(m.epoch, m.train_loss, train_loss, m.val_loss, val_loss, m.val_acc, val_acc);
        REQUIRE(m.epoch == static_cast<int>(epoch));
        REQUIRE_THAT(m.train_loss, Catch::Matchers::WithinRel(train_loss, 0.01));
        REQUIRE_THAT(m.val_loss, Catch::Matchers::WithinRel(val_loss, 0.01));
        REQUIRE(std::abs(m.val_acc - val_acc) <= 0.01);
    }
}

}  // namespace dl::testing
