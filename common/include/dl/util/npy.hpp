#pragma once
// NumPy's .npy format (version 1.0), written so that a learner can load a model's weights in
// Python: numpy.load("runs/ch05_cnn/weights/01_conv2d_W.npy").
//   "\x93NUMPY" 1 0   header length (u16, little-endian)   header: a Python dict literal
//   {'descr': '<f4', 'fortran_order': False, 'shape': (32, 1, 3, 3), }   padded with spaces and a
//   newline to a multiple of 64 bytes   then the float32 elements, row-major (C order)

#include "dl/tensor.hpp"

#include <filesystem>
#include <string>

namespace dl::util {

std::string encode_npy(const Tensor& t);
// Written atomically (a temporary file renamed into place).
void write_npy(const std::filesystem::path& path, const Tensor& t);

// Reads a .npy of float32 in C order (version 1.0 or 2.0; numpy.save writes these for a float32
// array). Throws DataError naming the file and what is wrong with it (another dtype, Fortran order,
// a header or data cut short) and the byte where it went wrong.
Tensor read_npy(const std::filesystem::path& path);

}  // namespace dl::util
