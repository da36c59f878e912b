#pragma once
// A text for a character-level language model: read, checked, turned into character ids, split
// by position, and cut into batches.
//
// The corpus is any UTF-8 (or ASCII) file given with --text; without one, the King James Bible as
// the Debian package bible-kjv's reader prints it (`bible -l10000 "Gen1:1-Rev22:21"`: one verse per
// line with its number, and the book and chapter headers; 4,298,239 bytes, 73 characters), made
// once and cached.

#include "dl/rng.hpp"

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dl::data {

// A text as ids: the alphabet is the distinct characters (Unicode code points), sorted, and a
// character's id is its place in it.
struct TextCorpus {
    std::string source;              // where it came from, for messages
    std::vector<char32_t> alphabet;  // id → character
    std::vector<int> ids;            // the whole text, one id per character

    std::size_t vocab_size() const { return alphabet.size(); }
    // The id of a character, or −1 when the text never has it.
    int id_of(char32_t c) const;
    // Ids back to UTF-8 text.
    std::string decode(std::span<const int> ids) const;
    // The whole alphabet as UTF-8 text, in id order.
    std::string alphabet_utf8() const;
    // UTF-8 text to ids; throws UsageError naming the first character the corpus never has.
    std::vector<int> encode(std::string_view utf8, const std::string& what) const;
};

// The text from UTF-8 bytes. Throws DataError naming `source` and the byte offset for bytes that
// are not UTF-8, and for a NUL or other control byte (except tab, newline, carriage return and
// form feed): a binary file given as text. An empty text is an error too.
TextCorpus corpus_from_utf8(std::string_view bytes, const std::string& source);

// Reads a file as above. A path that does not exist, is a directory or is not a regular file,
// or a file over 1 GiB, is a DataError naming it.
TextCorpus read_text_file(const std::filesystem::path& path);

// The King James Bible's text, produced with the `bible` program (package bible-kjv, with its
// data bible-kjv-text) and cached in `cache` (written atomically; a cache that cannot be written
// is skipped). Throws DataError naming the packages when the program is missing or fails.
std::string king_james_bible(const std::filesystem::path& cache);

// What the language-model chapters learn: the file given with --text, or with none (an empty
// name) the King James Bible, cached in runs/data/kjv.txt.
TextCorpus text_or_bible(const std::string& text_file);

// The first `fraction` of the text (by position, not shuffled: a shuffled split would put the
// same verses on both sides) and the rest.
struct TextSplit {
    std::vector<int> train, validation;
};
TextSplit split_by_position(std::span<const int> ids, double fraction);

// A batch for a language model: B rows of T inputs and the T characters that follow each of them.
// Row n's inputs are text[s_n .. s_n + T) and targets text[s_n + 1 .. s_n + T] (position n·T + t).
struct TokenBatch {
    std::size_t batch = 0, steps = 0;
    std::vector<int> inputs, targets;   // batch·steps each, row-major [B, T]
};

// Truncated backpropagation through time: the text is cut into B streams of equal length, stream
// n starting at n·L (L = (size − 1) / B); batch k holds characters [k·T, (k + 1)·T) of every
// stream, so row n of batch k + 1 continues row n of batch k, and the model's state carries over
// from one batch to the next. An epoch is ⌊(L − 1)... ⌋ see batches_per_epoch; then it starts
// again from the streams' beginnings.
class StreamBatches {
public:
    StreamBatches(std::span<const int> text, std::size_t batch, std::size_t steps);
    std::size_t batches_per_epoch() const { return per_epoch_; }
    // The next batch; `restarted` is set when it is the first of an epoch (the state must be reset).
    void next(TokenBatch& out, bool& restarted);
    std::size_t position() const { return next_; }   // batches taken in this epoch (checkpoints)
    void set_position(std::size_t position);

private:
    std::span<const int> text_;
    std::size_t batch_, steps_, stream_length_, per_epoch_, next_ = 0;
};

// B windows of T + 1 characters at uniform random starts (each row from a zero state).
void random_windows(TokenBatch& out, std::span<const int> text, std::size_t batch, std::size_t steps, Rng& rng);

// The first `count` windows of T + 1 characters, window w starting at w·T (fewer when the text is
// shorter; at least one), as rows of batches of at most `batch` rows: the validation set.
std::vector<TokenBatch> evaluation_windows(std::span<const int> text, std::size_t count, std::size_t batch,
                                           std::size_t steps);

}  // namespace dl::data
