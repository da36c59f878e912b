// Chapter 4's pieces inside the layers, the optimizers and the training loop.
#include "dl/data/fashion_mnist.hpp"
#include "dl/data/synthetic.hpp"
#include "dl/nn/loss.hpp"
#include "dl/nn/models.hpp"
#include "dl/nn/regularization.hpp"
#include "dl/data/batches.hpp"
#include "dl/ops/batchnorm.hpp"
#include "dl/ops/clipping.hpp"
#include "dl/ops/l2.hpp"
#include "dl/ops/optimizers.hpp"
#include "dl/ops/schedules.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/threads.hpp"
#include "dl/optim/optimizer.hpp"
#include "dl/testing/reference_curve.hpp"
#include "dl/train/trainer.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace dl;

TEST_CASE("ch04.dropout_forward nn::Dropout is the identity in evaluation, and masks in training", "[ch04][exercise]") {
    nn::Dropout dropout(0.5, /*seed=*/5);
    const Tensor x({4, 50}, 1.0f);
    const Tensor& eval = dropout.forward(x, nn::Mode::eval);
    for (std::size_t i = 0; i < x.size(); ++i) REQUIRE(eval[i] == 1.0f);
    REQUIRE(dropout.backward(x)[0] == 1.0f);   // and so is its gradient
    const Tensor& train = dropout.forward(x, nn::Mode::train);
    std::size_t zeros = 0;
    for (std::size_t i = 0; i < train.size(); ++i) {
        REQUIRE((train[i] == 0.0f || train[i] == 2.0f));   // dropped, or kept and scaled by 1/(1 − p)
        zeros += train[i] == 0.0f ? 1 : 0;
    }
    REQUIRE(zeros > 50);    // about 100 of 200: far from none and from all
    REQUIRE(zeros < 150);
}

TEST_CASE("ch04.batchnorm_forward_eval nn::BatchNorm uses the batch in training and its running statistics in evaluation",
          "[ch04][exercise]") {
    nn::BatchNorm bn(2, /*momentum=*/1.0);   // momentum 1: the running statistics become the last batch's
    const Tensor x = Tensor::from({4, 2}, {1.f, 10.f, 3.f, 10.f, 5.f, 20.f, 7.f, 20.f});
    const Tensor y_train = bn.forward(x, nn::Mode::train);
    // Feature 0: mean 4, biased variance 5 -> x̂ = (x − 4)/sqrt(5 + ε); running variance is unbiased: 20/3.
    REQUIRE(y_train(0, 0) == Approx(-3.0 / std::sqrt(5.0 + 1e-5)).epsilon(1e-5));
    REQUIRE(bn.running_mean()[0] == Approx(4.0f));
    REQUIRE(bn.running_var()[0] == Approx(20.0f / 3.0f));
    const Tensor one = Tensor::from({1, 2}, {4.f, 15.f});
    const Tensor& y_eval = bn.forward(one, nn::Mode::eval);   // one example: only running statistics work
    REQUIRE(y_eval(0, 0) == Approx(0.0f).margin(1e-6));
    REQUIRE(y_eval(0, 1) == Approx(0.0f).margin(1e-6));
}

TEST_CASE("ch04.l2_backward --weight-decay with Adam adds λθ to the gradient, where AdamW decays the weights itself",
          "[ch04][exercise]") {
    auto step_once = [](const std::string& name, double lambda) {
        optim::OptimizerOptions o;
        o.name = name, o.weight_decay = lambda;
        auto opt = optim::make_optimizer(o);
        nn::Parameter p("w", Tensor::from({2}, {2.0f, -1.0f}));
        p.grad.fill(0.0f);   // no data gradient: only the weight decay acts
        opt->step({&p}, 0.1);
        return std::vector<float>{p.value[0], p.value[1]};
    };
    // Adam with the L2 gradient g = λθ: its first step is η·sign(g) = 0.1 against each weight's sign.
    const auto adam = step_once("adam", 0.01);
    REQUIRE(adam[0] == Approx(1.9f));
    REQUIRE(adam[1] == Approx(-0.9f));
    // AdamW: no gradient, so Adam's part does nothing and the decay is exactly ηλθ.
    const auto adamw = step_once("adamw", 0.01);
    REQUIRE(adamw[0] == Approx(2.0f * (1 - 0.1f * 0.01f)));
    REQUIRE(adamw[1] == Approx(-1.0f * (1 - 0.1f * 0.01f)));
}

