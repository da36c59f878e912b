// libFuzzer target: the checkpoint decoder (dl/util/checkpoint.hpp) on any bytes. A file is decoded
// or refused with dl::DataError; a decoded one must encode back to the same bytes. Sizes a header
// merely claims must never be allocated (libFuzzer's -rss_limit_mb catches a header that lies).
// Each input is tried twice: as it is, and with its last 4 bytes replaced by the right checksum,
// so that mutations reach the parser behind the checksum (random bytes almost never match it).
#include "dl/error.hpp"
#include "dl/util/checkpoint.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <zlib.h>

namespace {
void decode(const std::string& bytes) {
    try {
        const dl::util::Checkpoint c = dl::util::decode_checkpoint(bytes, "fuzz input");
        if (dl::util::encode_checkpoint(c) != bytes) std::abort();
    } catch (const dl::DataError&) {
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string bytes(reinterpret_cast<const char*>(data), size);
    decode(bytes);
    if (size >= 4) {
        const auto crc = static_cast<std::uint32_t>(crc32(0L, data, static_cast<uInt>(size - 4)));
        for (int i = 0; i < 4; ++i) bytes[size - 4 + static_cast<std::size_t>(i)] = static_cast<char>(crc >> (8 * i));
        decode(bytes);
    }
    return 0;
}
