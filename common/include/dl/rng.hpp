#pragma once
// A seeded random number generator that gives the same numbers on every machine and compiler.
// (The std:: distributions are implementation-defined, so we write our own on top of xoshiro256**.)

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace dl {

// Everything a generator remembers: restoring it continues the stream exactly (checkpoints).
struct RngState {
    std::uint64_t s[4] = {};
    double cached_normal = 0.0;
    bool has_cached_normal = false;
};

class Rng {
public:
    explicit Rng(std::uint64_t seed = 42);

    std::uint64_t next_u64();
    // Uniform in [0, 1) with 53 random bits.
    double uniform();
    // Uniform in [lo, hi).
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Uniform integer in [0, n), unbiased (Lemire's method). n must be > 0.
    std::uint64_t below(std::uint64_t n);
    // Standard normal N(0, 1) (Box-Muller, one value per call, the pair's second value cached).
    double normal();
    double normal(double mean, double stddev) { return mean + stddev * normal(); }
    // true with probability p.
    bool bernoulli(double p) { return uniform() < p; }

    // Fisher-Yates shuffle.
    template <class T>
    void shuffle(std::span<T> items) {
        for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[below(i)]);
    }
    template <class T>
    void shuffle(std::vector<T>& items) { shuffle(std::span<T>(items)); }

    // An independent generator derived from this one (for a sub-task that must not disturb it).
    Rng split();

    RngState state() const {
        return {{s_[0], s_[1], s_[2], s_[3]}, cached_normal_, has_cached_normal_};
    }
    void set_state(const RngState& state) {
        for (int i = 0; i < 4; ++i) s_[i] = state.s[i];
        cached_normal_ = state.cached_normal;
        has_cached_normal_ = state.has_cached_normal;
    }

private:
    std::uint64_t s_[4];
    double cached_normal_ = 0.0;
    bool has_cached_normal_ = false;
};

}  // namespace dl
