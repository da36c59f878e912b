#pragma once
// Checks shared by the tests.

#include "dl/error.hpp"

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

}  // namespace dl::testing
