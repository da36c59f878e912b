#include "dl/ops/distributed.hpp"

#include "dl/error.hpp"
#include "dl/exercise.hpp"

#include <algorithm>

namespace dl {

// q = ⌊count / parts⌋, r = count mod parts: part p begins at p·q + min(p, r) and holds q + (p < r).
Share share_of(std::size_t count, int part, int parts) {
    // Hint: DL_CHECK parts >= 1 and 0 <= part < parts; then the two formulas above, in std::size_t.
    DL_TODO("ch10.share_of");   // lesson: chapters/ch10_distributed/README.md#share-of
}

}  // namespace dl
