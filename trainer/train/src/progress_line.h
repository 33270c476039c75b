// The training progress line: "step 1200/20000  loss 2.345  lr 4.1e-04  12.3k tok/s  ETA 1h02m".
// On a terminal it is redrawn in place a few times a second; in a log it is printed once every
// `log_every` steps. Notes (valid loss, saves) always get a line of their own.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "lcr/core/progress.h"

namespace lcr::train_detail {

class ProgressLine {
 public:
  ProgressLine(bool quiet, int64_t log_every)
      : quiet_(quiet), tty_(::isatty(STDERR_FILENO) == 1), log_every_(log_every) {
    start_ = last_ = std::chrono::steady_clock::now();
  }
  ~ProgressLine() { clear(); }

  void update(int64_t step, int64_t total, double loss, double lr, int64_t tokens) {
    if (quiet_) return;
    loss_sum_ += loss;
    ++loss_n_;
    ++steps_;
    const auto now = std::chrono::steady_clock::now();
    const bool due = tty_ ? now - last_ >= std::chrono::milliseconds(250) || step == total
                          : step % log_every_ == 0 || step == total;
    if (!due) return;
    last_ = now;
    const double el = std::chrono::duration<double>(now - start_).count();
    const double tok_s = el > 0 ? double(tokens) / el : 0;
    const double eta = steps_ > 0 ? el / double(steps_) * double(total - step) : -1;
    char buf[256];
    std::snprintf(buf, sizeof buf, "step %lld/%lld  loss %.4f  lr %.2e  %.1fk tok/s  ETA %s",
                  static_cast<long long>(step), static_cast<long long>(total),
                  loss_sum_ / double(loss_n_), lr, tok_s / 1000, format_duration(eta).c_str());
    loss_sum_ = 0;
    loss_n_ = 0;
    if (tty_) {
      std::fprintf(stderr, "\r\033[K%s", buf);
      drawn_ = true;
    } else {
      std::fprintf(stderr, "%s\n", buf);
    }
    std::fflush(stderr);
  }

  void note(const std::string& line) {
    if (quiet_) return;
    clear();
    std::fprintf(stderr, "%s\n", line.c_str());
  }

 private:
  void clear() {
    if (drawn_) std::fputs("\r\033[K", stderr);
    drawn_ = false;
  }
  bool quiet_, tty_, drawn_ = false;
  int64_t log_every_, steps_ = 0, loss_n_ = 0;
  double loss_sum_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace lcr::train_detail
