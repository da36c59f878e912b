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

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace dl::testing {

struct CurveComparison {
    bool matches = false;
    std::string detail;   // what was compared, or the first epoch that is off and by how much
};

// Relative tolerances of the losses, absolute one of the validation accuracy.
struct CurveTolerance {
    double train_loss = 0.01, val_loss = 0.01, val_acc = 0.01;
};

// Compares `history` with chapters/<chapter>/<file> (or, with DLFS_WRITE_REFERENCE_CURVE set,
// writes it and reports a match).
inline CurveComparison compare_reference_curve(const std::string& chapter,
                                               const std::vector<train::EpochMetrics>& history,
                                               const CurveTolerance& tolerance = {},
                                               const std::string& file = "reference_curve.csv") {
    const std::string path = std::string(DLFS_SOURCE_DIR) + "/chapters/" + chapter + "/" + file;
    if (std::getenv("DLFS_WRITE_REFERENCE_CURVE")) {
        std::ofstream out(path);
        out << "epoch,train_loss,val_loss,val_acc\n";
        out.precision(9);
        for (const auto& m : history) out << m.epoch << ',' << m.train_loss << ',' << m.val_loss << ',' << m.val_acc << '\n';
        return {true, "wrote " + path};
    }
    std::ifstream in(path);
    if (!in) return {false, "cannot read " + path};
    std::string line;
    std::getline(in, line);   // header
    const auto within = [](double got, double want, double rel) {   // as Catch's WithinRel(want, rel)
        return std::abs(got - want) <= rel * std::max(std::abs(got), std::abs(want));
    };
    for (const auto& m : history) {
        if (!std::getline(in, line)) return {false, path + " has no row for epoch " + std::to_string(m.epoch)};
        std::istringstream row(line);
        double epoch = 0, train_loss = 0, val_loss = 0, val_acc = 0;
        char comma = 0;
        row >> epoch >> comma >> train_loss >> comma >> val_loss >> comma >> val_acc;
        std::ostringstream detail;
        detail.precision(6);
        detail << "epoch " << m.epoch << ": train_loss " << m.train_loss << " (reference " << train_loss << "), val_loss "
               << m.val_loss << " (reference " << val_loss << "), val_acc " << m.val_acc << " (reference " << val_acc
               << "); tolerance " << 100 * tolerance.train_loss << "% of the training loss, " << 100 * tolerance.val_loss
               << "% of the validation loss, " << tolerance.val_acc << " of the accuracy; " << path;
        if (m.epoch != static_cast<int>(epoch) || !within(m.train_loss, train_loss, tolerance.train_loss) ||
            !within(m.val_loss, val_loss, tolerance.val_loss) || std::abs(m.val_acc - val_acc) > tolerance.val_acc)
            return {false, detail.str()};
    }
    return {true, "the first " + std::to_string(history.size()) + " epochs follow " + path};
}

}  // namespace dl::testing
