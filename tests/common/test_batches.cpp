// BatchIterator (every index once per epoch, reshuffled) and the Dataset helpers it feeds.

#include "dl/data/batches.hpp"
#include "dl/data/dataset.hpp"
#include "dl/error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <vector>

using namespace dl::data;

namespace {

// One epoch's batches, as vectors.
std::vector<std::vector<std::size_t>> epoch(BatchIterator& it) {
    std::vector<std::vector<std::size_t>> batches;
    for (auto b = it.next(); !b.empty(); b = it.next()) batches.emplace_back(b.begin(), b.end());
    return batches;
}

std::vector<std::size_t> flatten(const std::vector<std::vector<std::size_t>>& batches) {
    std::vector<std::size_t> all;
    for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
    return all;
}

std::vector<std::size_t> iota(std::size_t n) {
    std::vector<std::size_t> v(n);
    std::iota(v.begin(), v.end(), std::size_t{0});
    return v;
}

}  // namespace

TEST_CASE("BatchIterator covers every index exactly once per epoch with a smaller last batch", "[common][infra]") {
    dl::Rng rng(1);
    BatchIterator it(23, 5, rng);
    REQUIRE(it.batches_per_epoch() == 5);
    for (int e = 0; e < 3; ++e) {
        INFO("epoch " << e);
        const auto batches = epoch(it);
        REQUIRE(batches.size() == 5);
        for (std::size_t b = 0; b < 4; ++b) REQUIRE(batches[b].size() == 5);
        REQUIRE(batches[4].size() == 3);
        auto all = flatten(batches);
        std::sort(all.begin(), all.end());
        REQUIRE(all == iota(23));
    }
}

TEST_CASE("BatchIterator reshuffles every epoch", "[common][infra]") {
    dl::Rng rng(2);
    BatchIterator it(50, 8, rng);
    const auto first = flatten(epoch(it));
    const auto second = flatten(epoch(it));
    REQUIRE(first != iota(50));
    REQUIRE(second != first);
    // The same seed gives the same epochs.
    dl::Rng again(2);
    BatchIterator it2(50, 8, again);
    REQUIRE(flatten(epoch(it2)) == first);
}

TEST_CASE("BatchIterator without shuffle keeps the order every epoch", "[common][infra]") {
    dl::Rng rng(3);
    BatchIterator it(10, 4, rng, /*shuffle=*/false);
    REQUIRE(it.batches_per_epoch() == 3);
    for (int e = 0; e < 2; ++e) {
        const auto batches = epoch(it);
        REQUIRE(batches == std::vector<std::vector<std::size_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}});
    }
}

TEST_CASE("BatchIterator handles a batch larger than the set and refuses batch size 0", "[common][infra]") {
    dl::Rng rng(4);
    BatchIterator it(3, 100, rng, false);
    REQUIRE(it.batches_per_epoch() == 1);
    REQUIRE(epoch(it) == std::vector<std::vector<std::size_t>>{{0, 1, 2}});
    BatchIterator none(0, 4, rng);
    REQUIRE(none.batches_per_epoch() == 0);
    REQUIRE(none.next().empty());
    REQUIRE_THROWS_AS(BatchIterator(5, 0, rng), dl::Error);
}

TEST_CASE("subset copies the chosen examples and labels in the given order", "[common][infra]") {
    // 4 examples of shape [1, 2, 3]; example i holds i * 100 + j.
    Dataset d{"toy", dl::Tensor({4, 1, 2, 3}), {0, 1, 2, 1}, 3, {"a", "b", "c"}};
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 6; ++j) d.x[i * 6 + j] = static_cast<float>(i * 100 + j);
    const std::vector<std::size_t> idx = {2, 0, 2};
    const Dataset s = subset(d, idx);
    REQUIRE(s.x.shape() == dl::Shape{3, 1, 2, 3});
    REQUIRE(s.labels == std::vector<int>{2, 0, 2});
    REQUIRE(s.num_classes == 3);
    REQUIRE(s.class_names == d.class_names);
    REQUIRE(s.example_shape() == dl::Shape{1, 2, 3});
    for (std::size_t k = 0; k < 3; ++k)
        for (std::size_t j = 0; j < 6; ++j) REQUIRE(s.x[k * 6 + j] == static_cast<float>(idx[k] * 100 + j));

    REQUIRE(subset(d, std::vector<std::size_t>{}).x.shape() == dl::Shape{0, 1, 2, 3});
    REQUIRE_THROWS_AS(subset(d, std::vector<std::size_t>{4}), dl::Error);
}

TEST_CASE("labels_as_column gives an N by 1 float tensor of the labels", "[common][infra]") {
    const Dataset d{"toy", dl::Tensor({3, 2}), {1, 0, 1}, 2, {"0", "1"}};
    const dl::Tensor y = labels_as_column(d);
    REQUIRE(y.shape() == dl::Shape{3, 1});
    REQUIRE(std::vector<float>(y.begin(), y.end()) == std::vector<float>{1.0f, 0.0f, 1.0f});
}
