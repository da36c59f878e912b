#include "dl/cuda/vector_add.hpp"
#include "dl/testing/random.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

TEST_CASE("cuda vector_add matches the CPU on awkward sizes", "[cuda][infra]") {
    for (const std::size_t n : {1u, 255u, 256u, 257u, 100003u}) {
        CAPTURE(n);
        const auto x = dl::testing::random_tensor<float>({n}, 1), y = dl::testing::random_tensor<float>({n}, 2);
        dl::Tensor z({n}, std::numeric_limits<float>::quiet_NaN());   // poisoned: an unwritten element fails
        dl::cuda::vector_add(x.data(), y.data(), z.data(), n);
        for (std::size_t i = 0; i < n; ++i) {
            CAPTURE(i);
            REQUIRE(z[i] == x[i] + y[i]);   // one rounding on both sides: exactly equal
        }
    }
}
