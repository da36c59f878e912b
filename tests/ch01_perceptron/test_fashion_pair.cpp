// The chapter's Fashion-MNIST task: two classes picked from the ten and relabelled 0 and 1.
#include "dl/data/fashion_mnist.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace dl;

TEST_CASE("Fashion-MNIST sneakers and ankle boots make a balanced two-class set of 784-pixel rows", "[ch01][infra]") {
    const auto splits = data::load_image_dataset({.validation_fraction = 0.0});   // all 60,000 for training
    data::Dataset pair = data::select_classes(splits.train, {7, 9});
    data::flatten(pair);
    REQUIRE(pair.num_classes == 2);
    REQUIRE(pair.class_names == std::vector<std::string>{"Sneaker", "Ankle boot"});
    REQUIRE(pair.x.shape() == Shape{12000, 784});
    REQUIRE(std::count(pair.labels.begin(), pair.labels.end(), 0) == 6000);
    REQUIRE(std::count(pair.labels.begin(), pair.labels.end(), 1) == 6000);
    REQUIRE_THROWS_AS(data::select_classes(splits.train, {7, 10}), dl::Error);
}
