#pragma once
// REQUIRE every element of a tensor to match a double-precision reference, within a relative
// tolerance or (for elements near zero) an absolute one; a failure names the element by its index
// on every axis ("Y[1, 3]": row 1, column 3), both values and the tolerances. Given the results of
// a learner's commonest slips, a failure also names the slip whose result the tensor matches.

#include "dl/tensor.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

namespace dl::testing {

// A recognisable mistake and what it gives: "dW is transposed" and the transposed gradient.
struct Slip {
    std::string mistake;
    TensorD result;
};
struct ScalarSlip {
    std::string mistake;
    double result;
};

namespace detail {
// Catch's WithinRel(w, rel) || WithinAbs(w, abs), and equal infinities; false for a NaN.
inline bool within(double g, double w, double rel, double abs) {
    return g == w || std::abs(g - w) <= rel * std::max(std::abs(g), std::abs(w)) || std::abs(g - w) <= abs;
}
}  // namespace detail

// The mistake of the first slip whose result `got` matches in every element, or "". A slip computed
// here rounds differently from the learner's code, so the match allows at least 1e-6 of the value.
template <class T>
std::string matching_slip(const TensorT<T>& got, const std::vector<Slip>& slips, double rel, double abs) {
    rel = std::max(rel, 1e-6);
    for (const auto& slip : slips) {
        if (slip.result.shape() != got.shape()) continue;
        bool all = true;
        for (std::size_t i = 0; all && i < got.size(); ++i)
            all = detail::within(static_cast<double>(got[i]), slip.result[i], rel, abs);
        if (all) return slip.mistake;
    }
    return {};
}
inline std::string matching_slip(double got, const std::vector<ScalarSlip>& slips, double rel, double abs) {
    rel = std::max(rel, 1e-6);
    for (const auto& slip : slips)
        if (detail::within(got, slip.result, rel, abs)) return slip.mistake;
    return {};
}

namespace detail {
inline void describe_difference(std::ostringstream& message, double g, double w, double rel, double abs) {
    message.precision(10);
    message << g << " but should be " << w << " (difference " << std::abs(g - w);
    if (rel > 0) message << ", allowed " << rel << " of the value";
    if (abs > 0) message << (rel > 0 ? " or " : ", allowed ") << abs;
    if (rel == 0 && abs == 0) message << ", exactly equal expected";
    message << ")";
}
}  // namespace detail

// `slips` (optional): when the whole of `got` matches one's result, the failure names its mistake.
template <class T>
void require_close(const TensorT<T>& got, const TensorD& want, double rel, double abs, const char* what,
                   const std::vector<Slip>& slips = {}) {
    if (got.shape() != want.shape())
        FAIL(what << " has shape " << to_string(got.shape()) << ", expected " << to_string(want.shape()));
    for (std::size_t i = 0; i < want.size(); ++i) {
        const double g = static_cast<double>(got[i]), w = want[i];
        if (detail::within(g, w, rel, abs)) continue;
        std::ostringstream message;
        std::size_t rest = i;
        std::string text;
        for (std::size_t d = want.rank(); d-- > 0;) {
            text = std::to_string(rest % want.shape()[d]) + (text.empty() ? "" : ", ") + text;
            rest /= want.shape()[d];
        }
        message << what << "[" << text << "] is ";
        detail::describe_difference(message, g, w, rel, abs);
        if (const std::string slip = matching_slip(got, slips, rel, abs); !slip.empty())
            message << "; likely mistake: " << slip;
        FAIL(message.str());
    }
}

// The same for one number (a loss): `what` is got but should be want, and the slip it matches.
inline void require_close(double got, double want, double rel, double abs, const char* what,
                          const std::vector<ScalarSlip>& slips = {}) {
    if (detail::within(got, want, rel, abs)) return;
    std::ostringstream message;
    message << what << " is ";
    detail::describe_difference(message, got, want, rel, abs);
    if (const std::string slip = matching_slip(got, slips, rel, abs); !slip.empty())
        message << "; likely mistake: " << slip;
    FAIL(message.str());
}

}  // namespace dl::testing
