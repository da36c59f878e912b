#include "dl/data/text.hpp"

#include "dl/error.hpp"
#include "dl/util/json.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

namespace dl::data {

namespace {

constexpr std::uintmax_t max_text_bytes = std::uintmax_t{1} << 30;
constexpr const char* bible_command = "bible -l10000 \"Gen1:1-Rev22:21\"";

std::string hex_byte(unsigned char b) {
    std::ostringstream s;
    s << "0x" << std::hex << std::setw(2) << std::setfill('0') << static_cast<int>(b);
    return s.str();
}

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

// Decodes UTF-8 strictly (no overlong forms, no surrogates, nothing above U+10FFFF); `problem`
// gets the offset and a description of the first bad byte.
std::vector<char32_t> decode_utf8(std::string_view bytes, std::size_t& bad_offset, std::string& problem) {
    std::vector<char32_t> out;
    out.reserve(bytes.size());
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
    for (std::size_t i = 0; i < bytes.size();) {
        const unsigned char b = byte(i);
        if (b < 0x80) {
            if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f') || b == 0x7F) {
                bad_offset = i;
                problem = "control byte " + hex_byte(b) + " (a binary file? --text takes UTF-8 or ASCII text)";
                return {};
            }
            out.push_back(b);
            ++i;
            continue;
        }
        std::size_t length = 0;
        char32_t c = 0, least = 0;
        if ((b & 0xE0) == 0xC0) length = 2, c = b & 0x1F, least = 0x80;
        else if ((b & 0xF0) == 0xE0) length = 3, c = b & 0x0F, least = 0x800;
        else if ((b & 0xF8) == 0xF0) length = 4, c = b & 0x07, least = 0x10000;
        bool ok = length > 0 && i + length <= bytes.size();
        for (std::size_t k = 1; ok && k < length; ++k) {
            ok = (byte(i + k) & 0xC0) == 0x80;
            c = (c << 6) | (byte(i + k) & 0x3F);
        }
        if (!ok || c < least || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            bad_offset = i;
            problem = "byte " + hex_byte(b) + " does not start a valid UTF-8 character (is the file in another "
                      "encoding, or binary?)";
            return {};
        }
        out.push_back(c);
        i += length;
    }
    return out;
}

}  // namespace

int TextCorpus::id_of(char32_t c) const {
    const auto it = std::lower_bound(alphabet.begin(), alphabet.end(), c);
    return it != alphabet.end() && *it == c ? static_cast<int>(it - alphabet.begin()) : -1;
}

std::string TextCorpus::decode(std::span<const int> text) const {
    std::string out;
    for (const int id : text) {
        DL_CHECK(id >= 0 && static_cast<std::size_t>(id) < alphabet.size(),
                 "decode: id " << id << " is outside the alphabet of " << alphabet.size() << " characters");
        append_utf8(out, alphabet[static_cast<std::size_t>(id)]);
    }
    return out;
}

std::string TextCorpus::alphabet_utf8() const {
    std::string out;
    for (const char32_t c : alphabet) append_utf8(out, c);
    return out;
}

std::vector<int> TextCorpus::encode(std::string_view utf8, const std::string& what) const {
    std::size_t bad = 0;
    std::string problem;
    const auto chars = decode_utf8(utf8, bad, problem);
    if (chars.empty() && !utf8.empty()) DL_THROW(UsageError, what << ": at byte " << bad << ": " << problem);
    std::vector<int> out;
    for (std::size_t i = 0; i < chars.size(); ++i) {
        const int id = id_of(chars[i]);
        if (id < 0) {
            std::string c;
            append_utf8(c, chars[i]);
            DL_THROW(UsageError, what << ": the character '" << c << "' (character " << i + 1 << ") never occurs in "
                                      << source << ", so the model has no id for it");
        }
        out.push_back(id);
    }
    return out;
}

TextCorpus corpus_from_utf8(std::string_view bytes, const std::string& source) {
    if (bytes.empty()) DL_THROW(DataError, source << " is empty: a language model needs text to learn from");
    std::size_t bad = 0;
    std::string problem;
    const std::vector<char32_t> chars = decode_utf8(bytes, bad, problem);
    if (chars.empty()) DL_THROW(DataError, source << ": not a text file: at byte " << bad << ": " << problem);
    TextCorpus corpus;
    corpus.source = source;
    // The distinct characters, sorted: ASCII ticked off in a table (sorting millions of characters
    // is slow), the rest (rare) sorted.
    std::array<bool, 128> ascii{};
    std::vector<char32_t> other;
    for (const char32_t c : chars) {
        if (c < 128) ascii[c] = true;
        else other.push_back(c);
    }
    for (char32_t c = 0; c < 128; ++c)
        if (ascii[c]) corpus.alphabet.push_back(c);
    std::sort(other.begin(), other.end());
    other.erase(std::unique(other.begin(), other.end()), other.end());
    corpus.alphabet.insert(corpus.alphabet.end(), other.begin(), other.end());
    if (corpus.alphabet.size() < 2)
        DL_THROW(DataError, source << " has only 1 distinct character: a language model needs at least 2 to choose between");
    corpus.ids.reserve(chars.size());
    for (const char32_t c : chars) corpus.ids.push_back(corpus.id_of(c));
    return corpus;
}

