#include "dl/util/npy.hpp"

#include "dl/util/json.hpp"

#include "dl/error.hpp"

#include <bit>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>

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

namespace {
// The value of `key` in the header's dict literal: the text after "'key':" up to the next ',' at
// depth 0 (a shape tuple keeps its commas).
std::string header_value(const std::string& header, const std::string& key, const std::filesystem::path& path) {
    const std::size_t at = header.find("'" + key + "':");
    if (at == std::string::npos) DL_THROW(DataError, path.string() << ": the .npy header has no '" << key << "' (" << header << ")");
    std::size_t i = at + key.size() + 3, depth = 0;
    std::string value;
    for (; i < header.size(); ++i) {
        const char c = header[i];
        if (c == '(') ++depth;
        if (c == ')' && depth > 0) --depth;
        if ((c == ',' || c == '}') && depth == 0) break;
        value += c;
    }
    const auto first = value.find_first_not_of(' '), last = value.find_last_not_of(' ');
    return first == std::string::npos ? "" : value.substr(first, last - first + 1);
}
}  // namespace

Tensor read_npy(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) DL_THROW(DataError, "cannot open " << path.string() << " (check the path)");
    if (!std::filesystem::is_regular_file(path))
        DL_THROW(DataError, path.string() << " is not a regular file: a .npy is a file numpy.save wrote");
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
        DL_THROW(DataError, path.string() << ": not a .npy file (it does not start with \\x93NUMPY; byte 0)");
    const int major = static_cast<unsigned char>(bytes[6]);
    if (major != 1 && major != 2)
        DL_THROW(DataError, path.string() << ": .npy version " << major << " at byte 6 (this reader knows 1 and 2)");
    const std::size_t length_bytes = major == 1 ? 2 : 4, preamble = 8 + length_bytes;
    if (bytes.size() < preamble) DL_THROW(DataError, path.string() << ": cut short in its preamble (" << bytes.size() << " bytes)");
    std::size_t header_length = 0;
    for (std::size_t k = 0; k < length_bytes; ++k)
        header_length |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + k])) << (8 * k);
    if (bytes.size() < preamble + header_length)
        DL_THROW(DataError, path.string() << ": the header claims " << header_length << " bytes from byte " << preamble
                                          << ", but the file has " << bytes.size());
    const std::string header = bytes.substr(preamble, header_length);
    const std::string descr = header_value(header, "descr", path), order = header_value(header, "fortran_order", path);
    if (descr != "'<f4'")
        DL_THROW(DataError, path.string() << ": its dtype is " << descr << ", not float32 ('<f4'): save it with "
                                             "numpy.save(path, array.astype(numpy.float32))");
    if (order != "False")
        DL_THROW(DataError, path.string() << ": it is in Fortran order; save numpy.ascontiguousarray(array)");
    const std::string shape_text = header_value(header, "shape", path);
    Shape shape;
    std::size_t count = 1;
    for (std::size_t i = 0; i < shape_text.size();) {
        if (!std::isdigit(static_cast<unsigned char>(shape_text[i]))) {
            ++i;
            continue;
        }
        std::size_t d = 0;
        for (; i < shape_text.size() && std::isdigit(static_cast<unsigned char>(shape_text[i])); ++i) {
            if (d > (std::numeric_limits<std::size_t>::max() - 9) / 10)
                DL_THROW(DataError, path.string() << ": a dimension of its shape " << shape_text << " is too large");
            d = d * 10 + static_cast<std::size_t>(shape_text[i] - '0');
        }
        if (d != 0 && count > std::numeric_limits<std::size_t>::max() / 4 / d)
            DL_THROW(DataError, path.string() << ": its shape " << shape_text << " is too large");
        count *= d;
        shape.push_back(d);
    }
    const std::size_t data_at = preamble + header_length;
    if (bytes.size() - data_at != count * sizeof(float))
        DL_THROW(DataError, path.string() << ": shape " << shape_text << " needs " << count * sizeof(float)
                                          << " bytes of data from byte " << data_at << ", the file has "
                                          << bytes.size() - data_at);
    Tensor t(shape);
    std::copy_n(bytes.data() + data_at, count * sizeof(float), reinterpret_cast<char*>(t.data()));
    return t;
}

}  // namespace dl::util
