// Checkpoints through the training loop (--save, --resume): a run saved after k epochs and resumed
// for the rest ends bit for bit where an unbroken run ends, Ctrl-C saves the last finished epoch,
// and a checkpoint of another model or optimizer is refused. The model has dropout (its own
// generator) and trains with Adam (moments) on a cosine schedule (the step count), so each of those
// must be saved and restored exactly for the weights to match.
#include "dl/data/synthetic.hpp"
#include "dl/nn/loss.hpp"
#include "dl/nn/models.hpp"
#include "dl/optim/optimizer.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/temp_dir.hpp"
#include "dl/testing/threads.hpp"
#include "dl/train/trainer.hpp"
#include "dl/util/checkpoint.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <cstring>
#include <vector>

using namespace dl;
using Catch::Matchers::Contains;

namespace {

struct Run {
    nn::Sequential model;
    std::vector<train::EpochMetrics> history;
};

// The same model, data and seed every time; `checkpoints` decides what is saved or resumed.
Run train_xor(int epochs, const train::FitOptions::Checkpoints& checkpoints, std::size_t hidden = 16,
              const std::function<void(const train::EpochMetrics&)>& on_epoch = {},
              const std::string& schedule = "cosine", double lr = 0.01) {
    Rng data_rng(7);
    const data::Dataset train_set = data::make_xor(256, data_rng), validation = data::make_xor(64, data_rng);
    Rng rng(42);
    Run run{nn::mlp({2}, {hidden}, 2, nn::Activation::relu, rng, {.dropout = 0.3}), {}};
    nn::SoftmaxCrossEntropy loss;
    optim::Optimizer adam({.name = "adam"});
    train::FitOptions options{.epochs = epochs, .batch_size = 16, .lr = lr, .progress = false, .on_epoch = on_epoch,
                              .schedule = {.kind = schedule}};
    options.checkpoints = checkpoints;
    options.checkpoints.kind = "test_resume " + std::to_string(hidden);
    run.history = train::fit(run.model, loss, adam, train_set, validation, options, rng);
    return run;
}

}  // namespace

TEST_CASE("ch04.dropout_forward a run saved after 2 epochs and resumed ends bit for bit where an unbroken one does",
          "[ch04][exercise]") {
    // A constant rate here: a schedule over the whole run (cosine) depends on --epochs, so a run of
    // 2 epochs anneals differently from the first 2 of 5 (the Ctrl-C test below keeps the schedule).
    const testing::Threads one(1);   // bit for bit needs one thread
    testing::TempDir dir;
    const auto file = (dir.path / "xor.ckpt").string();
    Run unbroken = train_xor(5, {}, 16, {}, "none");
    train_xor(2, {.save = file}, 16, {}, "none");
    Run resumed = train_xor(5, {.resume = file}, 16, {}, "none");
    REQUIRE(testing::same_bits(unbroken.model.parameters(), resumed.model.parameters()));
    REQUIRE(resumed.history.size() == 5);   // the 2 saved epochs' metrics, then 3 new ones
    for (std::size_t e = 0; e < 5; ++e) {
        CAPTURE(e);
        REQUIRE(resumed.history[e].epoch == static_cast<int>(e + 1));
        // Saved epochs come back as float32; the new ones are computed again, exactly.
        REQUIRE_THAT(resumed.history[e].train_loss, Catch::Matchers::WithinRel(unbroken.history[e].train_loss, 1e-6));
        if (e >= 2) REQUIRE(resumed.history[e].val_loss == unbroken.history[e].val_loss);
    }
    // --save-every 2 over 5 epochs writes after epochs 2, 4 and 5; the file holds the last.
    Run saved_every = train_xor(5, {.save_every = 2, .save = file});
    Run from_last = train_xor(5, {.resume = file});   // nothing left to train: the 5 epochs' weights
    REQUIRE(testing::same_bits(saved_every.model.parameters(), from_last.model.parameters()));
    REQUIRE(from_last.history.size() == 5);
}

