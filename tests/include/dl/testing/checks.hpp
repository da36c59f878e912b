#pragma once
// Checks shared by the tests.

#include "dl/error.hpp"
#include "dl/nn/layer.hpp"

#include <cstring>
#include <vector>

namespace dl::testing {

// Whether f() throws a dl::Error for bad input. A stub's NotImplemented is rethrown, not counted:
// otherwise "rejects bad input" would pass on an exercise nobody has written.
template <class F>
bool throws_error(F&& f) {
    try {
        f();
    } catch (const NotImplemented&) {
        throw;
    } catch (const Error&) {
        return true;
    }
    return false;
}

// Whether two models' parameters are the same, bit for bit (a resumed run against an unbroken one,
// a loaded model against the saved one): pass each model's parameters().
inline bool same_bits(const std::vector<nn::Parameter*>& a, const std::vector<nn::Parameter*>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i]->value.shape() != b[i]->value.shape() ||
            std::memcmp(a[i]->value.data(), b[i]->value.data(), a[i]->value.size() * sizeof(float)) != 0)
            return false;
    return true;
}

}  // namespace dl::testing
