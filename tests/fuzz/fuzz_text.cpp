// libFuzzer target: the text reader (dl/data/text.hpp) on any bytes. A text is accepted or refused
// with dl::DataError; nothing else may happen (no crash, no other exception, no sanitizer report).
// An accepted text must round-trip: decoding its ids gives back the bytes.
#include "dl/data/text.hpp"
#include "dl/error.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        const dl::data::TextCorpus corpus = dl::data::corpus_from_utf8(bytes, "fuzz input");
        if (corpus.decode(corpus.ids) != bytes) std::abort();
        if (corpus.encode(bytes, "fuzz input") != corpus.ids) std::abort();
    } catch (const dl::DataError&) {
    }
    return 0;
}
