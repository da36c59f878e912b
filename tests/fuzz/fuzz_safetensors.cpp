// libFuzzer target: the safetensors decoder (dl/util/safetensors.hpp) on any bytes. A file is
// decoded or refused with dl::DataError; a decoded one, encoded again, must decode to the same
// tensors and metadata (our writer's header differs in spacing and order from arbitrary input, so
// the bytes themselves need not match). Sizes a header merely claims must never be allocated.
#include "dl/error.hpp"
#include "dl/util/safetensors.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto file = dl::util::decode_safetensors({reinterpret_cast<const char*>(data), size}, "fuzz input");
        const auto again = dl::util::decode_safetensors(dl::util::encode_safetensors(file), "re-encoded");
        if (again.metadata != file.metadata || again.tensors.size() != file.tensors.size()) std::abort();
        for (std::size_t i = 0; i < file.tensors.size(); ++i) {
            const auto& a = file.tensors[i];
            const auto& b = again.tensors[i];
            if (a.name != b.name || a.value.shape() != b.value.shape() ||
                !std::equal(a.value.begin(), a.value.end(), b.value.begin(),
                            [](float x, float y) { return std::memcmp(&x, &y, sizeof x) == 0; }))
                std::abort();
        }
    } catch (const dl::DataError&) {
    }
    return 0;
}
