// The .npy writer: the header NumPy's reader expects (magic, version 1.0, a dict with the dtype,
// order and shape, padded so the data starts on a 64-byte boundary), then the floats unchanged.
#include "dl/util/npy.hpp"

#include <catch2/catch.hpp>

#include <cstring>

using namespace dl;

namespace {
std::string header_of(const std::string& bytes) {
    const auto length = static_cast<std::size_t>(static_cast<unsigned char>(bytes[8])) |
                        static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8;
    return bytes.substr(10, length);
}
}  // namespace

TEST_CASE("an .npy file has NumPy's header, the shape as a Python tuple, and the floats as they are", "[common][infra]") {
    Tensor t({2, 3});
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = 0.5f * static_cast<float>(i) - 1.0f;
    const std::string bytes = util::encode_npy(t);
    REQUIRE(bytes.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
    const std::string header = header_of(bytes);
    const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    REQUIRE(header.substr(0, dict.size()) == dict);
    REQUIRE(header.back() == '\n');
    REQUIRE(header.find_first_not_of(' ', dict.size()) == header.size() - 1);   // spaces up to the newline
    REQUIRE((10 + header.size()) % 64 == 0);   // the data is aligned
    REQUIRE(bytes.size() == 10 + header.size() + 6 * sizeof(float));
    REQUIRE(std::memcmp(bytes.data() + 10 + header.size(), t.data(), 6 * sizeof(float)) == 0);
    // One dimension is written (n,), as Python writes a one-element tuple.
    REQUIRE(header_of(util::encode_npy(Tensor({10}))).find("'shape': (10,), }") != std::string::npos);
    REQUIRE(header_of(util::encode_npy(Tensor({32, 1, 3, 3}))).find("'shape': (32, 1, 3, 3), }") != std::string::npos);
}
