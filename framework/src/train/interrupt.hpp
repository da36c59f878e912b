#pragma once
// The training loop's (loop.cpp): Ctrl-C, SIGTERM or SIGHUP while a run with --save trains. Internal to
// dl_framework.

#include <csignal>

namespace dl::train::detail {

// Ctrl-C (SIGINT), SIGTERM (a scheduler stopping the job) or SIGHUP (the terminal closed) while a
// run with --save trains: the
// handler only raises a flag, which the loop reads after each step and after each interval's
// evaluation (nothing else is safe in a signal handler); the previous handlers are back afterwards.
inline volatile std::sig_atomic_t interrupted = 0;
extern "C" inline void on_interrupt(int) { interrupted = 1; }

class InterruptGuard {
public:
    explicit InterruptGuard(bool active) : active_(active) {
        if (!active_) return;
        interrupted = 0;
        previous_int_ = std::signal(SIGINT, on_interrupt);
        previous_term_ = std::signal(SIGTERM, on_interrupt);
        previous_hup_ = std::signal(SIGHUP, on_interrupt);
    }
    ~InterruptGuard() {
        if (active_) {
            std::signal(SIGINT, previous_int_);
            std::signal(SIGTERM, previous_term_);
            std::signal(SIGHUP, previous_hup_);
        }
        interrupted = 0;
    }
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

private:
    bool active_;
    void (*previous_int_)(int) = SIG_DFL;
    void (*previous_term_)(int) = SIG_DFL;
    void (*previous_hup_)(int) = SIG_DFL;
};
}  // namespace dl::train::detail