TEST_CASE("ch04.random_flip_lr a run with shifts and flips saved after 2 epochs and resumed ends bit for bit where an "
          "unbroken one does",
          "[ch04][exercise]") {
    // Augmentation draws from its own generator, seeded by the step (train::image_augmentation): a
    // resumed run must shift and flip its later batches exactly as the unbroken run did.
    const testing::Threads one(1);
    testing::TempDir dir;
    const auto file = (dir.path / "images.ckpt").string();
    const auto train_images = [&](int epochs, const train::FitOptions::Checkpoints& checkpoints, bool augment = true) {
        data::Dataset images{.name = "images", .x = Tensor({96, 1, 6, 6}), .labels = std::vector<int>(96),
                             .num_classes = 2};
        Rng data_rng(9);
        for (std::size_t n = 0; n < 96; ++n) {   // class 1: a bright left half, which a flip moves
            images.labels[n] = static_cast<int>(n % 2);
            for (std::size_t i = 0; i < 36; ++i)
                images.x[n * 36 + i] = static_cast<float>(data_rng.uniform() + (images.labels[n] == 1 && i % 6 < 3));
        }
        Rng rng(42);
        Run run{nn::mlp({1, 6, 6}, {8}, 2, nn::Activation::relu, rng, {.dropout = 0.3}), {}};
        nn::SoftmaxCrossEntropy loss;
        optim::Optimizer adam({.name = "adam"});
        train::FitOptions options{.epochs = epochs, .batch_size = 16, .lr = 0.01, .progress = false};
        if (augment) options.augment = train::image_augmentation(1, 0.5, 0.0f, 43);
        options.checkpoints = checkpoints;
        options.checkpoints.kind = "test_resume images";
        run.history = train::fit(run.model, loss, adam, images, images, options, rng);
        return run;
    };
    Run unbroken = train_images(4, {});
    train_images(2, {.save = file});
    Run resumed = train_images(4, {.resume = file});
    REQUIRE(testing::same_bits(unbroken.model.parameters(), resumed.model.parameters()));
    // The augmentation took part: the same run without it ends elsewhere.
    Run plain = train_images(4, {}, false);
    REQUIRE_FALSE(testing::same_bits(unbroken.model.parameters(), plain.model.parameters()));
}

TEST_CASE("ch04.dropout_forward Ctrl-C during a run with --save keeps the last finished epoch, and resuming completes it",
          "[ch04][exercise]") {
    const testing::Threads one(1);   // bit for bit needs one thread
    testing::TempDir dir;
    const auto file = (dir.path / "xor.ckpt").string();
    Run unbroken = train_xor(5, {});
    // The signal arrives at the end of epoch 3, while its metrics are written: epoch 3 is whole, so
    // training stops there with epoch 3's state saved (not one epoch later).
    REQUIRE_THROWS_WITH(train_xor(5, {.save = file}, 16,
                                  [](const train::EpochMetrics& m) {
                                      if (m.epoch == 3) std::raise(SIGINT);
                                  }),
                        Contains("interrupted after epoch 3") && Contains("saved the state after epoch 3") &&
                            Contains(file));
    REQUIRE(util::read_checkpoint(file).epoch == 3);
    Run resumed = train_xor(5, {.resume = file});
    REQUIRE(testing::same_bits(unbroken.model.parameters(), resumed.model.parameters()));
}

TEST_CASE("ch04.dropout_forward a checkpoint of another model is refused, naming the file and both models",
          "[ch04][exercise]") {
    testing::TempDir dir;
    const auto file = (dir.path / "xor.ckpt").string();
    train_xor(1, {.save = file});
    REQUIRE_THROWS_WITH(train_xor(3, {.resume = file}, 8),
                        Contains(file) && Contains("another model") && Contains("'test_resume 16'") &&
                            Contains("'test_resume 8'"));
    REQUIRE_THROWS_WITH(train_xor(3, {.resume = (dir.path / "none.ckpt").string()}), Contains("none.ckpt"));
}

TEST_CASE("ch04.dropout_forward a diverging run with --save keeps the last finished epoch's checkpoint",
          "[ch04][exercise]") {
    testing::TempDir dir;
    const auto file = (dir.path / "xor.ckpt").string();
    train_xor(2, {.save = file});
    // Resumed at a rate of 10^30: Adam moves every weight by about that much, and the loss overflows
    // within the third epoch. The file still holds the state after epoch 2.
    REQUIRE_THROWS_WITH(train_xor(5, {.save = file, .resume = file}, 16, {}, "cosine", 1e30),
                        Contains("training diverged") && Contains("at epoch 3") && Contains("keeps the state after epoch 2"));
    REQUIRE(util::read_checkpoint(file).epoch == 2);
}

TEST_CASE("ch04.dropout_forward a crafted checkpoint with a valid checksum is refused for what it holds, not trained on",
          "[ch04][exercise]") {
    // A checkpoint is input from outside: every field a file can set is checked before it is used.
    testing::TempDir dir;
    const auto file = (dir.path / "xor.ckpt").string();
    train_xor(2, {.save = file});
    const util::Checkpoint good = util::read_checkpoint(file);
    auto refused = [&](const std::string& what, const std::function<void(util::Checkpoint&)>& craft, const std::string& words) {
        CAPTURE(what);
        util::Checkpoint c = good;
        craft(c);
        const auto crafted = (dir.path / "crafted.ckpt").string();
        util::write_checkpoint(crafted, c);   // a valid checksum over the crafted fields
        REQUIRE_THROWS_WITH(train_xor(3, {.resume = crafted}), Contains(crafted) && Contains(words));
    };
    auto tensor = [](util::Checkpoint& c, const std::string& prefix) -> Tensor& {
        for (auto& t : c.tensors)
            if (t.name.rfind(prefix, 0) == 0) return t.value;
        FAIL("no tensor " << prefix);
        return c.tensors.front().value;
    };
    refused("a NaN weight (ReLU and max pooling would hide it)", [&](util::Checkpoint& c) { tensor(c, "param.0")[3] = NAN; },
            "holds nan");
    refused("an infinite moment", [&](util::Checkpoint& c) { tensor(c, "optimizer.1.1")[0] = INFINITY; }, "holds inf");
    refused("Adam's moments missing (it would restart from zero silently)",
            [](util::Checkpoint& c) {
                std::erase_if(c.tensors, [](const util::CheckpointTensor& t) { return t.name.rfind("optimizer.", 0) == 0; });
            },
            "no tensor 'optimizer.0.0'");
    refused("the generator's all-zero state (it would draw 0 for ever)",
            [](util::Checkpoint& c) {
                for (auto& n : c.numbers)
                    if (n.name.rfind("rng.s", 0) == 0) n.value = 0;
            },
            "all-zero state");
    refused("an order of the examples that is no order", [&](util::Checkpoint& c) { tensor(c, "data.order")[0] = -1; },
            "not an example's index");
    refused("more epochs than steps", [](util::Checkpoint& c) { c.epoch = c.step + 1; }, "damaged or made by hand");
}

