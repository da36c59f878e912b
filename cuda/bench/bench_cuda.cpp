// bench_cuda: every CUDA kernel variant timed on the device, beside its yardstick (cuBLAS for GEMM,
// the measured copy bandwidth for the memory-bound kernels, the naive version for attention).
//
//   bench_cuda [FAMILY...] [--quick] [--out RESULT.json]
//
// Each variant is checked against a reference before it is timed (a wrong kernel is not timed).
// Exit status: 0 done, 2 bad usage, 77 no usable GPU.
#include "bench.hpp"
#include "dl/cuda/device.hpp"

#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Family {
    const char* name;
    void (*run)(dl::cuda::bench::Bench&);
};

// The kernel families, from cuda/families.txt (a new one is a line there and one bench_<family>.cpp).
constexpr Family families[] = {
#define DLFS_CUDA_FAMILY(name) {#name, dl::cuda::bench::bench_##name},
#include "families.inc"
#undef DLFS_CUDA_FAMILY
};

int usage(const std::string& message) {
    std::fprintf(stderr, "bench_cuda: %s\nusage: bench_cuda [FAMILY...] [--quick] [--out RESULT.json]\nfamilies:",
                 message.c_str());
    for (const auto& f : families) std::fprintf(stderr, " %s", f.name);
    std::fprintf(stderr, "\n");
    return 2;
}

}  // namespace

int main(int argc, char* argv[]) {
    bool quick = false;
    std::string out;
    std::vector<const Family*> chosen;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--quick") {
            quick = true;
        } else if (arg == "--out") {
            if (i + 1 >= argc) return usage("--out needs a file name");
            out = argv[++i];
        } else {
            const Family* found = nullptr;
            for (const auto& f : families)
                if (arg == f.name) found = &f;
            if (!found) return usage("unknown family or option '" + std::string(arg) + "'");
            chosen.push_back(found);
        }
    }
    if (chosen.empty())
        for (const auto& f : families) chosen.push_back(&f);

    std::string reason;
    if (!dl::cuda::device_available(&reason)) {
        std::printf("[SKIPPED] %s\n", reason.c_str());
        return 77;
    }
    std::printf("device: %s\n", dl::cuda::device_description().c_str());
    int errors = 0;
    try {
        dl::cuda::bench::Bench bench(quick);
        bench.copy_gbps();
        for (const Family* f : chosen) {
            std::printf("-- %s\n", f->name);
            try {
                f->run(bench);
            } catch (const std::exception& e) {
                std::printf("ERROR in %s: %s\n", f->name, e.what());
                ++errors;
            }
        }
        bench.print_table();
        if (!out.empty()) bench.write_json(out);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_cuda: %s\n", e.what());
        return 1;
    }
    return errors == 0 ? 0 : 1;
}
