#include "peak.hpp"

#include "dl/error.hpp"

#include <time.h>

#include <chrono>
#include <cmath>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

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

double wall_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

namespace {
std::string index_string(const Shape& shape, std::size_t flat) {
    std::vector<std::size_t> at(shape.size());
    for (std::size_t d = shape.size(); d-- > 0;) at[d] = flat % shape[d], flat /= shape[d];
    std::ostringstream s;
    for (std::size_t d = 0; d < at.size(); ++d) s << (d ? ", " : "[") << at[d];
    s << "]";
    return s.str();
}
}  // namespace

std::string compare_to_reference(const std::string& what, const char* tensor, const Tensor& got, const TensorD& ref) {
    if (got.shape() != ref.shape())
        return what + ": " + tensor + " has shape " + to_string(got.shape()) + ", expected " + to_string(ref.shape());
    double sum_sq = 0;
    for (const double r : ref) sum_sq += r * r;
    const double rms = std::sqrt(sum_sq / static_cast<double>(ref.size()));
    for (std::size_t i = 0; i < got.size(); ++i) {
        const auto g = static_cast<double>(got[i]), r = ref[i];
        const double tol = 1e-4 * (std::abs(r) + rms);
        if (!(std::abs(g - r) <= tol)) {  // a NaN fails here too
            std::ostringstream msg;
            msg << what << ": " << tensor << index_string(got.shape(), i) << " = " << got[i]
                << ", the float64 reference gives " << r << " (error " << std::abs(g - r) << " > tolerance " << tol
                << ")";
            return msg.str();
        }
    }
    return {};
}

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

void add_rate_counters(benchmark::State& state, const std::optional<Peak>& peak, double flops_per_call,
                       double bytes_per_call, double loop_seconds, int threads) {
    const double calls = static_cast<double>(state.iterations());
    state.counters["FLOPS"] = benchmark::Counter(flops_per_call * calls / loop_seconds);
    state.counters["BYTES"] = benchmark::Counter(bytes_per_call * calls / loop_seconds);
    add_peak_counters(state, peak, flops_per_call, bytes_per_call, loop_seconds, threads);
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
