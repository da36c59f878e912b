#pragma once
// safetensors, the format Hugging Face's `safetensors` package writes and PyTorch, JAX and the model
// hubs read: a model's tensors by name, and nothing that runs (unlike a pickle).
//
//   N        8 bytes: the header's length in bytes (u64, little-endian)
//   header   N bytes of JSON, padded with spaces:
//              {"__metadata__": {"key": "text", ...},                 (optional; strings only)
//               "fc1.weight": {"dtype": "F32", "shape": [128, 784], "data_offsets": [0, 401408]}, ...}
//   data     every tensor's elements, row-major, little-endian, at [begin, end) of this part; the
//            tensors tile it exactly, with no gap and no overlap
//
// We write and read F32 (the only type our models hold); another dtype is refused by name.
// Written atomically (a temporary file renamed into place), like a checkpoint.

#include "dl/tensor.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dl::util {

struct NamedTensor {
    std::string name;
    Tensor value;
};

struct Safetensors {
    std::vector<NamedTensor> tensors;               // in the order of their data
    std::map<std::string, std::string> metadata;    // "__metadata__"
    // The tensor called `name`, or nullptr.
    const Tensor* find(const std::string& name) const;
};

std::string encode_safetensors(const Safetensors& file);
// Throws DataError naming `source` and what is wrong (with the byte, for a header that is not JSON)
// for any bytes that are not a well-formed safetensors file of F32 tensors. Allocates nothing a
// header merely claims: every size is checked against the bytes actually there first.
Safetensors decode_safetensors(std::string_view bytes, const std::string& source);

void write_safetensors(const std::filesystem::path& path, const Safetensors& file);
Safetensors read_safetensors(const std::filesystem::path& path);

}  // namespace dl::util
