#pragma once
// OpenMP's thread count for one test: `const testing::Threads one(1);` sets it, and the destructor
// puts the count back (a bit-for-bit comparison needs one thread; a thread test needs several).

#include <omp.h>

namespace dl::testing {

class Threads {
public:
    explicit Threads(int count) : before_(omp_get_max_threads()) { omp_set_num_threads(count); }
    ~Threads() { omp_set_num_threads(before_); }
    Threads(const Threads&) = delete;
    Threads& operator=(const Threads&) = delete;

private:
    int before_;
};

}  // namespace dl::testing
