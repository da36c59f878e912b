#include "peak.hpp"

#include "dl/error.hpp"

#include <time.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace dl::bench {
namespace {

// peak.json is flat and written by bench_peak, so a key lookup is enough: find "key", then the
// number after the colon. Returns 0 when the key is absent or not a positive number.
double number_after_key(const std::string& text, const std::string& key) {
    const auto at = text.find('"' + key + '"');
    if (at == std::string::npos) return 0;
    const auto colon = text.find(':', at);
    if (colon == std::string::npos) return 0;
    const char* begin = text.c_str() + colon + 1;
    char* end = nullptr;
    const double v = std::strtod(begin, &end);
    return end != begin && v > 0 ? v : 0;
}

}  // namespace

std::optional<Peak> load_peak(const char* program) {
    const char* env = std::getenv("DLFS_PEAK_JSON");
    const std::string path = env != nullptr && *env != '\0' ? env : "peak.json";
    std::ifstream in(path);
    if (!in) {
        std::cerr << program << ": no " << path << " (set DLFS_PEAK_JSON or run in its directory): "
                  << "run bench_peak first to see % of peak\n";
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    Peak p;
    p.fma_flops_1t = number_after_key(text.str(), "fma_flops_1t");
    p.fma_flops_all = number_after_key(text.str(), "fma_flops_all");
    p.triad_bytes_all = number_after_key(text.str(), "triad_bytes_all");
    p.path = path;
    if (p.fma_flops_1t == 0 || p.fma_flops_all == 0 || p.triad_bytes_all == 0) {
        std::cerr << program << ": " << path << " lacks fma_flops_1t, fma_flops_all or triad_bytes_all: "
                  << "run bench_peak again to rewrite it\n";
        return std::nullopt;
    }
    return p;
}

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

void add_peak_counters(benchmark::State& state, const std::optional<Peak>& peak, double flops_per_iter,
                       double bytes_per_iter, double loop_seconds, int threads) {
    if (!peak || !(loop_seconds > 0) || state.iterations() == 0) return;
    const double per_s = static_cast<double>(state.iterations()) / loop_seconds;
    const double flops_peak = threads == 1 ? peak->fma_flops_1t : peak->fma_flops_all;
    state.counters["pct_peak_flops"] = 100.0 * flops_per_iter * per_s / flops_peak;
    if (bytes_per_iter > 0) state.counters["pct_peak_bw"] = 100.0 * bytes_per_iter * per_s / peak->triad_bytes_all;
}

bool take_short_flag(int& argc, char** argv) {
    const char* env = std::getenv("DLFS_BENCH_SHORT");
    bool short_mode = env != nullptr && std::strcmp(env, "") != 0 && std::strcmp(env, "0") != 0;
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--short") == 0)
            short_mode = true;
        else
            argv[kept++] = argv[i];
    }
    argc = kept;
    return short_mode;
}

bool validated(benchmark::State& state, const std::string& what, const std::function<std::string()>& validate) {
    try {
        if (const std::string error = validate(); !error.empty()) {
            state.SkipWithError(error.c_str());
            return false;
        }
    } catch (const dl::NotImplemented& e) {   // a learner's stub: its message says what to write
        state.SkipWithError(e.what());
        return false;
    } catch (const std::exception& e) {
        const std::string error = what + " threw: " + e.what();
        state.SkipWithError(error.c_str());
        return false;
    }
    return true;
}

}  // namespace dl::bench
