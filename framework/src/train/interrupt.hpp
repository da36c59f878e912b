#pragma once
// Shared by the training loops (trainer.cpp, language_model.cpp): Ctrl-C while a run with --save
// trains. Internal to dl_nn.

#include <csignal>

namespace dl::train::detail {

// Ctrl-C while a run with --save trains: the handler only raises a flag, which fit() reads after
// each step (nothing else is safe in a signal handler); the previous handler is back afterwards.
inline volatile std::sig_atomic_t interrupted = 0;
extern "C" inline void on_interrupt(int) { interrupted = 1; }

class InterruptGuard {
public:
    explicit InterruptGuard(bool active) : active_(active) {
        if (!active_) return;
        interrupted = 0;
        previous_ = std::signal(SIGINT, on_interrupt);
    }
    ~InterruptGuard() {
        if (active_) std::signal(SIGINT, previous_);
        interrupted = 0;
    }
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

private:
    bool active_;
    void (*previous_)(int) = SIG_DFL;
};
}  // namespace dl::train::detail
