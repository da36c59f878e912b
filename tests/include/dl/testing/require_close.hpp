#pragma once
// REQUIRE every element of a tensor to match a double-precision reference, within a relative
// tolerance or (for elements near zero) an absolute one; a failure names the element by its index
// on every axis ("Y[1, 3]": row 1, column 3), both values and the tolerances.

#include "dl/tensor.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

namespace dl::testing {

template <class T>
void require_close(const TensorT<T>& got, const TensorD& want, double rel, double abs, const char* what) {
    INFO(what << ": shape " << to_string(got.shape()) << ", expected " << to_string(want.shape()));
    REQUIRE(got.shape() == want.shape());
    for (std::size_t i = 0; i < want.size(); ++i) {
        const double g = static_cast<double>(got[i]), w = want[i];
        // Catch's WithinRel(w, rel) || WithinAbs(w, abs), and equal infinities; false for a NaN.
        const bool close = g == w || std::abs(g - w) <= rel * std::max(std::abs(g), std::abs(w)) ||
                           std::abs(g - w) <= abs;
        if (close) continue;
        std::ostringstream message;
        std::size_t rest = i;
        std::string text;
        for (std::size_t d = want.rank(); d-- > 0;) {
            text = std::to_string(rest % want.shape()[d]) + (text.empty() ? "" : ", ") + text;
            rest /= want.shape()[d];
        }
        message.precision(10);
        message << what << "[" << text << "] is " << g << " but should be " << w << " (difference " << std::abs(g - w);
        if (rel > 0) message << ", allowed " << rel << " of the value";
        if (abs > 0) message << (rel > 0 ? " or " : ", allowed ") << abs;
        if (rel == 0 && abs == 0) message << ", exactly equal expected";
        message << ")";
        FAIL(message.str());
    }
}

}  // namespace dl::testing
