#pragma once
// The IDX file format (LeCun's MNIST format, used by Fashion-MNIST), gzip'd or plain.
//
//   bytes 0-1  zero          byte 2  element type (0x08 = unsigned byte)      byte 3  rank r
//   then r big-endian uint32 dimensions, then the elements, row-major.
//
// Everything is validated before it is trusted: magic, type, rank, every dimension, and that the
// file holds exactly the bytes the header promises. A bad file throws dl::DataError naming the file
// and what is wrong (with the byte offset). Nothing is allocated for what the header merely claims:
// the payload is read incrementally and must really be there.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

namespace dl::data {

struct IdxArray {
    std::vector<std::size_t> dims;     // e.g. {60000, 28, 28}
    std::vector<std::uint8_t> values;  // product(dims) bytes, row-major
};

// Reads an unsigned-byte IDX file; a ".gz" file (or any file starting with the gzip magic) is
// decompressed on the fly. Throws DataError for a missing, unreadable, truncated, oversized or
// corrupt file.
IdxArray read_idx(const std::filesystem::path& file);

}  // namespace dl::data
