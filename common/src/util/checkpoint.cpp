#include "dl/util/checkpoint.hpp"

#include "dl/error.hpp"
#include "dl/util/json.hpp"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

namespace dl::util {

static_assert(std::endian::native == std::endian::little, "checkpoints are written little-endian");

namespace {

constexpr char kMagic[8] = {'D', 'L', 'F', 'S', 'C', 'K', 'P', 'T'};
constexpr std::uint32_t kMaxRank = 8, kMaxName = 4096;

template <class U>
void put(std::string& out, U value) {
    char bytes[sizeof(U)];
    std::memcpy(bytes, &value, sizeof(U));
    out.append(bytes, sizeof(U));
}

void put_string(std::string& out, const std::string& s) {
    put<std::uint32_t>(out, static_cast<std::uint32_t>(s.size()));
    out += s;
}

std::uint32_t crc_of(const char* data, std::size_t n) {
    return static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(data), static_cast<uInt>(n)));
}

// Reads the bytes in order, refusing to read past the end with a message naming the offset.
class Reader {
public:
    Reader(const std::string& bytes, std::size_t end, const std::string& source)
        : bytes_(bytes), end_(end), source_(source) {}
    std::size_t offset() const { return pos_; }
    std::size_t left() const { return end_ - pos_; }
    template <class U>
    U get(const char* what) {
        need(sizeof(U), what);
        U value;
        std::memcpy(&value, bytes_.data() + pos_, sizeof(U));
        pos_ += sizeof(U);
        return value;
    }
    std::string get_string(const char* what, std::uint32_t max) {
        const auto n = get<std::uint32_t>(what);
        if (n > max) fail(std::string(what) + " claims " + std::to_string(n) + " bytes (at most " + std::to_string(max) + ")");
        need(n, what);
        std::string s = bytes_.substr(pos_, n);
        pos_ += n;
        return s;
    }
    void read_floats(float* out, std::size_t count) {
        if (count == 0) return;   // an empty tensor's data() may be null, and memcpy(null, …, 0) is undefined
        std::memcpy(out, bytes_.data() + pos_, count * sizeof(float));
        pos_ += count * sizeof(float);
    }
    [[noreturn]] void fail(const std::string& why) const {
        DL_THROW(DataError, source_ << ": not a valid checkpoint at byte " << pos_ << ": " << why);
    }
    void need(std::size_t n, const char* what) const {
        if (n > left())
            fail(std::string("the file ends inside ") + what + " (" + std::to_string(n) + " bytes needed, " +
                 std::to_string(left()) + " left): truncated");
    }

private:
    const std::string& bytes_;
    std::size_t end_, pos_ = 0;
    const std::string& source_;
};

}  // namespace

std::string encode_checkpoint(const Checkpoint& c) {
    std::string out(kMagic, sizeof kMagic);
    put<std::uint32_t>(out, checkpoint_version);
    put_string(out, c.kind);
    put<std::int64_t>(out, c.epoch);
    put<std::int64_t>(out, c.step);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(c.tensors.size()));
    for (const auto& t : c.tensors) {
        DL_CHECK(t.name.size() <= kMaxName, "checkpoint: tensor name longer than " << kMaxName << " bytes");
        DL_CHECK(t.value.rank() <= kMaxRank, "checkpoint: tensor " << t.name << " has rank " << t.value.rank());
        put_string(out, t.name);
        put<std::uint32_t>(out, static_cast<std::uint32_t>(t.value.rank()));
        for (const std::size_t d : t.value.shape()) put<std::uint64_t>(out, d);
        out.append(reinterpret_cast<const char*>(t.value.data()), t.value.size() * sizeof(float));
    }
    put<std::uint32_t>(out, static_cast<std::uint32_t>(c.numbers.size()));
    for (const auto& n : c.numbers) {
        DL_CHECK(n.name.size() <= kMaxName, "checkpoint: number name longer than " << kMaxName << " bytes");
        put_string(out, n.name);
        put<std::uint64_t>(out, n.value);
    }
    put<std::uint32_t>(out, crc_of(out.data(), out.size()));
    return out;
}

