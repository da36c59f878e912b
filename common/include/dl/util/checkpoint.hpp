#pragma once
// The checkpoint file: named float tensors (a model's parameters and buffers, an optimizer's state)
// and named 64-bit numbers (generator states, counters; a double is kept as its bits) with the
// epoch and step, in a versioned binary format that refuses any file it did not write.
//
//   "DLFSCKPT"  8 bytes, the magic number
//   version     u32 (2; version 1 had no numbers)
//   kind        u32 length + bytes (what wrote it, e.g. the program and the model's summary)
//   epoch, step i64, i64
//   count       u32 tensors, each: name (u32 length + bytes), rank (u32, ≤ 8), rank dims (u64),
//               then the elements as float32
//   count       u32 numbers, each: name (u32 length + bytes), value (u64)
//   crc32       u32 of every byte before it
// Integers and floats are little-endian. Written to a temporary file and renamed into place, so a
// crash mid-write leaves the previous checkpoint whole. train::fit writes and reads it for
// --save and --resume (dl/train/resume.hpp).

#include "dl/tensor.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace dl::util {

struct CheckpointTensor {
    std::string name;
    Tensor value;
};

struct CheckpointNumber {
    std::string name;
    std::uint64_t value = 0;
};

struct Checkpoint {
    std::string kind;
    std::int64_t epoch = 0, step = 0;
    std::vector<CheckpointTensor> tensors;
    std::vector<CheckpointNumber> numbers;
};

inline constexpr std::uint32_t checkpoint_version = 2;

// The file's bytes, and the checkpoint back from them. decode throws DataError naming `source`
// and the byte offset of the problem: not a checkpoint (magic), another version, damaged
// (checksum), truncated, or a header whose sizes do not fit the file (nothing is allocated from
// a size the file merely claims).
std::string encode_checkpoint(const Checkpoint& checkpoint);
Checkpoint decode_checkpoint(const std::string& bytes, const std::string& source);

void write_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint);
Checkpoint read_checkpoint(const std::filesystem::path& path);

}  // namespace dl::util
