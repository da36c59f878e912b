#include "dl/ops/distributed.hpp"

#include "dl/error.hpp"
#include "dl/exercise.hpp"

#include <algorithm>

namespace dl {

// q = ⌊count / parts⌋, r = count mod parts: part p begins at p·q + min(p, r) and holds q + (p < r).
Share share_of(std::size_t count, int part, int parts) {
    DL_CHECK(parts >= 1, "share_of: " << parts << " parts (there must be at least one)");
    DL_CHECK(part >= 0 && part < parts, "share_of: part " << part << " of " << parts << " (parts are 0.." << parts - 1 << ")");
    const auto p = static_cast<std::size_t>(part), P = static_cast<std::size_t>(parts);
    const std::size_t q = count / P, r = count % P;
    return {.begin = p * q + std::min(p, r), .size = q + (p < r ? 1 : 0)};
}

}  // namespace dl
