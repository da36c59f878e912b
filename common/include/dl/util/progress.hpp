#pragma once
// A progress bar on a terminal; silent when stdout is not a terminal (logs stay clean: the chapter
// prints one plain line per epoch instead).
//
//   epoch 3/15 [##############..........]  1150/1719  loss 0.3121  12.3 s

#include "dl/util/timer.hpp"

#include <cstddef>
#include <string>

namespace dl::util {

class ProgressBar {
public:
    // enabled = false, or stdout not a terminal, makes every call a no-op.
    ProgressBar(std::size_t total, std::string label, bool enabled = true);
    ~ProgressBar();
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;
    // One more step done; `status` is shown after the bar (redrawn at most ~10 times a second).
    void advance(const std::string& status = "");
    // Clear the bar's line so the caller's summary line replaces it.
    void finish();

private:
    void draw(const std::string& status);
    std::size_t total_, done_ = 0;
    std::string label_;
    bool enabled_, finished_ = false;
    Timer timer_;
    double last_draw_ = -1.0;
};

// 0.123456 with digits = 4 -> "0.1235"
std::string format_fixed(double value, int digits);

// true when standard output is a terminal.
bool stdout_is_terminal();

// Progress bars are drawn on a terminal unless a program turns them off for good: chapter 10's
// processes under mpirun, whose standard output is always a pseudo-terminal (mpirun's own may be a
// file or a pipe, where a bar's carriage returns would be noise).
void disable_progress_bars();

}  // namespace dl::util
