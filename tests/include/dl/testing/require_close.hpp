#pragma once
// REQUIRE every element of a tensor to match a double-precision reference, within a relative
// tolerance or (for elements near zero) an absolute one; a failure names the element and both values.

#include "dl/tensor.hpp"

#include <catch2/catch.hpp>

namespace dl::testing {

template <class T>
void require_close(const TensorT<T>& got, const TensorD& want, double rel, double abs, const char* what) {
    INFO(what << ": shape " << to_string(got.shape()) << ", expected " << to_string(want.shape()));
    REQUIRE(got.shape() == want.shape());
    for (std::size_t i = 0; i < want.size(); ++i) {
        CAPTURE(what, i, got[i], want[i]);
        REQUIRE_THAT(static_cast<double>(got[i]),
                     Catch::Matchers::WithinRel(want[i], rel) || Catch::Matchers::WithinAbs(want[i], abs));
    }
}

}  // namespace dl::testing
