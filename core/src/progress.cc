#include "lcr/core/progress.h"

#include <unistd.h>

#include <cstdio>

namespace lcr {

namespace {
int g_enabled = -1;

}  // namespace

void Progress::set_enabled(int on) { g_enabled = on; }

Progress::Progress(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total) {
  start_ = last_ = std::chrono::steady_clock::now();
  tty_ = g_enabled < 0 ? ::isatty(STDERR_FILENO) == 1 : g_enabled == 1;
}

Progress::~Progress() {
  if (tty_ && !finished_) std::fputc('\n', stderr);
}

void Progress::update(uint64_t done) {
  done_ = done;
  if (!tty_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  draw(false);
}

void Progress::draw(bool final_line) {
  double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = el > 0 ? static_cast<double>(done_) / el : 0;
  // A slow rate (queries at a few seconds each) keeps two figures instead of printing 0/s.
  const int prec = rate > 0 && rate < 10 ? (rate < 1 ? 2 : 1) : 0;
  char buf[256];
  if (final_line) {
    std::snprintf(buf, sizeof buf, "%s: %llu %s in %s (%.*f %s/s)", label_.c_str(),
                  static_cast<unsigned long long>(done_), unit_.c_str(),
                  format_duration(el).c_str(), prec, rate, unit_.c_str());
  } else if (total_ > 0) {
    double eta = rate > 0 ? static_cast<double>(total_ - std::min(done_, total_)) / rate : -1;
    std::snprintf(buf, sizeof buf, "\r%s  %llu/%llu %s  %.*f %s/s  ETA %s   ", label_.c_str(),
                  static_cast<unsigned long long>(done_),
                  static_cast<unsigned long long>(total_), unit_.c_str(), prec, rate, unit_.c_str(),
                  format_duration(eta).c_str());
  } else {
    std::snprintf(buf, sizeof buf, "\r%s  %llu %s  %.*f %s/s   ", label_.c_str(),
                  static_cast<unsigned long long>(done_), unit_.c_str(), prec, rate, unit_.c_str());
  }
  std::fputs(buf, stderr);
  std::fflush(stderr);
}

void Progress::finish(const std::string& note) {
  if (finished_) return;
  finished_ = true;
  if (tty_) std::fputs("\r\033[K", stderr);
  draw(true);
  if (!note.empty()) std::fprintf(stderr, ", %s", note.c_str());
  std::fputc('\n', stderr);
}

}  // namespace lcr
