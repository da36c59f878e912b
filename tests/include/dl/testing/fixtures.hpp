#pragma once
// Reference values computed by PyTorch in float64 (scripts/make-fixtures), read from
// tests/fixtures/. A fixture file holds named tensors:
//   tensor NAME RANK D0 D1 ...
//   value            (one per line, row-major; lines starting with '#' are comments)

#include "dl/error.hpp"
#include "dl/tensor.hpp"

#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace dl::testing {

class Fixture {
public:
    // Reads tests/fixtures/<name> from the source tree; a missing or malformed file throws DataError.
    explicit Fixture(const std::string& name) : path_(std::string(DLFS_SOURCE_DIR) + "/tests/fixtures/" + name) {
        std::ifstream in(path_);
        if (!in) DL_THROW(DataError, path_ << ": cannot open the fixture (run scripts/make-fixtures)");
        std::string line, word, key;
        std::size_t line_no = 0;
        TensorD* current = nullptr;
        std::size_t filled = 0;
        while (std::getline(in, line)) {
            ++line_no;
            if (line.empty() || line[0] == '#') continue;
            std::istringstream fields(line);
            if (line.rfind("tensor ", 0) == 0) {
                DL_CHECK(current == nullptr || filled == current->size(),
                         path_ << ':' << line_no << ": tensor '" << key << "' has too few values");
                std::size_t rank = 0;
                fields >> word >> key >> rank;
                Shape shape(rank);
                for (auto& d : shape) fields >> d;
                DL_CHECK(fields && !key.empty(), path_ << ':' << line_no << ": bad tensor header '" << line << "'");
                current = &tensors_.emplace(key, TensorD(shape)).first->second;
                filled = 0;
                continue;
            }
            DL_CHECK(current != nullptr && filled < current->size(),
                     path_ << ':' << line_no << ": a value outside any tensor, or too many values");
            DL_CHECK(static_cast<bool>(fields >> (*current)[filled]), path_ << ':' << line_no << ": not a number");
            ++filled;
        }
        DL_CHECK(current == nullptr || filled == current->size(), path_ << ": tensor '" << key << "' is incomplete");
    }

    const TensorD& operator[](const std::string& name) const {
        const auto it = tensors_.find(name);
        if (it == tensors_.end()) DL_THROW(DataError, path_ << ": no tensor named '" << name << "'");
        return it->second;
    }
    // The tensor as float32 (for the float versions of the ops).
    Tensor as_float(const std::string& name) const { return tensor_cast<float>((*this)[name]); }

private:
    std::string path_;
    std::map<std::string, TensorD> tensors_;
};

}  // namespace dl::testing