TEST_CASE("ch04.dropout_forward 300 random crafted checkpoints are each refused with a message or resumed, never a crash",
          "[ch04][exercise]") {
    // A fuzzer's job, done deterministically: a valid checkpoint, one field changed at random (a
    // number, an element, a shape, a name, an entry removed, the counts), written with a valid
    // checksum, then resumed into the model. Allowed: a dl::Error (a one-line refusal), or a run
    // that resumes and finishes with finite losses. Anything else (another exception, a crash, a
    // sanitizer report in the asan build) is a bug in what restore trusts.
    testing::TempDir dir;
    const auto file = (dir.path / "xor.ckpt").string();
    train_xor(2, {.save = file});
    const util::Checkpoint good = util::read_checkpoint(file);
    Rng pick(2026);
    auto any = [&](std::size_t n) { return static_cast<std::size_t>(pick.uniform(0, static_cast<double>(n))) % n; };
    const std::uint64_t numbers[] = {0, 1, 2, 255, std::uint64_t{1} << 31, std::uint64_t{1} << 63, ~std::uint64_t{0}};
    const float values[] = {NAN, INFINITY, -INFINITY, 1e30f, -1.0f, 0.0f, 3.5f, 1e9f};
    std::size_t refused = 0, resumed = 0;
    for (int trial = 0; trial < 300; ++trial) {
        util::Checkpoint c = good;
        std::string what;
        switch (any(8)) {
            case 0: {
                auto& n = c.numbers[any(c.numbers.size())];
                n.value = numbers[any(std::size(numbers))];
                what = "number " + n.name + " = " + std::to_string(n.value);
                break;
            }
            case 1: {
                auto& t = c.tensors[any(c.tensors.size())];
                if (t.value.empty()) continue;
                const std::size_t i = any(t.value.size());
                t.value[i] = values[any(std::size(values))];
                what = "tensor " + t.name + "[" + std::to_string(i) + "] = " + std::to_string(t.value[i]);
                break;
            }
            case 2: {
                auto& t = c.tensors[any(c.tensors.size())];
                const std::size_t n = any(t.value.size() + 3);
                t.value = Tensor({n}, 0.5f);
                what = "tensor " + t.name + " reshaped to [" + std::to_string(n) + "]";
                break;
            }
            case 3: {
                const std::size_t i = any(c.tensors.size());
                what = "tensor " + c.tensors[i].name + " removed";
                c.tensors.erase(c.tensors.begin() + static_cast<std::ptrdiff_t>(i));
                break;
            }
            case 4: {
                const std::size_t i = any(c.numbers.size());
                what = "number " + c.numbers[i].name + " removed";
                c.numbers.erase(c.numbers.begin() + static_cast<std::ptrdiff_t>(i));
                break;
            }
            case 5: {
                auto& t = c.tensors[any(c.tensors.size())];
                what = "tensor " + t.name + " renamed";
                t.name += "x";
                break;
            }
            case 6:
                c.epoch = static_cast<std::int64_t>(numbers[any(std::size(numbers))]);
                what = "epoch = " + std::to_string(c.epoch);
                break;
            default:
                c.step = static_cast<std::int64_t>(numbers[any(std::size(numbers))]);
                what = "step = " + std::to_string(c.step);
                break;
        }
        CAPTURE(trial, what);
        const auto crafted = (dir.path / "crafted.ckpt").string();
        util::write_checkpoint(crafted, c);
        try {
            const Run run = train_xor(3, {.resume = crafted});
            for (const auto& m : run.history) REQUIRE(std::isfinite(m.train_loss));
            ++resumed;
        } catch (const Error& e) {
            REQUIRE(std::string(e.what()).find('\n') == std::string::npos);   // one line
            ++refused;
        }
    }
    INFO(refused << " refused, " << resumed << " resumed");
    CHECK(refused > 100);   // most changes make the checkpoint wrong; a value that is merely different resumes
}
