#include "dl/util/npy.hpp"

#include "dl/util/json.hpp"

#include <bit>
#include <cstdint>

namespace dl::util {

static_assert(std::endian::native == std::endian::little, ".npy files are written as little-endian float32 ('<f4')");

std::string encode_npy(const Tensor& t) {
    // A Python tuple: (32, 1, 3, 3), and (10,) for one dimension.
    std::string shape = "(";
    for (std::size_t i = 0; i < t.rank(); ++i) shape += (i > 0 ? ", " : "") + std::to_string(t.dim(i));
    shape += t.rank() == 1 ? ",)" : ")";
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    const std::size_t preamble = 6 + 2 + 2;   // magic, version, header length
    header.append(63 - (preamble + header.size()) % 64, ' ');   // the data starts on a 64-byte boundary
    header += '\n';
    std::string out("\x93NUMPY\x01\x00", 8);
    const auto length = static_cast<std::uint16_t>(header.size());
    out += static_cast<char>(length & 0xff);
    out += static_cast<char>(length >> 8);
    out += header;
    out.append(reinterpret_cast<const char*>(t.data()), t.size() * sizeof(float));
    return out;
}

void write_npy(const std::filesystem::path& path, const Tensor& t) { write_file_atomically(path, encode_npy(t)); }

}  // namespace dl::util