TextCorpus read_text_file(const std::filesystem::path& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(status)) DL_THROW(DataError, path.string() << ": no such file");
    if (std::filesystem::is_directory(status))
        DL_THROW(DataError, path.string() << " is a directory: --text takes a text file");
    if (!std::filesystem::is_regular_file(status))
        DL_THROW(DataError, path.string() << " is not a regular file (a device or a pipe?): --text takes a text file");
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > max_text_bytes)
        DL_THROW(DataError, path.string() << " has " << size << " bytes, more than the 1 GiB a text may have here");
    std::ifstream in(path, std::ios::binary);
    if (!in) DL_THROW(DataError, "cannot read " << path.string() << " (permissions?)");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (in.bad()) DL_THROW(DataError, "reading " << path.string() << " failed");
    return corpus_from_utf8(bytes.str(), path.string());
}

std::string king_james_bible(const std::filesystem::path& cache) {
    {
        std::ifstream in(cache, std::ios::binary);
        std::ostringstream bytes;
        if (in && (bytes << in.rdbuf()) && !bytes.str().empty()) return bytes.str();
    }
    const std::string missing =
        "the King James Bible comes from the Debian packages bible-kjv and bible-kjv-text (scripts/setup installs "
        "them), or pass --text FILE with any UTF-8 text";
    std::FILE* pipe = ::popen((std::string(bible_command) + " 2>/dev/null").c_str(), "r");
    if (pipe == nullptr) DL_THROW(DataError, "cannot run `bible`: " << missing);
    std::string text;
    std::array<char, 1 << 16> buffer{};
    for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) text.append(buffer.data(), n);
    const int status = ::pclose(pipe);
    if (status != 0 || text.size() < 1'000'000)
        DL_THROW(DataError, "`" << bible_command << "` failed (exit status " << status << ", " << text.size()
                                << " bytes): " << missing);
    try {
        util::write_file_atomically(cache, text);
    } catch (const std::exception&) {   // a read-only place: the text is still good, only not cached
    }
    return text;
}

TextSplit split_by_position(std::span<const int> ids, double fraction) {
    DL_CHECK(fraction > 0 && fraction < 1, "split_by_position: the fraction must be in (0, 1), got " << fraction);
    const auto cut = static_cast<std::size_t>(std::llround(fraction * static_cast<double>(ids.size())));
    return {{ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(cut)},
            {ids.begin() + static_cast<std::ptrdiff_t>(cut), ids.end()}};
}

StreamBatches::StreamBatches(std::span<const int> text, std::size_t batch, std::size_t steps)
    : text_(text), batch_(batch), steps_(steps) {
    DL_CHECK(batch > 0 && steps > 0, "StreamBatches: batch and steps must be positive");
    stream_length_ = text.size() > 1 ? (text.size() - 1) / batch : 0;
    per_epoch_ = stream_length_ / steps;
    if (per_epoch_ == 0)
        DL_THROW(DataError, "the training text has " << text.size() << " characters: too few for " << batch
                                                     << " streams of " << steps << " steps (+1); use a longer text, "
                                                        "or a smaller --batch-size or --seq-len");
}

void StreamBatches::next(TokenBatch& out, bool& restarted) {
    restarted = next_ == 0;
    out.batch = batch_, out.steps = steps_;
    out.inputs.resize(batch_ * steps_), out.targets.resize(batch_ * steps_);
    for (std::size_t n = 0; n < batch_; ++n) {
        const std::size_t start = n * stream_length_ + next_ * steps_;
        for (std::size_t t = 0; t < steps_; ++t) {
            out.inputs[n * steps_ + t] = text_[start + t];
            out.targets[n * steps_ + t] = text_[start + t + 1];
        }
    }
    next_ = (next_ + 1) % per_epoch_;
}

void StreamBatches::set_position(std::size_t position) {
    DL_CHECK(position < per_epoch_, "StreamBatches: position " << position << " of " << per_epoch_);
    next_ = position;
}

void random_windows(TokenBatch& out, std::span<const int> text, std::size_t batch, std::size_t steps, Rng& rng) {
    if (text.size() < steps + 1)
        DL_THROW(DataError, "the training text has " << text.size() << " characters, fewer than one window of "
                                                     << steps + 1 << " (--seq-len + 1)");
    out.batch = batch, out.steps = steps;
    out.inputs.resize(batch * steps), out.targets.resize(batch * steps);
    for (std::size_t n = 0; n < batch; ++n) {
        const std::size_t start = rng.below(text.size() - steps);
        for (std::size_t t = 0; t < steps; ++t) {
            out.inputs[n * steps + t] = text[start + t];
            out.targets[n * steps + t] = text[start + t + 1];
        }
    }
}

std::vector<TokenBatch> evaluation_windows(std::span<const int> text, std::size_t count, std::size_t batch,
                                           std::size_t steps) {
    DL_CHECK(batch > 0 && steps > 0 && count > 0, "evaluation_windows: count, batch and steps must be positive");
    if (text.size() < steps + 1)
        DL_THROW(DataError, "the validation text has " << text.size() << " characters, fewer than one window of "
                                                       << steps + 1 << " (--seq-len + 1)");
    count = std::min(count, (text.size() - 1) / steps);
    std::vector<TokenBatch> batches;
    for (std::size_t w = 0; w < count; w += batch) {
        TokenBatch b;
        b.batch = std::min(batch, count - w), b.steps = steps;
        for (std::size_t n = 0; n < b.batch; ++n)
            for (std::size_t t = 0; t < steps; ++t) {
                b.inputs.push_back(text[(w + n) * steps + t]);
                b.targets.push_back(text[(w + n) * steps + t + 1]);
            }
        batches.push_back(std::move(b));
    }
    return batches;
}

TextCorpus text_or_bible(const std::string& text_file) {
    if (!text_file.empty()) return read_text_file(text_file);
    return corpus_from_utf8(king_james_bible("runs/data/kjv.txt"), "the King James Bible (bible-kjv)");
}

}  // namespace dl::data