Checkpoint decode_checkpoint(const std::string& bytes, const std::string& source) {
    const std::size_t header = sizeof kMagic + sizeof(std::uint32_t);
    if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
        DL_THROW(DataError, source << ": not a dlfs checkpoint (it does not start with DLFSCKPT)");
    if (bytes.size() < header + sizeof(std::uint32_t))
        DL_THROW(DataError, source << ": the checkpoint is damaged (truncated to " << bytes.size()
                                   << " bytes, shorter than its header)");
    // The checksum first: a damaged file is refused as damaged, whatever its header now says.
    const std::size_t body = bytes.size() - sizeof(std::uint32_t);
    std::uint32_t stored;
    std::memcpy(&stored, bytes.data() + body, sizeof stored);
    Reader in(bytes, body, source);
    in.get<std::uint64_t>("the magic number");
    const auto version = in.get<std::uint32_t>("the version");
    if (version != checkpoint_version)
        in.fail("version " + std::to_string(version) + ", this build reads version " + std::to_string(checkpoint_version));
    if (stored != crc_of(bytes.data(), body))
        DL_THROW(DataError, source << ": the checkpoint is damaged (its checksum does not match: truncated or "
                                      "changed after it was written)");
    Checkpoint c;
    c.kind = in.get_string("the kind", kMaxName);
    c.epoch = in.get<std::int64_t>("the epoch");
    c.step = in.get<std::int64_t>("the step");
    const auto count = in.get<std::uint32_t>("the tensor count");
    for (std::uint32_t i = 0; i < count; ++i) {
        CheckpointTensor t;
        t.name = in.get_string("a tensor name", kMaxName);
        const auto rank = in.get<std::uint32_t>("a tensor rank");
        if (rank > kMaxRank) in.fail("tensor " + t.name + " claims rank " + std::to_string(rank));
        Shape shape;
        for (std::uint32_t r = 0; r < rank; ++r) shape.push_back(static_cast<std::size_t>(in.get<std::uint64_t>("a tensor dimension")));
        // The product of the dimensions, checked against the bytes left as it grows (so it cannot
        // overflow, and nothing is allocated for more than the file holds); a zero dimension makes
        // the tensor empty whatever the others claim.
        std::uint64_t elements = std::find(shape.begin(), shape.end(), 0) == shape.end() ? 1 : 0;
        for (const std::size_t d : shape) {
            if (elements != 0 && elements > in.left() / sizeof(float) / d)
                in.fail("tensor " + t.name + " claims more elements than the " + std::to_string(in.left()) +
                        " bytes left");
            elements *= d;
        }
        in.need(static_cast<std::size_t>(elements) * sizeof(float), "a tensor's elements");
        t.value = Tensor(shape);
        in.read_floats(t.value.data(), t.value.size());
        c.tensors.push_back(std::move(t));
    }
    const auto numbers = in.get<std::uint32_t>("the number count");
    if (numbers > in.left() / (sizeof(std::uint32_t) + sizeof(std::uint64_t)))   // each takes 12 bytes or more
        in.fail("the header claims " + std::to_string(numbers) + " numbers, more than the " +
                std::to_string(in.left()) + " bytes left hold");
    for (std::uint32_t i = 0; i < numbers; ++i) {
        CheckpointNumber n;
        n.name = in.get_string("a number's name", kMaxName);
        n.value = in.get<std::uint64_t>("a number's value");
        c.numbers.push_back(std::move(n));
    }
    if (in.left() != 0) in.fail(std::to_string(in.left()) + " bytes after the last number");
    return c;
}

void write_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint) {
    write_file_atomically(path, encode_checkpoint(checkpoint));
}

Checkpoint read_checkpoint(const std::filesystem::path& path) {
    return decode_checkpoint(read_whole_file(path, "checkpoint", "a checkpoint is a file --save wrote"), path.string());
}

}  // namespace dl::util
