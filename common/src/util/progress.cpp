#include "dl/util/progress.hpp"

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace dl::util {

namespace {
bool bars_disabled = false;
}  // namespace

bool stdout_is_terminal() { return isatty(fileno(stdout)) != 0; }

void disable_progress_bars() { bars_disabled = true; }

std::string format_fixed(double value, int digits) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(digits) << value;
    return out.str();
}

ProgressBar::ProgressBar(std::size_t total, std::string label, bool enabled)
    : total_(total), label_(std::move(label)), enabled_(enabled && total > 0 && !bars_disabled && stdout_is_terminal()) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::advance(const std::string& status) {
    if (!enabled_) return;
    ++done_;
    const double now = timer_.seconds();
    if (done_ == total_ || now - last_draw_ >= 0.1) {
        last_draw_ = now;
        draw(status);
    }
}

void ProgressBar::draw(const std::string& status) {
    constexpr std::size_t width = 30;
    const std::size_t filled = done_ * width / total_;
    std::cout << '\r' << label_ << " [" << std::string(filled, '#') << std::string(width - filled, '.') << "] "
              << std::setw(static_cast<int>(std::to_string(total_).size())) << done_ << '/' << total_ << "  "
              << status << "  " << format_fixed(timer_.seconds(), 1) << " s\033[K" << std::flush;
}

void ProgressBar::finish() {
    if (!enabled_ || finished_) return;
    finished_ = true;
    std::cout << "\r\033[K" << std::flush;
}

}  // namespace dl::util
