// The text reader (UTF-8 strictly, binary and empty files refused, names the byte) and the
// batches a language model trains on (streams keep their order, windows their targets).
#include "dl/data/text.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <numeric>

using namespace dl;

namespace {
std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}
void write(const std::filesystem::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
}
}  // namespace

TEST_CASE("text: a UTF-8 text becomes ids over its sorted alphabet, and back", "[common][infra]") {
    const data::TextCorpus c = data::corpus_from_utf8("héllo\nhé", "greeting");
    CHECK(c.vocab_size() == 5);   // \n e h l o é, minus e: "\n", "h", "l", "o", "é"
    CHECK(c.alphabet.front() == U'\n');
    CHECK(c.alphabet.back() == U'é');
    CHECK(c.ids.size() == 8);
    CHECK(c.decode(c.ids) == "héllo\nhé");
    CHECK(c.encode("hol", "prompt") == std::vector<int>{c.id_of(U'h'), c.id_of(U'o'), c.id_of(U'l')});
    const std::string unknown = error_of([&] { c.encode("hex", "prompt"); });
    CHECK_THAT(unknown, Catch::Contains("'e'") && Catch::Contains("never occurs in greeting"));
}

TEST_CASE("text: empty, binary, non-UTF-8, missing and directory inputs get one clear error", "[common][infra]") {
    testing::TempDir dir;
    write(dir.path / "empty.txt", "");
    write(dir.path / "binary.bin", std::string("ELF\x02\x01\x01\0\0\0", 9));
    write(dir.path / "latin1.txt", "caf\xe9 au lait");
    write(dir.path / "overlong.txt", "a\xc0\xaf");
    write(dir.path / "truncated.txt", "ok \xe2\x82");
    write(dir.path / "surrogate.txt", "\xed\xa0\x80");
    const auto message = [&](const std::string& name) {
        return error_of([&] { data::read_text_file(dir.path / name); });
    };
    CHECK_THAT(message("empty.txt"), Catch::Contains("empty.txt is empty"));
    CHECK_THAT(message("binary.bin"), Catch::Contains("binary.bin: not a text file: at byte 3") &&
                                          Catch::Contains("0x02"));
    CHECK_THAT(message("latin1.txt"), Catch::Contains("at byte 3") && Catch::Contains("0xe9") &&
                                          Catch::Contains("UTF-8"));
    CHECK_THAT(message("overlong.txt"), Catch::Contains("at byte 1"));
    CHECK_THAT(message("truncated.txt"), Catch::Contains("at byte 3"));
    CHECK_THAT(message("surrogate.txt"), Catch::Contains("at byte 0"));
    CHECK_THAT(message("missing.txt"), Catch::Contains("missing.txt: no such file"));
    CHECK_THAT(error_of([&] { data::read_text_file(dir.path); }), Catch::Contains("is a directory"));
    CHECK_THAT(error_of([&] { data::read_text_file("/dev/null"); }), Catch::Contains("not a regular file"));
}

TEST_CASE("text: the split is by position, the first part for training", "[common][infra]") {
    std::vector<int> ids(100);
    std::iota(ids.begin(), ids.end(), 0);
    const data::TextSplit s = data::split_by_position(ids, 0.9);
    REQUIRE(s.train.size() == 90);
    REQUIRE(s.validation.size() == 10);
    CHECK(s.train.back() == 89);
    CHECK(s.validation.front() == 90);
}

TEST_CASE("text: stream batches keep each stream's order from batch to batch", "[common][infra]") {
    // 103 characters 0..102, B = 4 streams of L = 25 (stream n starts at 25n), T = 6: 4 batches an
    // epoch; row n of batch k holds 25n + 6k .. 25n + 6k + 5, its targets one further.
    std::vector<int> text(103);
    std::iota(text.begin(), text.end(), 0);
    data::StreamBatches streams(text, 4, 6);
    REQUIRE(streams.batches_per_epoch() == 4);
    data::TokenBatch batch;
    bool restarted = false;
    for (int epoch = 0; epoch < 2; ++epoch)
        for (std::size_t k = 0; k < 4; ++k) {
            streams.next(batch, restarted);
            CHECK(restarted == (k == 0));
            for (std::size_t n = 0; n < 4; ++n)
                for (std::size_t t = 0; t < 6; ++t) {
                    CHECK(batch.inputs[n * 6 + t] == static_cast<int>(25 * n + 6 * k + t));
                    CHECK(batch.targets[n * 6 + t] == static_cast<int>(25 * n + 6 * k + t + 1));
                }
        }
    streams.set_position(3);
    streams.next(batch, restarted);
    CHECK(batch.inputs[0] == 18);
    CHECK(!restarted);
    const std::vector<int> short_text(10);
    CHECK_THAT(error_of([&] { data::StreamBatches(short_text, 4, 6); }), Catch::Contains("too few"));
}

TEST_CASE("text: random windows and evaluation windows pair each input with the next character", "[common][infra]") {
    std::vector<int> text(500);
    std::iota(text.begin(), text.end(), 0);
    Rng rng(3);
    data::TokenBatch batch;
    data::random_windows(batch, text, 8, 16, rng);
    for (std::size_t n = 0; n < 8; ++n)
        for (std::size_t t = 0; t < 16; ++t) {
            CHECK(batch.targets[n * 16 + t] == batch.inputs[n * 16 + t] + 1);
            if (t > 0) CHECK(batch.inputs[n * 16 + t] == batch.inputs[n * 16 + t - 1] + 1);
        }
    // The first 40 windows of 10 + 1, in batches of 16: 16, 16, 8; window w starts at 10w.
    const auto windows = data::evaluation_windows(text, 40, 16, 10);
    REQUIRE(windows.size() == 3);
    CHECK(windows[2].batch == 8);
    CHECK(windows[1].inputs[0] == 160);
    CHECK(windows[2].targets.back() == 400);
    // Asking for more windows than the text has gives all it has (⌊499 / 10⌋ = 49).
    std::size_t all = 0;
    for (const auto& w : data::evaluation_windows(text, 1000, 16, 10)) all += w.batch;
    CHECK(all == 49);
}
