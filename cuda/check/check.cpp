#include "check.hpp"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <utility>

namespace dl::cuda::check {

std::vector<float> Checker::random(std::size_t n, float lo, float hi) {
    std::vector<float> x(n);
    for (auto& v : x) v = static_cast<float>(rng_.uniform(lo, hi));
    return x;
}

std::vector<double> to_double(const std::vector<float>& x) { return {x.begin(), x.end()}; }

TensorD to_tensor(const std::vector<float>& x, dl::Shape shape) {
    return TensorD::from(std::move(shape), to_double(x));
}

double fp32_tol(std::size_t terms) {
    return 8.0 * std::sqrt(static_cast<double>(terms) + 1.0) * static_cast<double>(FLT_EPSILON) + 1e-6;
}

bool Checker::compare(const std::string& what, const std::vector<float>& got, std::span<const double> ref, double tol) {
    if (got.size() != ref.size()) {
        fail(what, "output has " + std::to_string(got.size()) + " elements, the reference " +
                       std::to_string(ref.size()));
        return false;
    }
    // ‖got − ref‖₂ / ‖ref‖₂ over every element, and the elements no finite value was written to.
    double diff2 = 0.0, ref2 = 0.0;
    std::size_t unwritten = 0, first_unwritten = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        if (!std::isfinite(got[i]) && std::isfinite(ref[i])) {
            if (unwritten++ == 0) first_unwritten = i;
            continue;
        }
        const double d = static_cast<double>(got[i]) - ref[i];
        diff2 += d * d;
        ref2 += ref[i] * ref[i];
    }
    const double rel = ref2 > 0.0 ? std::sqrt(diff2 / ref2) : std::sqrt(diff2);
    const bool ok = unwritten == 0 && rel <= tol;   // NaN in rel fails too
    char line[512];
    if (unwritten > 0)
        std::snprintf(line, sizeof line, "%zu of %zu elements unwritten or not finite (first at %zu)", unwritten,
                      got.size(), first_unwritten);
    else
        std::snprintf(line, sizeof line, "rel %.2e (tol %.1e)", rel, tol);
    std::printf("%s %-44s %s\n", ok ? "  ok  " : "FAILED", what.c_str(), line);
    std::fflush(stdout);
    (ok ? passed_ : failed_)++;
    return ok;
}

void Checker::pass(const std::string& what) {
    std::printf("  ok   %s\n", what.c_str());
    std::fflush(stdout);
    ++passed_;
}

void Checker::fail(const std::string& what, const std::string& why) {
    std::printf("FAILED %-44s %s\n", what.c_str(), why.c_str());
    std::fflush(stdout);
    ++failed_;
}

}  // namespace dl::cuda::check
