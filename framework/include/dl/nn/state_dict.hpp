#pragma once
// A model's tensors under the names the equivalent PyTorch module gives them in its state_dict,
// for safetensors files that PyTorch loads as they are, and back:
//
//   ours                                    PyTorch
//   Sequential layer i: Dense, Conv2D       i.weight, i.bias        (nn.Linear, nn.Conv2d: the same layout)
//                       ConvTranspose2D     i.weight, i.bias        (nn.ConvTranspose2d: [C, OC, KH, KW] both)
//                       BatchNorm           i.weight, i.bias (γ, β), i.running_mean, i.running_var
//                       Logistic            i.weight [1, in], i.bias [1]   (nn.Linear(in, 1), then nn.Sigmoid)
//   RecurrentLm         embedding.weight; lstm.weight_ih_lK, lstm.weight_hh_lK (our W = [W_ih | W_hh]
//                       split by columns), lstm.bias_ih_lK (our b) and lstm.bias_hh_lK (zeros: the
//                       gates only ever see the sum); out.weight, out.bias   ("rnn." for a vanilla RNN)
//   TransformerLm       token.weight, position.weight, blocks.K.{ln1, attn.qkv, attn.proj, ln2,
//                       mlp.0, mlp.2}.{weight, bias}, ln_f.weight, ln_f.bias, head.weight
//
// The language models' PyTorch modules are bench/pytorch_lstm.py's CharLstm and
// bench/pytorch_transformer.py's CharTransformer. PyTorch's BatchNorm also keeps a count
// (num_batches_tracked, an integer that nothing in evaluation reads); load with strict=False.

#include "dl/nn/sequential.hpp"
#include "dl/tensor.hpp"
#include "dl/util/safetensors.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace dl::nn {

struct StateEntry {
    std::string name;                       // the PyTorch state_dict key
    Shape shape;                            // as PyTorch holds it
    std::function<Tensor()> get;            // the tensor as PyTorch holds it
    std::function<void(const Tensor&)> set; // loads one of `shape` (checked before)
};

// An entry for a tensor PyTorch holds exactly as we do.
StateEntry same_tensor(std::string name, Tensor& tensor);

// Throws UsageError naming the layer for a layer kind with parameters that has no PyTorch name here.
std::vector<StateEntry> state_dict(Sequential& model);
// The equivalent torch.nn.Sequential's modules, as text: "Flatten(); Linear(784, 128); ReLU();
// Linear(128, 10)" (numbers only as arguments, so a script can rebuild it without running the text).
std::string pytorch_modules(Sequential& model);

// Writes the entries (atomically) with `metadata` (and "format": "pt", as PyTorch's savers mark it).
void export_safetensors(const std::vector<StateEntry>& entries, std::map<std::string, std::string> metadata,
                        const std::filesystem::path& path);
// Reads a file and loads it into the entries, all or nothing: a missing name, a name the model does
// not have, or a shape that differs is refused (DataError, one line, naming the file and the
// tensor) before any tensor is changed. Returns the file's metadata.
std::map<std::string, std::string> import_safetensors(const std::vector<StateEntry>& entries,
                                                      const std::filesystem::path& path);
// The same for a file already read (`source` names it in messages).
void import_safetensors(const std::vector<StateEntry>& entries, const util::Safetensors& file, const std::string& source);
// Its two halves: the checks alone (every name, shape and value), changing nothing; and the
// loading of a file those checks passed.
void check_importable(const std::vector<StateEntry>& entries, const util::Safetensors& file, const std::string& source);
void load_checked(const std::vector<StateEntry>& entries, const util::Safetensors& file);

}  // namespace dl::nn
