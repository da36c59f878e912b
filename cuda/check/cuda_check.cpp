// cuda_check: every device kernel against its float64 CPU reference.
//
//   cuda_check [FAMILY...] [--small] [--seed N] [--list]
//
// With no family named, all run. Exit status: 0 all passed, 1 a check failed, 2 bad usage,
// 77 no usable GPU (ctest reports SKIP; the reason is printed on one line).
#include "check.hpp"
#include "dl/cuda/device.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Family {
    const char* name;
    void (*run)(dl::cuda::check::Checker&);
};

// The kernel families, from cuda/families.txt (a new one is a line there and one check_<family>.cpp).
constexpr Family families[] = {
#define DLFS_CUDA_FAMILY(name) {#name, dl::cuda::check::check_##name},
#include "families.inc"
#undef DLFS_CUDA_FAMILY
};

int usage(const char* message) {
    std::fprintf(stderr, "cuda_check: %s\nusage: cuda_check [FAMILY...] [--small] [--seed N] [--list]\nfamilies:",
                 message);
    for (const auto& f : families) std::fprintf(stderr, " %s", f.name);
    std::fprintf(stderr, "\n");
    return 2;
}

}  // namespace

int main(int argc, char* argv[]) {
    dl::cuda::check::Options options;
    std::vector<const Family*> chosen;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--small") {
            options.small = true;
        } else if (arg == "--seed") {
            if (i + 1 >= argc) return usage("--seed needs a number");
            char* end = nullptr;
            options.seed = std::strtoull(argv[++i], &end, 10);
            if (*end != '\0') return usage("--seed needs a number");
        } else if (arg == "--list") {
            for (const auto& f : families) std::printf("%s\n", f.name);
            return 0;
        } else {
            const Family* found = nullptr;
            for (const auto& f : families)
                if (arg == f.name) found = &f;
            if (!found) return usage(("unknown family or option '" + std::string(arg) + "'").c_str());
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
    std::printf("device: %s   seed %llu%s\n", dl::cuda::device_description().c_str(),
                static_cast<unsigned long long>(options.seed), options.small ? "   (small shapes)" : "");

    dl::cuda::check::Checker checker(options);
    for (const Family* f : chosen) {
        std::printf("-- %s\n", f->name);
        try {
            f->run(checker);
        } catch (const std::exception& e) {   // a CUDA error: the family stops, the others still run
            checker.fail(f->name, std::string("stopped by an error: ") + e.what());
        }
    }
    std::printf("cuda_check: %d passed, %d failed\n", checker.passed(), checker.failed());
    return checker.failed() == 0 ? 0 : 1;
}
