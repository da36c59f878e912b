// The IDX reader: validates the header, then reads the payload in chunks so that a header that
// lies about its size costs a read of the real file, never an allocation of the claimed size.

#include "dl/data/idx.hpp"

#include "dl/error.hpp"
#include "dl/tensor.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <iomanip>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>

namespace dl::data {

namespace {

constexpr std::size_t kChunkBytes = std::size_t{1} << 20;    // payload read size (1 MiB)
constexpr std::size_t kMaxElements = std::size_t{1} << 31;   // 2 GiB: far above any dataset here
constexpr std::size_t kMaxRank = 4;

// "0x0d"
std::string hex_byte(std::uint8_t b) {
    std::ostringstream out;
    out << "0x" << std::hex << std::setw(2) << std::setfill('0') << static_cast<unsigned>(b);
    return out.str();
}

// The element types the IDX format defines (only 0x08 is read here).
const char* idx_type_name(std::uint8_t type) {
    switch (type) {
        case 0x08: return "unsigned byte";
        case 0x09: return "signed byte";
        case 0x0B: return "16-bit integer";
        case 0x0C: return "32-bit integer";
        case 0x0D: return "32-bit float";
        case 0x0E: return "64-bit float";
        default: return "not an IDX type";
    }
}

struct GzCloser {
    void operator()(gzFile_s* f) const { gzclose(f); }
};

// A file read through zlib: gzip data is inflated, anything else is passed through unchanged
// (zlib's "transparent" mode decides by the gzip magic 1f 8b, not by the file name).
class ByteSource {
public:
    explicit ByteSource(const std::filesystem::path& file) : name_(file.string()) {
        std::error_code ec;
        if (!std::filesystem::exists(file, ec)) DL_THROW(DataError, name_ << ": no such file");
        if (std::filesystem::is_directory(file, ec))
            DL_THROW(DataError, name_ << ": is a directory, expected an IDX file");
        errno = 0;
        file_.reset(gzopen(name_.c_str(), "rb"));
        if (!file_)
            DL_THROW(DataError, name_ << ": cannot open: " << (errno ? std::strerror(errno) : "out of memory"));
        gzbuffer(file_.get(), 256u * 1024u);
        gzip_ = gzdirect(file_.get()) == 0;
    }

    const std::string& name() const { return name_; }
    bool gzip() const { return gzip_; }
    // Bytes of (decompressed) data read so far.
    std::size_t offset() const { return offset_; }
    // True once the compressed stream was found cut short (zlib: "unexpected end of file").
    bool stream_cut_short() const { return cut_short_; }

    // Reads up to n bytes; fewer only at the end of the data. Throws on a read or gzip error.
    std::size_t read(std::uint8_t* out, std::size_t n) {
        std::size_t got = 0;
        while (got < n) {
            const auto want = static_cast<unsigned>(std::min(n - got, kChunkBytes));
            const int r = gzread(file_.get(), out + got, want);
            if (r < 0) throw_zlib_error();
            if (r == 0) {
                note_end();
                break;
            }
            got += static_cast<std::size_t>(r);
        }
        offset_ += got;
        return got;
    }

private:
    [[noreturn]] void throw_zlib_error() const {
        int code = Z_OK;
        std::string message = gzerror(file_.get(), &code);
        if (code == Z_ERRNO) DL_THROW(DataError, name_ << ": cannot read: " << std::strerror(errno));
        // zlib starts its message with the path, which ours already names.
        if (message.rfind(name_ + ": ", 0) == 0) message.erase(0, name_.size() + 2);
        DL_THROW(DataError, name_ << ": corrupt gzip data after " << offset_ << " decompressed bytes: zlib says '"
                                  << message << "'");
    }
    // At the end of the data: a gzip stream that stopped mid-way sets Z_BUF_ERROR, any other error
    // is a corrupt stream.
    void note_end() {
        int code = Z_OK;
        gzerror(file_.get(), &code);
        if (code == Z_BUF_ERROR)
            cut_short_ = true;
        else if (code != Z_OK)
            throw_zlib_error();
    }