TEST_CASE("ch04.early_stopping_update fit() stops after the patience runs out and keeps the best weights",
          "[ch04][exercise]") {
    // The validation set is the training set with every label swapped: the better the network
    // learns, the worse its validation loss, so it gets worse from some early epoch on.
    Rng rng(11);
    const data::Dataset train = data::make_blobs(64, rng);
    data::Dataset valid = train;
    for (int& label : valid.labels) label = 1 - label;
    nn::Sequential model = nn::mlp({2}, {16}, 2, nn::Activation::tanh, rng);
    nn::SoftmaxCrossEntropy loss;
    optim::Optimizer sgd({.name = "sgd"});
    std::vector<std::vector<float>> weights_after;   // every epoch's weights, to find the best one's
    std::vector<double> val_losses;
    const auto params = model.parameters();
    const auto history = train::fit(
        model, loss, sgd, train, valid,
        {.epochs = 60, .batch_size = 8, .lr = 0.5, .progress = false,
         .on_epoch =
             [&](const train::EpochMetrics& m) {
                 std::vector<float> w;
                 for (const auto* p : params) w.insert(w.end(), p->value.begin(), p->value.end());
                 weights_after.push_back(w);
                 val_losses.push_back(m.val_loss);
             },
         .early_stop_patience = 3},
        rng);
    std::size_t best = 0;
    for (std::size_t e = 1; e < val_losses.size(); ++e)
        if (val_losses[e] < val_losses[best]) best = e;
    CAPTURE(history.size(), best + 1);
    REQUIRE(history.size() < 60);              // it stopped early
    REQUIRE(history.size() == best + 1 + 3);   // three epochs after the best one
    std::vector<float> now;
    for (const auto* p : params) now.insert(now.end(), p->value.begin(), p->value.end());
    REQUIRE(now == weights_after[best]);       // and ended with that epoch's weights
}

TEST_CASE("ch04.clip_grad_norm fit() clips before every step", "[ch04][exercise]") {
    // With the global gradient norm clipped to 1e-3 and lr 1, no step can move the weights by more than 1e-3.
    Rng rng(12);
    const data::Dataset train = data::make_blobs(32, rng), valid = data::make_blobs(32, rng);
    nn::Sequential model = nn::mlp({2}, {8}, 2, nn::Activation::tanh, rng);
    nn::SoftmaxCrossEntropy loss;
    optim::Optimizer sgd({.name = "sgd"});
    const auto params = model.parameters();
    std::vector<float> before;
    for (const auto* p : params) before.insert(before.end(), p->value.begin(), p->value.end());
    train::fit(model, loss, sgd, train, valid, {.epochs = 1, .batch_size = 32, .lr = 1.0, .progress = false, .clip_norm = 1e-3}, rng);
    double moved2 = 0;
    std::size_t k = 0;
    for (const auto* p : params)
        for (const float v : p->value) moved2 += std::pow(static_cast<double>(v) - static_cast<double>(before[k++]), 2);
    REQUIRE(std::sqrt(moved2) <= 1e-3 * (1 + 1e-3));   // one step (one batch), of norm at most 1e-3 (float rounding aside)
    REQUIRE(std::sqrt(moved2) > 0.9e-3);               // and the gradient was larger: it was clipped to the bound
}

TEST_CASE("the fused batch-norm forward (given, for the benchmark) matches float64 and updates the running statistics",
          "[ch04][infra]") {
    Rng rng(13);
    const std::size_t N = 37, D = 5;
    TensorD X({N, D}), gamma({D}), beta({D});
    for (auto& v : X) v = 3.0 + rng.normal();   // off zero: Welford must not cancel
    for (auto& v : gamma) v = rng.uniform(0.5, 1.5);
    for (auto& v : beta) v = rng.uniform(-0.5, 0.5);
    TensorD Y, x_hat, inv_std, running_mean({D}, 0.0), running_var({D}, 1.0);
    batchnorm_forward_train_fused(Y, x_hat, inv_std, running_mean, running_var, X, gamma, beta, 0.1, 1e-5);
    for (std::size_t d = 0; d < D; ++d) {
        double mean = 0, var = 0;
        for (std::size_t n = 0; n < N; ++n) mean += X(n, d) / N;
        for (std::size_t n = 0; n < N; ++n) var += (X(n, d) - mean) * (X(n, d) - mean) / N;
        for (std::size_t n = 0; n < N; ++n)
            REQUIRE(Y(n, d) == Approx(gamma[d] * (X(n, d) - mean) / std::sqrt(var + 1e-5) + beta[d]).epsilon(1e-10));
        REQUIRE(running_mean[d] == Approx(0.1 * mean).epsilon(1e-10));
        REQUIRE(running_var[d] == Approx(0.9 + 0.1 * var * N / (N - 1)).epsilon(1e-10));
    }
}

