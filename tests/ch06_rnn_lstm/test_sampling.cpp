// Sampling the next character: the temperature's limits, the distribution it draws from, and
// reproducibility with a seed.
#include "dl/ops/rnn.hpp"
#include "dl/testing/checks.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace dl;

TEST_CASE("ch06.sample_next with temperature 0 takes the likeliest character", "[ch06][exercise]") {
    const std::vector<float> logits{0.5f, 3.0f, -1.0f, 2.9f};
    Rng rng(1);
    CHECK(sample_next<float>(logits, 0.0, rng) == 1);
    Rng untouched(1);
    CHECK(rng.next_u64() == untouched.next_u64());   // no number was drawn
    CHECK(testing::throws_error([&] { sample_next<float>(logits, -0.5, rng); }));
    CHECK(testing::throws_error([&] { sample_next<float>(std::span<const float>(), 1.0, rng); }));
}

TEST_CASE("ch06.sample_next draws from softmax(logits / temperature)", "[ch06][exercise]") {
    // 20,000 draws: each frequency within 4 standard deviations of its probability.
    const std::vector<double> logits{1.0, 2.0, 0.0, 2.5};
    for (const double tau : {1.0, 0.5, 2.0}) {
        std::vector<double> p(logits.size());
        double sum = 0;
        for (std::size_t k = 0; k < p.size(); ++k) sum += p[k] = std::exp(logits[k] / tau);
        Rng rng(7);
        const int draws = 20000;
        std::vector<int> count(p.size(), 0);
        for (int i = 0; i < draws; ++i) ++count[static_cast<std::size_t>(sample_next<double>(logits, tau, rng))];
        for (std::size_t k = 0; k < p.size(); ++k) {
            const double expected = p[k] / sum, sd = std::sqrt(expected * (1 - expected) / draws);
            INFO("temperature " << tau << ", character " << k);
            CHECK(std::abs(count[k] / static_cast<double>(draws) - expected) < 4 * sd);
        }
    }
    // Huge logits must not overflow exp: p = (e, 1) / (e + 1) all the same.
    const std::vector<float> huge{1000.0f, 999.0f};
    Rng rng(3);
    int zeros = 0;
    for (int i = 0; i < 20000; ++i) zeros += sample_next<float>(huge, 1.0, rng) == 0 ? 1 : 0;
    const double expected = std::exp(1.0) / (std::exp(1.0) + 1), sd = std::sqrt(expected * (1 - expected) / 20000);
    CHECK(std::abs(zeros / 20000.0 - expected) < 4 * sd);
}

TEST_CASE("ch06.sample_next draws exactly one number from the generator", "[ch06][exercise]") {
    // So that a seed replays the same text whatever else draws from the generator in between.
    const std::vector<float> logits{0.3f, 1.2f, -0.4f};
    Rng rng(11), expected(11);
    sample_next<float>(logits, 1.0, rng);
    expected.uniform();
    CHECK(rng.next_u64() == expected.next_u64());
}

TEST_CASE("ch06.sample_next with the same seed gives the same text", "[ch06][exercise]") {
    const std::vector<float> logits{0.1f, 0.4f, 0.2f, 0.3f, 0.0f};
    const auto draw = [&](std::uint64_t seed) {
        Rng rng(seed);
        std::vector<int> out;
        for (int i = 0; i < 50; ++i) out.push_back(sample_next<float>(logits, 1.0, rng));
        return out;
    };
    CHECK(draw(5) == draw(5));
    CHECK(draw(5) != draw(6));
}