    std::string name_;
    std::unique_ptr<gzFile_s, GzCloser> file_;
    bool gzip_ = false;
    bool cut_short_ = false;
    std::size_t offset_ = 0;
};

// " of the decompressed data; the gzip stream itself is cut short" where that applies.
std::string where_suffix(const ByteSource& in) {
    std::string s;
    if (in.gzip()) s += " of the decompressed data";
    if (in.stream_cut_short()) s += "; the gzip stream itself is cut short";
    return s;
}

// Reads exactly n header bytes or throws "truncated" naming the part of the header.
void read_header_bytes(ByteSource& in, std::uint8_t* out, std::size_t n, const char* what) {
    const std::size_t start = in.offset();
    const std::size_t got = in.read(out, n);
    if (got == n) return;
    if (start == 0 && got == 0)
        DL_THROW(DataError, in.name() << ": empty file (an IDX file starts with a 4-byte header)");
    DL_THROW(DataError, in.name() << ": truncated: the file ends inside the " << what << " (bytes " << start << "-"
                                  << start + n - 1 << "), after " << start + got << " bytes"
                                  << where_suffix(in));
}

// A big-endian uint32.
std::size_t be32(const std::uint8_t* p) {
    return (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | std::size_t{p[3]};
}

}  // namespace

IdxArray read_idx(const std::filesystem::path& file) {
    ByteSource in(file);

    // Magic: 0x00 0x00, type, rank.
    std::array<std::uint8_t, 4> magic{};
    read_header_bytes(in, magic.data(), magic.size(), "4-byte magic number");
    if (magic[0] != 0 || magic[1] != 0)
        DL_THROW(DataError, in.name() << ": not an IDX file: bytes 0-1 are " << hex_byte(magic[0]) << " "
                                      << hex_byte(magic[1]) << ", expected 0x00 0x00");
    if (magic[2] != 0x08)
        DL_THROW(DataError, in.name() << ": element type " << hex_byte(magic[2]) << " (" << idx_type_name(magic[2])
                                      << ") at byte 2 is not supported: only 0x08 (unsigned byte) is");
    const std::size_t rank = magic[3];
    if (rank < 1 || rank > kMaxRank)
        DL_THROW(DataError, in.name() << ": rank " << rank << " at byte 3 is not supported: expected 1 to "
                                      << kMaxRank);

    // Dimensions: rank big-endian uint32, each > 0, product <= kMaxElements (checked before it can overflow).
    std::array<std::uint8_t, 4 * kMaxRank> dim_bytes{};
    read_header_bytes(in, dim_bytes.data(), 4 * rank, "dimensions");
    IdxArray out;
    std::size_t count = 1;
    for (std::size_t i = 0; i < rank; ++i) {
        const std::size_t d = be32(dim_bytes.data() + 4 * i);
        out.dims.push_back(d);
        if (d == 0)
            DL_THROW(DataError, in.name() << ": dimension " << i << " (bytes " << 4 + 4 * i << "-" << 7 + 4 * i
                                          << ") is 0");
        if (count > kMaxElements / d)
            DL_THROW(DataError, in.name() << ": the header's dimensions " << to_string(out.dims)
                                          << (i + 1 < rank ? "..." : "") << " describe more than " << kMaxElements
                                          << " elements, the most this reader accepts");
        count *= d;
    }
    const std::size_t header_bytes = 4 + 4 * rank;

    // Payload: grows by what is really read, so the vector never exceeds the file's real size.
    while (out.values.size() < count) {
        const std::size_t have = out.values.size();
        const std::size_t want = std::min(kChunkBytes, count - have);
        out.values.resize(have + want);
        const std::size_t got = in.read(out.values.data() + have, want);
        if (got < want) {
            out.values.resize(have + got);
            DL_THROW(DataError, in.name() << ": truncated: header promises " << count
                                          << " bytes of data but the file ends after " << have + got << " (at byte "
                                          << header_bytes + have + got << where_suffix(in) << ")");
        }
    }

    // Nothing may follow the data.
    std::array<std::uint8_t, 4096> rest{};
    std::size_t extra = 0;
    for (std::size_t got = in.read(rest.data(), rest.size()); got > 0; got = in.read(rest.data(), rest.size()))
        extra += got;
    if (extra > 0)
        DL_THROW(DataError, in.name() << ": " << extra << " unexpected bytes after the data, which ends at byte "
                                      << header_bytes + count << where_suffix(in) << " (header dimensions "
                                      << to_string(out.dims) << ")");
    return out;
}

}  // namespace dl::data
