// Our models under PyTorch's names (dl/nn/state_dict.hpp): the names and shapes PyTorch's modules
// have, a safetensors round trip that restores every parameter bit for bit, the LSTM's weight split
// and its two biases summed, and an import that refuses a wrong name or shape before changing
// anything. (That PyTorch computes our logits from these files is scripts/check-in-pytorch's.)
#include "dl/nn/activations.hpp"
#include "dl/nn/language_model.hpp"
#include "dl/nn/logistic.hpp"
#include "dl/nn/regularization.hpp"
#include "dl/nn/state_dict.hpp"
#include "dl/nn/transformer.hpp"
#include "dl/testing/checks.hpp"
#include "dl/testing/temp_dir.hpp"
#include "dl/util/safetensors.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <map>

using namespace dl;
using Catch::Matchers::Contains;

namespace {
std::map<std::string, Shape> names_and_shapes(const std::vector<nn::StateEntry>& entries) {
    std::map<std::string, Shape> out;
    for (const auto& e : entries) out[e.name] = e.shape;
    return out;
}
}  // namespace

TEST_CASE("the character LSTM goes out as CharLstm's state_dict and comes back bit for bit", "[ch07][infra]") {
    const std::size_t V = 11, D = 3, H = 4;
    Rng rng(1), other(2);
    nn::RecurrentLm model(V, {.embed = D, .hidden = H}, rng), copy(V, {.embed = D, .hidden = H}, other);
    const auto entries = model.state_dict();
    CHECK(names_and_shapes(entries) == std::map<std::string, Shape>{{"embedding.weight", {V, D}},
                                                                    {"lstm.weight_ih_l0", {4 * H, D}},
                                                                    {"lstm.weight_hh_l0", {4 * H, H}},
                                                                    {"lstm.bias_ih_l0", {4 * H}},
                                                                    {"lstm.bias_hh_l0", {4 * H}},
                                                                    {"out.weight", {V, H}},
                                                                    {"out.bias", {V}}});
    // W = [W_ih | W_hh]: row r of W is row r of weight_ih followed by row r of weight_hh.
    const Tensor& W = model.parameters()[1]->value;
    const Tensor ih = entries[1].get(), hh = entries[2].get();
    CHECK(ih.row(5)[2] == W.row(5)[2]);
    CHECK(hh.row(5)[0] == W.row(5)[D]);

    testing::TempDir dir;
    nn::export_safetensors(entries, {{"note", "test"}}, dir.path / "lstm.safetensors");
    const auto metadata = nn::import_safetensors(copy.state_dict(), dir.path / "lstm.safetensors");
    CHECK(metadata.at("note") == "test");
    CHECK(metadata.at("format") == "pt");
    REQUIRE(testing::same_bits(model.parameters(), copy.parameters()));

    // PyTorch's two biases reach the gates only as their sum: that sum is our one bias.
    util::Safetensors file = util::read_safetensors(dir.path / "lstm.safetensors");
    for (auto& t : file.tensors) {
        if (t.name == "lstm.bias_ih_l0") t.value.fill(1.0f);
        if (t.name == "lstm.bias_hh_l0") t.value.fill(0.25f);
    }
    util::write_safetensors(dir.path / "two-biases.safetensors", file);
    nn::import_safetensors(copy.state_dict(), dir.path / "two-biases.safetensors");
    CHECK(copy.parameters()[2]->value[7] == 1.25f);
}

TEST_CASE("the character Transformer goes out as CharTransformer's state_dict, and a wrong file changes nothing",
          "[ch07][infra]") {
    Rng rng(1), other(2);
    const nn::TransformerLmOptions o{.layers = 2, .heads = 2, .width = 8, .context = 6};
    nn::TransformerLm model(13, o, rng), copy(13, o, other);
    const auto shapes = names_and_shapes(model.state_dict());
    CHECK(shapes.size() == 2 + 12 * 2 + 3);
    CHECK(shapes.at("token.weight") == Shape{13, 8});
    CHECK(shapes.at("position.weight") == Shape{6, 8});
    CHECK(shapes.at("blocks.1.attn.qkv.weight") == Shape{24, 8});
    CHECK(shapes.at("blocks.1.mlp.0.weight") == Shape{32, 8});
    CHECK(shapes.at("blocks.1.mlp.2.weight") == Shape{8, 32});
    CHECK(shapes.at("head.weight") == Shape{13, 8});
    CHECK(model.pytorch_module().at("module") == "CharTransformer");

    testing::TempDir dir;
    const auto path = dir.path / "gpt.safetensors";
    nn::export_safetensors(model.state_dict(), {}, path);
    const auto before = copy.parameters()[3]->value;

    nn::TransformerLm wider(13, {.layers = 2, .heads = 2, .width = 16, .context = 6}, rng);
    CHECK_THROWS_WITH(nn::import_safetensors(wider.state_dict(), path),
                      Contains("'token.weight' has shape [13, 8], this model's is [13, 16]"));
    nn::TransformerLm deeper(13, {.layers = 3, .heads = 2, .width = 8, .context = 6}, rng);
    CHECK_THROWS_WITH(nn::import_safetensors(deeper.state_dict(), path), Contains("no tensor 'blocks.2.ln1.weight'"));
    nn::TransformerLm shallower(13, {.layers = 1, .heads = 2, .width = 8, .context = 6}, rng);
    CHECK_THROWS_WITH(nn::import_safetensors(shallower.state_dict(), path), Contains("'blocks.1.") && Contains("not one of"));
    util::Safetensors file = util::read_safetensors(path);
    file.tensors.back().value[5] = std::numeric_limits<float>::quiet_NaN();
    util::write_safetensors(dir.path / "nan.safetensors", file);
    CHECK_THROWS_WITH(nn::import_safetensors(copy.state_dict(), dir.path / "nan.safetensors"),
                      Contains("'head.weight' holds nan at element 5"));
    CHECK(copy.parameters()[3]->value.span()[0] == before.span()[0]);   // refusals change nothing

    nn::import_safetensors(copy.state_dict(), path);
    REQUIRE(testing::same_bits(model.parameters(), copy.parameters()));
}

TEST_CASE("a Sequential goes out as torch.nn.Sequential: indices, batch norm's statistics, logistic regression",
          "[ch07][infra]") {
    Rng rng(3);
    nn::Sequential model({2, 2});
    model.add<nn::Flatten>();
    model.add<nn::BatchNorm>(4);
    model.add<nn::Dropout>(0.25);
    model.add<nn::Logistic>(4, rng);
    CHECK(nn::pytorch_modules(model) == "Flatten(); BatchNorm1d(4); Dropout(0.25); Linear(4, 1); Sigmoid()");
    const auto entries = nn::state_dict(model);
    CHECK(names_and_shapes(entries) == std::map<std::string, Shape>{{"1.weight", {4}},
                                                                    {"1.bias", {4}},
                                                                    {"1.running_mean", {4}},
                                                                    {"1.running_var", {4}},
                                                                    {"3.weight", {1, 4}},
                                                                    {"3.bias", {1}}});
    CHECK(entries[3].get()[0] == 1.0f);   // the running variance starts at 1
}
