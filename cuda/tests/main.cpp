// The CUDA tests' main: without a GPU every test exits 77, which ctest reports as skipped, after a
// one-line reason. Listing tests (done at build time) never touches the GPU.
#define CATCH_CONFIG_RUNNER
#include "dl/cuda/device.hpp"

#include <catch2/catch.hpp>

#include <iostream>
#include <string_view>

int main(int argc, char* argv[]) {
    bool listing = false;
    for (int i = 1; i < argc; ++i)
        listing = listing || std::string_view(argv[i]).rfind("--list", 0) == 0;
    if (!listing) {
        std::string reason;
        if (!dl::cuda::device_available(&reason)) {
            std::cout << "[SKIPPED] " << reason << '\n';
            return 77;
        }
        std::cout << "device: " << dl::cuda::device_description() << '\n';
    }
    return Catch::Session().run(argc, argv);
}
