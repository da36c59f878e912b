// read_idx: round trips (plain and gzip), and every kind of bad file it must refuse, by name.

#include "dl/data/idx.hpp"
#include "dl/error.hpp"

#include "dl/testing/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using dl::data::read_idx;
using Bytes = std::vector<std::uint8_t>;
using Catch::Matchers::Contains;

using dl::testing::TempDir;

namespace {


// Header: 0 0 type rank, then rank big-endian uint32 dimensions.
Bytes idx_header(const std::vector<std::uint32_t>& dims, std::uint8_t type = 0x08) {
    Bytes b = {0, 0, type, static_cast<std::uint8_t>(dims.size())};
    for (const std::uint32_t d : dims)
        for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(d >> shift));
    return b;
}

Bytes idx_file(const std::vector<std::uint32_t>& dims, const Bytes& values) {
    Bytes b = idx_header(dims);
    b.insert(b.end(), values.begin(), values.end());
    return b;
}

void write_plain(const fs::path& file, const Bytes& bytes) {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out.good());
}

void write_gzip(const fs::path& file, const Bytes& bytes) {
    gzFile f = gzopen(file.string().c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
    REQUIRE(gzclose(f) == Z_OK);
}

Bytes read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

// The message of the DataError that read_idx throws for `file` (fails the test if none is thrown).
std::string read_idx_error(const fs::path& file) {
    try {
        read_idx(file);
    } catch (const dl::DataError& e) {
        return e.what();
    }
    FAIL("read_idx(" << file << ") did not throw DataError");
    return {};
}

// 3 x 5 x 7 bytes covering 0..255 unevenly.
Bytes sample_values() {
    Bytes v(3 * 5 * 7);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::uint8_t>((i * 37 + 11) % 256);
    return v;
}

}  // namespace

TEST_CASE("read_idx reads back a plain file exactly as it was written", "[common][infra]") {
    const TempDir dir;
    const Bytes values = sample_values();
    write_plain(dir / "a-idx3-ubyte", idx_file({3, 5, 7}, values));
    const auto a = read_idx(dir / "a-idx3-ubyte");
    REQUIRE(a.dims == std::vector<std::size_t>{3, 5, 7});
    REQUIRE(a.values == values);
}

TEST_CASE("read_idx decompresses a gzip file whatever its name says", "[common][infra]") {
    const TempDir dir;
    const Bytes values = sample_values();
    const Bytes file = idx_file({3, 35}, values);
    write_gzip(dir / "a.gz", file);
    write_gzip(dir / "b-without-extension", file);   // recognised by the magic 1f 8b
    write_plain(dir / "c-plain-named.gz", file);     // a plain file is read plain
    REQUIRE(read_bytes(dir / "b-without-extension").at(0) == 0x1f);
    for (const char* name : {"a.gz", "b-without-extension", "c-plain-named.gz"}) {
        INFO(name);
        const auto a = read_idx(dir / name);
        REQUIRE(a.dims == std::vector<std::size_t>{3, 35});
        REQUIRE(a.values == values);
    }
}

TEST_CASE("read_idx rejects a file whose first two bytes are not zero", "[common][infra]") {
    const TempDir dir;
    Bytes b = idx_file({4}, {1, 2, 3, 4});
    b[1] = 0x01;
    write_plain(dir / "magic", b);
    const std::string msg = read_idx_error(dir / "magic");
    REQUIRE_THAT(msg, Contains((dir / "magic").string()) && Contains("not an IDX file") && Contains("0x01"));
}

TEST_CASE("read_idx rejects an element type other than unsigned byte and names it", "[common][infra]") {
    const TempDir dir;
    Bytes b = idx_header({2}, 0x0D);
    b.insert(b.end(), 8, 0);
    write_plain(dir / "floats", b);
    REQUIRE_THAT(read_idx_error(dir / "floats"),
                 Contains((dir / "floats").string()) && Contains("0x0d") && Contains("float"));
}

TEST_CASE("read_idx rejects rank 0 and rank 5 and a zero dimension", "[common][infra]") {
    const TempDir dir;
    write_plain(dir / "rank0", {0, 0, 8, 0});
    REQUIRE_THAT(read_idx_error(dir / "rank0"), Contains("rank 0"));
    write_plain(dir / "rank5", idx_file({1, 1, 1, 1, 1}, {7}));
    REQUIRE_THAT(read_idx_error(dir / "rank5"), Contains("rank 5"));
    write_plain(dir / "zero", idx_file({3, 0}, {}));
    REQUIRE_THAT(read_idx_error(dir / "zero"), Contains("dimension 1") && Contains("is 0"));
}

