#include "dl/util/safetensors.hpp"

#include "dl/error.hpp"
#include "dl/util/files.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>

namespace dl::util {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian, as this code's memcpy assumes");

namespace {
using ordered_json = nlohmann::ordered_json;

constexpr std::size_t length_bytes = 8;
// The safetensors package refuses headers above 100 MB; so do we, before looking at them.
constexpr std::uint64_t max_header_bytes = 100'000'000;

std::uint64_t read_u64(std::string_view bytes) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < length_bytes; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
    return v;
}

// A tensor's place in the data as the header states it, checked only for its own consistency.
struct Entry {
    std::string name;
    Shape shape;
    std::uint64_t begin = 0, end = 0;
};

// A non-negative integer that fits in 53 bits (what JSON numbers hold exactly), or nothing.
bool as_count(const nlohmann::json& v, std::uint64_t& out) {
    if (!v.is_number_unsigned()) return false;   // the parser keeps a non-negative whole number as unsigned
    out = v.get<std::uint64_t>();
    return out < (std::uint64_t{1} << 53);
}

Entry read_entry(const std::string& name, const nlohmann::json& v, const std::string& source) {
    const auto bad = [&](const std::string& why) {
        DL_THROW(DataError, source << ": tensor '" << name << "' in the header: " << why);
    };
    if (!v.is_object()) bad("not an object with dtype, shape and data_offsets");
    for (const char* key : {"dtype", "shape", "data_offsets"})
        if (!v.contains(key)) bad(std::string("no \"") + key + "\"");
    const auto& dtype = v["dtype"];
    if (!dtype.is_string()) bad("dtype is not a string");
    if (dtype != "F32")
        bad("dtype " + dtype.get<std::string>() +
            ", but only F32 (float32) is read here; in PyTorch, save {k: v.float() for k, v in state_dict.items()}");
    Entry e{name, {}, 0, 0};
    if (!v["shape"].is_array() || v["shape"].size() > 8) bad("shape is not a list of at most 8 sizes");
    std::uint64_t elements = 1;
    for (const auto& d : v["shape"]) {
        std::uint64_t n = 0;
        if (!as_count(d, n)) bad("a size in shape is not a whole number from 0 to 2^53");
        if (n != 0 && elements > std::numeric_limits<std::uint64_t>::max() / 4 / n) bad("shape is impossibly large");
        elements *= n;
        e.shape.push_back(static_cast<std::size_t>(n));
    }
    const auto& offsets = v["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !as_count(offsets[0], e.begin) || !as_count(offsets[1], e.end) ||
        e.end < e.begin)
        bad("data_offsets is not [begin, end] with begin <= end");
    if (e.end - e.begin != elements * sizeof(float))
        bad("data_offsets span " + std::to_string(e.end - e.begin) + " bytes, but the shape's " + std::to_string(elements) +
            " float32 elements take " + std::to_string(elements * sizeof(float)));
    return e;
}
}  // namespace

const Tensor* Safetensors::find(const std::string& name) const {
    for (const auto& t : tensors)
        if (t.name == name) return &t.value;
    return nullptr;
}

std::string encode_safetensors(const Safetensors& file) {
    ordered_json header = ordered_json::object();
    if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
    std::uint64_t offset = 0;
    for (const auto& [name, value] : file.tensors) {
        DL_CHECK(name != "__metadata__" && !name.empty(), "safetensors: a tensor cannot be called '" << name << "'");
        const std::uint64_t bytes = value.size() * sizeof(float);
        header[name] = {{"dtype", "F32"}, {"shape", value.shape()}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    DL_CHECK(header.size() == file.tensors.size() + (file.metadata.empty() ? 0 : 1), "safetensors: two tensors have one name");
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');   // the data starts 8-byte aligned, as the package writes it

    std::string out(length_bytes, '\0');
    for (std::size_t i = 0; i < length_bytes; ++i) out[i] = static_cast<char>(static_cast<std::uint64_t>(text.size()) >> (8 * i));
    out += text;
    out.reserve(out.size() + offset);
    for (const auto& t : file.tensors)
        if (t.value.size() > 0) out.append(reinterpret_cast<const char*>(t.value.data()), t.value.size() * sizeof(float));
    return out;
}

Safetensors decode_safetensors(std::string_view bytes, const std::string& source) {
    if (bytes.size() < length_bytes)
        DL_THROW(DataError, source << ": not a safetensors file (" << bytes.size()
                                   << " bytes; it starts with the 8-byte length of its header)");
    const std::uint64_t header_bytes = read_u64(bytes);
    if (header_bytes > max_header_bytes || header_bytes > bytes.size() - length_bytes)
        DL_THROW(DataError, source << ": not a safetensors file, or truncated: its first 8 bytes give a header of "
                                   << header_bytes << " bytes, but " << bytes.size() - length_bytes << " follow");
    const std::string_view text = bytes.substr(length_bytes, header_bytes);
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::parse_error& e) {
        DL_THROW(DataError, source << ": the header is not valid JSON at byte " << length_bytes + e.byte - 1 << " of the file");
    } catch (const nlohmann::json::exception& e) {   // valid syntax the parser cannot hold (a number past a double)
        DL_THROW(DataError, source << ": the header cannot be read: " << e.what());
    }
    if (!header.is_object()) DL_THROW(DataError, source << ": the header is not a JSON object of tensors");

    Safetensors file;
    std::vector<Entry> entries;
    for (const auto& [name, value] : header.items()) {
        if (name == "__metadata__") {
            if (!value.is_object()) DL_THROW(DataError, source << ": __metadata__ is not an object of strings");
            for (const auto& [key, text_value] : value.items()) {
                if (!text_value.is_string()) DL_THROW(DataError, source << ": __metadata__ '" << key << "' is not a string");
                file.metadata[key] = text_value.get<std::string>();
            }
        } else {
            entries.push_back(read_entry(name, value, source));
        }
    }
    // The tensors must tile the data exactly: sorted by where they start, each begins where the
    // previous one ended, and the last ends at the end of the file.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    const std::uint64_t data_bytes = bytes.size() - length_bytes - header_bytes;
    std::uint64_t expected = 0;
    for (const Entry& e : entries) {
        if (e.begin != expected)
            DL_THROW(DataError, source << ": tensor '" << e.name << "' starts at data byte " << e.begin << ", expected "
                                       << expected << " (the tensors must follow each other with no gap or overlap)");
        expected = e.end;
    }
    if (expected != data_bytes)
        DL_THROW(DataError, source << ": the header's tensors take " << expected << " bytes of data, but the file has "
                                   << data_bytes << (expected > data_bytes ? " (truncated?)" : " (extra bytes at the end)"));

    const std::string_view data = bytes.substr(length_bytes + header_bytes);
    for (const Entry& e : entries) {
        Tensor t(e.shape);
        if (e.end > e.begin) std::memcpy(t.data(), data.data() + e.begin, e.end - e.begin);
        file.tensors.push_back({e.name, std::move(t)});
    }
    return file;
}

void write_safetensors(const std::filesystem::path& path, const Safetensors& file) {
    write_file_atomically(path, encode_safetensors(file));
}

Safetensors read_safetensors(const std::filesystem::path& path) {
    return decode_safetensors(read_whole_file(path, "safetensors file"), path.string());
}

}  // namespace dl::util
