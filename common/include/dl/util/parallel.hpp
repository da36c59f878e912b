#pragma once
// An exception must not leave an OpenMP parallel region: that is std::terminate, so a
// std::bad_alloc inside a kernel's threads would end the program with a bare "terminate called".
// A kernel runs each piece of work through one ParallelFailure and rethrows after the region:
//
//   util::ParallelFailure failure;
//   #pragma omp parallel for
//   for (std::size_t n = 0; n < N; ++n)
//       failure.run([&] { ... });      // once a piece has failed, the rest are skipped
//   failure.rethrow();                 // the first exception, outside the region

#include <atomic>
#include <exception>
#include <mutex>

namespace dl::util {

class ParallelFailure {
public:
    template <class Work>
    void run(Work&& work) noexcept {
        if (failed_.load(std::memory_order_relaxed)) return;
        try {
            work();
        } catch (...) {
            const std::lock_guard<std::mutex> lock(mutex_);
            if (!error_) error_ = std::current_exception();
            failed_.store(true, std::memory_order_relaxed);
        }
    }
    void rethrow() const {
        if (error_) std::rethrow_exception(error_);
    }

private:
    std::atomic<bool> failed_{false};
    std::mutex mutex_;
    std::exception_ptr error_;
};

}  // namespace dl::util