TEST_CASE("read_idx rejects a truncated file and names the byte", "[common][infra]") {
    const TempDir dir;
    // Rank 1, 10 elements promised, 7 present: the header is 8 bytes, so the file ends at byte 15.
    write_plain(dir / "short", idx_file({10}, {1, 2, 3, 4, 5, 6, 7}));
    REQUIRE_THAT(read_idx_error(dir / "short"),
                 Contains((dir / "short").string() + ": truncated") && Contains("promises 10 bytes") &&
                     Contains("ends after 7") && Contains("at byte 15"));
    // The same inside a gzip stream.
    write_gzip(dir / "short.gz", idx_file({10}, {1, 2, 3, 4, 5, 6, 7}));
    REQUIRE_THAT(read_idx_error(dir / "short.gz"), Contains("truncated") && Contains("decompressed"));
    // A file that ends inside the header.
    write_plain(dir / "header", {0, 0, 8, 3, 0, 0});
    REQUIRE_THAT(read_idx_error(dir / "header"), Contains("truncated") && Contains("dimensions"));
}

TEST_CASE("read_idx rejects a gzip stream that is cut short", "[common][infra]") {
    const TempDir dir;
    Bytes big(20000);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>((i * i) % 251);
    write_gzip(dir / "full.gz", idx_file({20000}, big));
    Bytes gz = read_bytes(dir / "full.gz");
    gz.resize(gz.size() / 2);
    write_plain(dir / "cut.gz", gz);
    REQUIRE_THAT(read_idx_error(dir / "cut.gz"), Contains((dir / "cut.gz").string()) && Contains("truncated") &&
                                                     Contains("cut short"));
}

TEST_CASE("read_idx refuses a lying header quickly without allocating what it claims", "[common][infra]") {
    const TempDir dir;
    // 65535 x 32767 = 2,147,385,345 bytes claimed (just under the 2^31 cap) in a 100-byte file.
    Bytes b = idx_file({65535, 32767}, Bytes(88, 0x5a));
    REQUIRE(b.size() == 100);
    write_plain(dir / "liar", b);
    const auto start = std::chrono::steady_clock::now();
    REQUIRE_THAT(read_idx_error(dir / "liar"), Contains("truncated") && Contains("promises 2147385345 bytes") &&
                                                   Contains("ends after 88"));
    // Allocating and zeroing 2 GiB takes far longer than this; reading 100 bytes does not.
    REQUIRE(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(500));

    // Dimensions whose product passes the cap (or would overflow) are refused from the header alone.
    write_plain(dir / "huge", idx_file({0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, {1}));
    REQUIRE_THAT(read_idx_error(dir / "huge"), Contains("more than 2147483648 elements"));
}

TEST_CASE("read_idx rejects bytes after the data", "[common][infra]") {
    const TempDir dir;
    write_plain(dir / "long", idx_file({3}, {1, 2, 3, 4, 5}));
    REQUIRE_THAT(read_idx_error(dir / "long"), Contains((dir / "long").string()) && Contains("2 unexpected bytes") &&
                                                   Contains("ends at byte 11"));
    write_gzip(dir / "long.gz", idx_file({3}, {1, 2, 3, 4, 5}));
    REQUIRE_THAT(read_idx_error(dir / "long.gz"), Contains("2 unexpected bytes"));
}

TEST_CASE("read_idx rejects an empty file and a missing file", "[common][infra]") {
    const TempDir dir;
    write_plain(dir / "empty", {});
    REQUIRE_THAT(read_idx_error(dir / "empty"), Contains((dir / "empty").string() + ": empty file"));
    REQUIRE_THAT(read_idx_error(dir / "absent.gz"), Contains((dir / "absent.gz").string() + ": no such file"));
    REQUIRE_THAT(read_idx_error(dir.path), Contains("is a directory"));
}

TEST_CASE("read_idx reports a corrupt gzip stream with zlib's message", "[common][infra]") {
    const TempDir dir;
    write_gzip(dir / "good.gz", idx_file({3, 5, 7}, sample_values()));
    Bytes gz = read_bytes(dir / "good.gz");
    // The deflate data starts after gzopen's 10-byte header; 0xff makes its first block type 3 (invalid).
    REQUIRE(gz.size() > 14);
    for (std::size_t i = 10; i < 14; ++i) gz[i] = 0xff;
    write_plain(dir / "bad.gz", gz);
    REQUIRE_THAT(read_idx_error(dir / "bad.gz"), Contains((dir / "bad.gz").string() + ": corrupt gzip data") &&
                                                     Contains("invalid block type"));
}
