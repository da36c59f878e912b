// The optimizer around the update rules: the registry, state per parameter, reset, save and load,
// and the learning-rate schedule inside the training loop.
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

// Runs `steps` steps at rate lr from step number `first` (the gradients depend on it).
void run(optim::Optimizer& opt, TwoParameters& p, int first, int steps, double lr) {
    for (int s = first; s < first + steps; ++s) {
        p.set_gradients(s);
        opt.step(p.list(), lr);
    }
}

}  // namespace

TEST_CASE("ch03.adam_step Adam keeps m and v per parameter, and reset() starts over", "[ch03][exercise]") {
    optim::Optimizer adam({.name = "adam"});
    TwoParameters a;
    run(adam, a, 0, 3, 0.1);
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
    run(adam, again, 0, 3, 0.1);
    REQUIRE(values(again) == values(a));
}

TEST_CASE("ch03.adam_step Adam's state saved and loaded continues the run exactly", "[ch03][exercise]") {
    optim::Optimizer whole({.name = "adam"});
    TwoParameters straight;
    run(whole, straight, 0, 5, 0.05);

    optim::Optimizer first({.name = "adam"});
    TwoParameters resumed;
    run(first, resumed, 0, 3, 0.05);
    optim::Optimizer second({.name = "adam"});   // a new process, say, after a checkpoint
    second.load_state(first.state());
    run(second, resumed, 3, 2, 0.05);
    REQUIRE(values(resumed) == values(straight));   // bit for bit: the bias correction's t came along too
}

TEST_CASE("ch03.momentum_step momentum refuses another optimizer's state, or state for other parameters",
          "[ch03][exercise]") {
    optim::Optimizer momentum({.name = "momentum"});
    TwoParameters p;
    run(momentum, p, 0, 1, 0.1);
    optim::Optimizer adam({.name = "adam"});
    REQUIRE(testing::throws_error([&] { adam.load_state(momentum.state()); }));
    // The same optimizer stepping a different list of parameters is a mistake it must name.
    nn::Parameter lone("lone", Tensor::from({1}, {1.0f}));
    REQUIRE(testing::throws_error([&] { momentum.step({&lone}, 0.1); }));
}

TEST_CASE("ch03.cosine_annealing fit() follows --lr-schedule cosine, step by step", "[ch03][exercise]") {
    Rng rng(3);
    const data::Dataset train = data::make_blobs(64, rng), valid = data::make_blobs(32, rng);
    nn::Sequential model = nn::mlp({2}, {4}, 2, nn::Activation::tanh, rng);
    nn::SoftmaxCrossEntropy loss;
    optim::Optimizer sgd({.name = "sgd"});
    const optim::ScheduleOptions cosine{.kind = "cosine", .min_lr = 0.02};
    // 64 examples in batches of 16: 4 steps an epoch, 12 in all; the rate of an epoch's last step is kept.
    const auto history = train::fit(model, loss, sgd, train, valid,
                                    {.epochs = 3, .batch_size = 16, .lr = 0.2, .progress = false, .schedule = cosine}, rng);
    for (const auto& m : history) {
        const long last_step = 4L * m.epoch - 1;
        CAPTURE(m.epoch);
        REQUIRE(m.lr == Approx(cosine_annealing(0.2, 0.02, last_step, 12)).epsilon(1e-12));
    }
    REQUIRE(history.back().lr < history.front().lr);
}

TEST_CASE("ch03.linear_warmup fit() warms up over --warmup-steps", "[ch03][exercise]") {
    Rng rng(4);
    const data::Dataset train = data::make_blobs(64, rng), valid = data::make_blobs(32, rng);
    nn::Sequential model = nn::mlp({2}, {4}, 2, nn::Activation::tanh, rng);
    nn::SoftmaxCrossEntropy loss;
    optim::Optimizer sgd({.name = "sgd"});
    const auto history = train::fit(model, loss, sgd, train, valid,
                                    {.epochs = 3, .batch_size = 16, .lr = 0.1, .progress = false,
                                     .schedule = {.warmup_steps = 6}}, rng);
    REQUIRE(history[0].lr == Approx(0.1 * 4.0 / 6.0));   // step 3 of 6
    REQUIRE(history[1].lr == Approx(0.1));               // step 7: warmed up
    REQUIRE(history[2].lr == Approx(0.1));
}

TEST_CASE("optimizer states are refused when they are another optimizer's", "[ch03][infra]") {
    optim::Optimizer sgd({.name = "sgd"});
    optim::OptimizerState adams{"adam", 3, {}};
    REQUIRE_THROWS_WITH(sgd.load_state(adams), Catch::Contains("adam") && Catch::Contains("sgd"));
    optim::OptimizerState negative{"sgd", -1, {}};
    REQUIRE_THROWS_AS(sgd.load_state(negative), Error);
}

TEST_CASE("every optimizer in the registry is whole: a unique name, a rule, defaults, and --optimizer takes it",
          "[ch03][infra]") {
    const auto& rows = optim::optimizer_registry();
    REQUIRE(rows.size() >= 8);
    const std::string choices = optim::optimizer_choices();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const optim::OptimizerRow& row = rows[i];
        CAPTURE(row.name);
        REQUIRE(!row.name.empty());
        for (std::size_t j = 0; j < i; ++j) REQUIRE(rows[j].name != row.name);
        REQUIRE(row.update != nullptr);
        REQUIRE(row.default_eps > 0);
        REQUIRE(row.usual_lr > 0);
        REQUIRE(&optim::find_optimizer(row.name) == &row);
        REQUIRE(optim::make_optimizer({.name = row.name})->name() == row.name);
        REQUIRE(("|" + choices + "|").find("|" + row.name + "|") != std::string::npos);
    }
    REQUIRE_THROWS_WITH(optim::check_optimizer_name("adamm"),
                        Catch::Contains("--optimizer") && Catch::Contains("adamm") && Catch::Contains(choices));
}

TEST_CASE("ch03.adamw_step every optimizer in the registry steps, and changes each state tensor it declares",
          "[ch03][exercise]") {
    // A row that declares a state tensor its rule never writes (or a rule that reads one more than
    // the row declares, which AddressSanitizer reports) is a half-registered optimizer.
    for (const optim::OptimizerRow& row : optim::optimizer_registry()) {
        CAPTURE(row.name);
        optim::Optimizer opt({.name = row.name});
        TwoParameters p;
        const std::vector<float> before = values(p);
        run(opt, p, 0, 2, row.usual_lr);
        const std::vector<float> after = values(p);
        REQUIRE(after != before);
        for (const float v : after) REQUIRE(std::isfinite(v));
        const optim::OptimizerState state = opt.state();
        REQUIRE(state.steps == 2);
        REQUIRE(state.per_parameter.size() == 2);
        for (std::size_t i = 0; i < 2; ++i) {
            REQUIRE(state.per_parameter[i].size() == row.state_tensors);
            for (const Tensor& t : state.per_parameter[i]) {
                REQUIRE(t.shape() == p.list()[i]->value.shape());
                bool changed = false;
                for (const float v : t) changed = changed || v != 0.0f;
                REQUIRE(changed);
            }
        }
    }
}
