// The optimizer classes around the update rules: state per parameter, reset, save and load, and the
// learning-rate schedule inside the training loop.
#include "dl/data/synthetic.hpp"
#include "dl/nn/loss.hpp"
#include "dl/nn/models.hpp"
#include "dl/ops/schedules.hpp"
#include "dl/optim/optimizer.hpp"
#include "dl/testing/checks.hpp"
#include "dl/train/trainer.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace dl;

namespace {

// Two parameters of different shapes, with fixed gradients that change from step to step.
struct TwoParameters {
    nn::Parameter w{"w", Tensor::from({2, 2}, {0.5f, -1.0f, 2.0f, 0.0f})};
    nn::Parameter b{"b", Tensor::from({3}, {1.0f, -0.25f, 0.75f})};
    std::vector<nn::Parameter*> list() { return {&w, &b}; }
    void set_gradients(int step) {
        for (std::size_t i = 0; i < w.grad.size(); ++i) w.grad[i] = 0.1f * static_cast<float>(i + 1) - 0.05f * static_cast<float>(step);
        for (std::size_t i = 0; i < b.grad.size(); ++i) b.grad[i] = -0.2f * static_cast<float>(i) + 0.3f;
    }
};

std::vector<float> values(TwoParameters& p) {
    std::vector<float> v(p.w.value.begin(), p.w.value.end());
    v.insert(v.end(), p.b.value.begin(), p.b.value.end());
    return v;
}

// Runs `steps` steps from step number `first` (the gradients depend on it).
void run(optim::Optimizer& opt, TwoParameters& p, int first, int steps) {
    for (int s = first; s < first + steps; ++s) {
        p.set_gradients(s);
        opt.step(p.list());
    }
}

}  // namespace

TEST_CASE("ch03.adam_step optim::Adam keeps m and v per parameter, and reset() starts over", "[ch03][exercise]") {
    optim::Adam adam(0.1, 0.9, 0.999, 1e-8);
    TwoParameters a;
    run(adam, a, 0, 3);
    const optim::OptimizerState state = adam.state();
    REQUIRE(state.steps == 3);
    REQUIRE(state.per_parameter.size() == 2);
    REQUIRE(state.per_parameter[0].size() == 2);                         // m and v
    REQUIRE(state.per_parameter[1][1].shape() == a.b.value.shape());     // shaped like the parameter
    REQUIRE(state.per_parameter[1][1][0] > 0.0f);                        // v holds squared gradients

    // After reset() the same three steps from the same start give the same values: nothing was left over.
    adam.reset();
    REQUIRE(adam.steps() == 0);
    TwoParameters again;
    run(adam, again, 0, 3);
    REQUIRE(values(again) == values(a));
}

TEST_CASE("ch03.adam_step optim::Adam's state saved and loaded continues the run exactly", "[ch03][exercise]") {
    optim::Adam whole(0.05, 0.9, 0.999, 1e-8);
    TwoParameters straight;
    run(whole, straight, 0, 5);

    optim::Adam first(0.05, 0.9, 0.999, 1e-8);
    TwoParameters resumed;
    run(first, resumed, 0, 3);
    optim::Adam second(0.05, 0.9, 0.999, 1e-8);   // a new process, say, after a checkpoint
    second.load_state(first.state());
    run(second, resumed, 3, 2);
    REQUIRE(values(resumed) == values(straight));   // bit for bit: the bias correction's t came along too
}

TEST_CASE("ch03.momentum_step optim::Momentum refuses another optimizer's state, or state for other parameters",
          "[ch03][exercise]") {
    optim::Momentum momentum(0.1, 0.9);
    TwoParameters p;
    run(momentum, p, 0, 1);
    optim::Adam adam(0.1, 0.9, 0.999, 1e-8);
    REQUIRE(testing::throws_error([&] { adam.load_state(momentum.state()); }));
    // The same optimizer stepping a different list of parameters is a mistake it must name.
    nn::Parameter lone("lone", Tensor::from({1}, {1.0f}));
    REQUIRE(testing::throws_error([&] { momentum.step({&lone}); }));
}

TEST_CASE("ch03.cosine_annealing fit() follows --lr-schedule cosine, step by step", "[ch03][exercise]") {
    Rng rng(3);
    const data::Dataset train = data::make_blobs(64, rng), valid = data::make_blobs(32, rng);
    nn::Sequential model = nn::mlp({2}, {4}, 2, nn::Activation::tanh, rng);
    nn::SoftmaxCrossEntropy loss;
    optim::GradientDescent sgd(0.2);
    const optim::ScheduleOptions cosine{.kind = "cosine", .min_lr = 0.02};
    // 64 examples in batches of 16: 4 steps an epoch, 12 in all; the rate of an epoch's last step is kept.
    const auto history = train::fit(model, loss, sgd, train, valid,
                                    {.epochs = 3, .batch_size = 16, .progress = false, .schedule = cosine}, rng);
    for (const auto& m : history) {
        const long last_step = 4L * m.epoch - 1;
        CAPTURE(m.epoch);
        REQUIRE(m.lr == Approx(cosine_annealing(0.2, 0.02, last_step, 12)).epsilon(1e-12));
    }
    REQUIRE(history.back().lr < history.front().lr);
    REQUIRE(sgd.lr() == 0.2);   // fit() gives the optimizer its base rate back
}

TEST_CASE("ch03.linear_warmup fit() warms up over --warmup-steps", "[ch03][exercise]") {
    Rng rng(4);
    const data::Dataset train = data::make_blobs(64, rng), valid = data::make_blobs(32, rng);
    nn::Sequential model = nn::mlp({2}, {4}, 2, nn::Activation::tanh, rng);
    nn::SoftmaxCrossEntropy loss;
    optim::GradientDescent sgd(0.1);
    const auto history = train::fit(model, loss, sgd, train, valid,
                                    {.epochs = 3, .batch_size = 16, .progress = false,
                                     .schedule = {.warmup_steps = 6}}, rng);
    REQUIRE(history[0].lr == Approx(0.1 * 4.0 / 6.0));   // step 3 of 6
    REQUIRE(history[1].lr == Approx(0.1));               // step 7: warmed up
    REQUIRE(history[2].lr == Approx(0.1));
}

TEST_CASE("optimizer states are refused when they are another optimizer's", "[ch03][infra]") {
    optim::GradientDescent sgd(0.1);
    optim::OptimizerState adams{"adam", 3, {}};
    REQUIRE_THROWS_WITH(sgd.load_state(adams), Catch::Contains("adam") && Catch::Contains("sgd"));
    optim::OptimizerState negative{"sgd", -1, {}};
    REQUIRE_THROWS_AS(sgd.load_state(negative), Error);
}
