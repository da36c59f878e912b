// Early stopping on scripted validation curves: when it stops, which epoch is best, ties and NaN.
#include "dl/ops/early_stopping.hpp"
#include "dl/testing/checks.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

using namespace dl;

namespace {
// Feeds the losses of epochs 1, 2, ... and returns the epoch at which update said stop (0: never).
int stop_epoch(EarlyStoppingState& state, const std::vector<double>& losses) {
    for (std::size_t i = 0; i < losses.size(); ++i) {
        const int epoch = static_cast<int>(i) + 1;
        if (early_stopping_update(state, epoch, losses[i])) return epoch;
    }
    return 0;
}
}  // namespace

TEST_CASE("ch04.early_stopping_update stops after patience epochs without improvement", "[ch04][exercise]") {
    // Patience 3: epoch 4 (0.7) is the last improvement; 5, 6 and 7 are not, so it stops after epoch 7.
    const std::vector<double> losses{1.0, 0.8, 0.85, 0.7, 0.75, 0.76, 0.77};
    const std::vector<int> best_epoch{1, 2, 2, 4, 4, 4, 4};
    const std::vector<int> count{0, 0, 1, 0, 1, 2, 3};
    EarlyStoppingState state;
    state.patience = 3;
    for (std::size_t i = 0; i < losses.size(); ++i) {
        const int epoch = static_cast<int>(i) + 1;
        CAPTURE(epoch, losses[i]);
        const bool stop = early_stopping_update(state, epoch, losses[i]);
        if (epoch == 7 && !stop && state.epochs_without_improvement == 3)
            FAIL("epoch 7 is the third without improvement (patience 3), but the update did not stop; likely "
                 "mistake: stopping when the count exceeds the patience instead of when it reaches it");
        if (epoch < 7 && stop)
            FAIL("stopped after epoch " << epoch << ", " << state.epochs_without_improvement
                                        << " epoch(s) without improvement, before the patience of 3 ran out");
        REQUIRE(stop == (epoch == 7));
        REQUIRE(state.best_epoch == best_epoch[i]);
        REQUIRE(state.epochs_without_improvement == count[i]);
    }
    REQUIRE(state.best_loss == 0.7);
}

TEST_CASE("ch04.early_stopping_update does not count an equal loss as an improvement", "[ch04][exercise]") {
    EarlyStoppingState state;
    state.patience = 2;
    REQUIRE(stop_epoch(state, {1.0, 1.0, 1.0, 1.0}) == 3);
    REQUIRE(state.best_epoch == 1);   // the first of the equal epochs stays the best
    REQUIRE(state.best_loss == 1.0);
}

TEST_CASE("ch04.early_stopping_update never lets a NaN loss improve", "[ch04][exercise]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    // A NaN first epoch: no best yet, and the count still grows.
    EarlyStoppingState fresh;
    fresh.patience = 5;
    REQUIRE_FALSE(early_stopping_update(fresh, 1, nan));
    REQUIRE(fresh.best_epoch == 0);
    REQUIRE(fresh.epochs_without_improvement == 1);
    REQUIRE(std::isinf(fresh.best_loss));
    // NaN after a finite best: counted against the patience; a later real improvement resets it.
    EarlyStoppingState state;
    state.patience = 5;
    REQUIRE(stop_epoch(state, {1.0, nan, nan}) == 0);
    REQUIRE(state.best_epoch == 1);
    REQUIRE(state.best_loss == 1.0);
    REQUIRE(state.epochs_without_improvement == 2);
    REQUIRE_FALSE(early_stopping_update(state, 4, 0.5));
    REQUIRE(state.best_epoch == 4);
    REQUIRE(state.epochs_without_improvement == 0);
    // Patience 2 and a run that diverges: it stops two epochs into the NaNs.
    EarlyStoppingState diverged;
    diverged.patience = 2;
    REQUIRE(stop_epoch(diverged, {2.0, 1.5, nan, nan, nan}) == 4);
    REQUIRE(diverged.best_epoch == 2);
}

TEST_CASE("ch04.early_stopping_update with patience 1 stops at the first epoch without improvement",
          "[ch04][exercise]") {
    EarlyStoppingState state;
    state.patience = 1;
    REQUIRE(stop_epoch(state, {3.0, 2.0, 1.0, 1.5, 0.5}) == 4);
    REQUIRE(state.best_epoch == 3);
    REQUIRE(state.best_loss == 1.0);
}

TEST_CASE("ch04.early_stopping_update rejects a patience below 1", "[ch04][exercise]") {
    for (const int patience : {0, -1}) {
        CAPTURE(patience);
        EarlyStoppingState state;
        state.patience = patience;
        REQUIRE(testing::throws_error([&] { early_stopping_update(state, 1, 1.0); }));
    }
}