TEST_CASE("ch04.clip_grad_norm fit() is the training step written out by hand, bit for bit", "[ch04][exercise]") {
    // What every chapter's step does, in this order: zero the gradients, forward, loss, backward,
    // clip by the global norm, add the L2 term λθ (Adam's coupled --weight-decay), update at the
    // schedule's rate. A change to the step's arithmetic or its order fails here, on any machine.
    const testing::Threads one(1);
    const double lr = 0.01, lambda = 0.01, clip = 0.5;
    auto make = [](Rng& rng) { return nn::mlp({2}, {8}, 2, nn::Activation::tanh, rng); };
    Rng data_rng(21);
    const data::Dataset train = data::make_blobs(60, data_rng), valid = data::make_blobs(20, data_rng);
    nn::SoftmaxCrossEntropy loss;

    Rng rng_fit(5);
    nn::Sequential fitted = make(rng_fit);
    optim::Optimizer adam({.name = "adam", .weight_decay = lambda});
    train::fit(fitted, loss, adam, train, valid,
               {.epochs = 2, .batch_size = 16, .lr = lr, .progress = false, .clip_norm = clip,
                .schedule = {.kind = "cosine"}},
               rng_fit);

    Rng rng(5);
    nn::Sequential model = make(rng);
    model.set_input_grad_needed(false);
    const auto params = model.parameters();
    std::vector<Tensor*> grads;
    std::vector<Tensor> m, v;
    for (auto* p : params) grads.push_back(&p->grad), m.emplace_back(p->value.shape(), 0.0f), v.emplace_back(p->value.shape(), 0.0f);
    data::BatchIterator batches(train.size(), 16, rng);
    const long total = 2 * static_cast<long>(batches.batches_per_epoch());   // 4 batches an epoch (the last of 12)
    long step = 0;
    Tensor x;
    std::vector<int> labels;
    for (int epoch = 0; epoch < 2; ++epoch)
        for (auto idx = batches.next(); !idx.empty(); idx = batches.next(), ++step) {
            data::gather(x, labels, train, idx);
            for (auto* p : params) p->zero_grad();
            (void)loss.forward(model.forward(x, nn::Mode::train), labels);
            model.backward(loss.backward());
            clip_grad_norm(grads, static_cast<float>(clip));
            const float rate = static_cast<float>(cosine_annealing(lr, 0.0, step, total));
            for (std::size_t i = 0; i < params.size(); ++i) {
                l2_backward(params[i]->grad, params[i]->value, static_cast<float>(lambda));
                adam_step(params[i]->value, m[i], v[i], params[i]->grad, step + 1, rate, 0.9f, 0.999f, 1e-8f);
            }
        }
    REQUIRE(step == total);
    REQUIRE(testing::same_bits(model.parameters(), fitted.parameters()));
}

TEST_CASE("ch04.dropout_forward mlp's input dropout drops pixels before the first Dense layer, with the same initial weights",
          "[ch04][exercise]") {
    Rng plain_rng(7), dropped_rng(7);
    nn::Sequential plain = nn::mlp({1, 4, 4}, {8}, 3, nn::Activation::relu, plain_rng, {});
    nn::Sequential dropped = nn::mlp({1, 4, 4}, {8}, 3, nn::Activation::relu, dropped_rng, {.input_dropout = 0.5});
    // Flatten, Dropout(0.5), then the plain model's layers: one more layer, the same weights.
    REQUIRE(dropped.size() == plain.size() + 1);
    REQUIRE(dropped.layer(1).kind() == "Dropout");
    const auto a = plain.parameters(), b = dropped.parameters();
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
        for (std::size_t j = 0; j < a[i]->value.size(); ++j) REQUIRE(a[i]->value[j] == b[i]->value[j]);
    // Evaluation leaves the pixels alone; training drops about half of them, so the outputs move.
    const Tensor x({2, 1, 4, 4}, 1.0f);
    const Tensor eval_plain = plain.forward(x, nn::Mode::eval), eval_dropped = dropped.forward(x, nn::Mode::eval);
    for (std::size_t i = 0; i < eval_plain.size(); ++i) REQUIRE(eval_dropped[i] == Approx(eval_plain[i]));
    const Tensor& pixels = dropped.layer(1).forward(dropped.layer(0).forward(x, nn::Mode::train), nn::Mode::train);
    std::size_t zeros = 0;
    for (std::size_t i = 0; i < pixels.size(); ++i) zeros += pixels[i] == 0.0f ? 1 : 0;
    REQUIRE(zeros > 4);    // about 16 of 32
    REQUIRE(zeros < 28);
}
