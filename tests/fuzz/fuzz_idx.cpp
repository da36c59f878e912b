// libFuzzer target: the IDX reader (dl/data/idx.hpp, plain or gzip'd) on any bytes, written to a
// file because the reader takes a path. A file is read or refused with dl::DataError; a read one
// holds exactly the bytes its dimensions promise.
#include "dl/data/idx.hpp"
#include "dl/error.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::filesystem::path file =
        std::filesystem::temp_directory_path() / ("dlfs-fuzz-idx-" + std::to_string(::getpid()));
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    try {
        const dl::data::IdxArray a = dl::data::read_idx(file);
        std::size_t n = 1;
        for (const std::size_t d : a.dims) n *= d;
        if (a.values.size() != n) std::abort();
    } catch (const dl::DataError&) {
    }
    return 0;
}
