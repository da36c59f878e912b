// The safetensors reader and writer: the layout the format defines (checked on bytes written by
// hand from its definition, so the test does not trust our own writer), a round trip, and a clear
// refusal, naming the file and what is wrong, for every way a file can be malformed. The other
// direction (files written by the safetensors package and by PyTorch) is scripts/check-in-pytorch's.
#include "dl/error.hpp"
#include "dl/util/safetensors.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>

using namespace dl;

namespace {
// A file as the format defines it: the header's length (8 bytes, little-endian), the header, the data.
std::string file_of(const std::string& header, const std::string& data) {
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>(header.size() >> (8 * i));
    return out + header + data;
}
std::string floats(std::initializer_list<float> values) {
    std::string out(values.size() * sizeof(float), '\0');
    std::memcpy(out.data(), values.begin(), out.size());
    return out;
}
std::string refusal(const std::string& bytes) {
    try {
        util::decode_safetensors(bytes, "model.safetensors");
    } catch (const DataError& e) {
        return e.what();
    }
    return "(accepted)";
}
}  // namespace

TEST_CASE("safetensors: a file written from the format's definition reads as its tensors and metadata", "[common][infra]") {
    const std::string header = R"({"__metadata__":{"format":"pt"},)"
                               R"("b":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},)"
                               R"("W":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})";
    const auto file = util::decode_safetensors(file_of(header, floats({1, 2, 3, 4, 5, 6, -1, 0.5f})), "hand-made");
    REQUIRE(file.metadata.at("format") == "pt");
    REQUIRE(file.tensors.size() == 2);
    CHECK(file.tensors[0].name == "W");   // in the order of the data, not of the header
    const Tensor* W = file.find("W");
    const Tensor* b = file.find("b");
    REQUIRE((W && b));
    CHECK(W->shape() == Shape{2, 3});
    CHECK((*W)[5] == 6.0f);
    CHECK(b->shape() == Shape{2});
    CHECK((*b)[1] == 0.5f);
    CHECK(file.find("c") == nullptr);
}

TEST_CASE("safetensors: what we write has the format's layout and reads back unchanged", "[common][infra]") {
    util::Safetensors file;
    file.metadata["dlfs_model"] = "Sequential";
    Tensor W({3, 2}), b({3}), scalar(Shape{}), empty({0, 4});
    for (std::size_t i = 0; i < W.size(); ++i) W[i] = 0.25f * static_cast<float>(i) - 1;
    b[2] = 7;
    scalar[0] = -3;
    file.tensors = {{"fc1.weight", W}, {"fc1.bias", b}, {"scale", scalar}, {"none", empty}};
    const std::string bytes = util::encode_safetensors(file);

    std::uint64_t header_bytes = 0;
    for (int i = 0; i < 8; ++i) header_bytes |= std::uint64_t{static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)])} << (8 * i);
    REQUIRE(header_bytes % 8 == 0);   // the data starts aligned
    const std::string header = bytes.substr(8, header_bytes);
    CHECK(header.find(R"("fc1.weight":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]})") != std::string::npos);
    CHECK(header.find(R"("scale":{"dtype":"F32","shape":[],"data_offsets":[36,40]})") != std::string::npos);
    REQUIRE(bytes.size() == 8 + header_bytes + (6 + 3 + 1) * sizeof(float));

    const auto back = util::decode_safetensors(bytes, "round trip");
    REQUIRE(back.metadata == file.metadata);
    REQUIRE(back.tensors.size() == 4);
    for (const auto& [name, value] : file.tensors) {
        const Tensor* t = back.find(name);
        REQUIRE(t != nullptr);
        CHECK(t->shape() == value.shape());
        CHECK(std::equal(value.begin(), value.end(), t->begin()));
    }

    const auto path = std::filesystem::temp_directory_path() / "dlfs_test_safetensors" / "model.safetensors";
    util::write_safetensors(path, file);
    CHECK((*util::read_safetensors(path).find("fc1.bias"))[2] == 7.0f);
    CHECK_THROWS_WITH(util::read_safetensors(path.parent_path() / "missing.safetensors"),
                      Catch::Contains("missing.safetensors") && Catch::Contains("no such file"));
    std::filesystem::remove_all(path.parent_path());
}

TEST_CASE("safetensors: a malformed file is refused with what is wrong", "[common][infra]") {
    const std::string W = R"("W":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
    const std::string good = file_of("{" + W + "}", floats({1, 2}));
    REQUIRE_NOTHROW(util::decode_safetensors(good, "good"));

    CHECK_THAT(refusal("abc"), Catch::Contains("model.safetensors") && Catch::Contains("8-byte length"));
    CHECK_THAT(refusal(good.substr(0, 20)), Catch::Contains("truncated"));   // the header is cut
    CHECK_THAT(refusal(good.substr(0, good.size() - 1)), Catch::Contains("truncated"));   // the data is cut
    CHECK_THAT(refusal(good + "x"), Catch::Contains("extra bytes"));
    CHECK_THAT(refusal(std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}"), Catch::Contains("header of"));
    CHECK_THAT(refusal(file_of(R"({"W":{"dtype":"F32",,})", "")), Catch::Contains("not valid JSON at byte 28"));
    CHECK_THAT(refusal(file_of("[1, 2]", "")), Catch::Contains("not a JSON object"));
    // Well-formed JSON that no double holds (found by the fuzzer).
    CHECK_THAT(refusal(file_of(R"({"W":{"dtype":"F32","shape":[333e3333],"data_offsets":[0,8]}})", floats({1, 2}))),
               Catch::Contains("cannot be read") && Catch::Contains("overflow"));
    CHECK_THAT(refusal(file_of(R"({"W":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", "xxxx")),
               Catch::Contains("'W'") && Catch::Contains("F16") && Catch::Contains(".float()"));
    CHECK_THAT(refusal(file_of(R"({"W":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", floats({1, 2}))),
               Catch::Contains("span 8 bytes") && Catch::Contains("take 12"));
    CHECK_THAT(refusal(file_of(R"({"W":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", floats({1, 2}))),
               Catch::Contains("whole number"));
    CHECK_THAT(refusal(file_of(R"({"W":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", floats({1, 2}))),
               Catch::Contains("begin <= end"));
    CHECK_THAT(refusal(file_of(R"({"W":{"dtype":"F32","shape":[2]}})", floats({1, 2}))), Catch::Contains("data_offsets"));
    // Two tensors on the same bytes, and a gap between two.
    CHECK_THAT(refusal(file_of("{" + W + R"(,"V":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", floats({1, 2}))),
               Catch::Contains("no gap or overlap"));
    CHECK_THAT(refusal(file_of("{" + W + R"(,"V":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})", floats({1, 2, 3, 4}))),
               Catch::Contains("'V' starts at data byte 12, expected 8"));
    CHECK_THAT(refusal(file_of(R"({"__metadata__":{"a":1}})", "")), Catch::Contains("'a' is not a string"));
    // A shape whose size overflows is refused before anything is allocated.
    CHECK_THAT(refusal(file_of(R"({"W":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", floats({1, 2}))),
               Catch::Contains("impossibly large"));
}
