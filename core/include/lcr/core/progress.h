// A progress line for long work: "label  done/total  rate/s  ETA". Redrawn in place on a
// terminal (stderr is a tty), at most a few times a second; silent in logs, where only
// finish() prints one summary line.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace lcr {

/// "42s", "3m05s", "1h02m"; "?" when negative or absurd. Header-only, so the libtorch
/// plugins (which must not link lcr_core) share it.
inline std::string format_duration(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "?";
  const auto t = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else if (t >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", t);
  return buf;
}

class Progress {
 public:
  /// `total` 0 means unknown (no ETA). `unit` names what is counted ("cases", "MB").
  Progress(std::string label, uint64_t total, std::string unit);
  ~Progress();
  void update(uint64_t done);
  void set_total(uint64_t total) { total_ = total; }
  /// Prints the final line (also in logs) with the elapsed time.
  void finish(const std::string& note = "");
  /// Forces the terminal behaviour on or off (tests); default follows isatty(stderr).
  static void set_enabled(int on);  // 1 on, 0 off, -1 auto

 private:
  void draw(bool final_line);
  std::string label_, unit_;
  uint64_t total_ = 0, done_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
  bool tty_ = false, finished_ = false;
};

}  // namespace lcr
