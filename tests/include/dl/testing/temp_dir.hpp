#pragma once
// A fresh directory under the system temp directory for one test, removed with everything in it
// when the test ends.

#include <filesystem>
#include <string>
#include <system_error>
#include <unistd.h>

namespace dl::testing {

struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& prefix = "dlfs-test") {
        static int counter = 0;
        path = std::filesystem::temp_directory_path() /
               (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::filesystem::path operator/(const std::string& name) const { return path / name; }
};

}  // namespace dl::testing
