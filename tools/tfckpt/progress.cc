#include "tools/tfckpt/progress.h"

#include <unistd.h>

#include <cstdio>
#include <iterator>
#include <utility>

namespace tfckpt::cli {
namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr uint64_t kClockCheckBytes = uint64_t{1} << 18;

// "850 MiB", "1.2 GiB": binary units, three significant digits at most.
std::string FormatBytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  size_t unit = 0;
  while (bytes >= 1024 && unit + 1 < std::size(kUnits)) {
    bytes /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), bytes < 10 && unit > 0 ? "%.1f %s" : "%.0f %s", bytes,
                kUnits[unit]);
  return text;
}

}  // namespace

Progress::Progress(std::string label, uint64_t total_bytes)
    : label_(std::move(label)),
      total_(total_bytes),
      enabled_(isatty(STDOUT_FILENO) == 1 && isatty(STDERR_FILENO) == 1),
      start_(Clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  // Erase the line so the command's own output starts on a clean one.
  if (drawn_) std::fputs("\r\033[K", stderr);
}

void Progress::Add(uint64_t bytes) {
  done_ += bytes;
  // Reading the clock costs more than counting: look only now and then,
  // so that callers may report every element.
  if (!enabled_ || done_ < next_clock_check_) return;
  next_clock_check_ = done_ + kClockCheckBytes;
  const Clock::time_point now = Clock::now();
  if (now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  std::fprintf(stderr, "\r\033[K%s", Line(label_, done_, total_, seconds).c_str());
  std::fflush(stderr);
  drawn_ = true;
}

std::string Progress::Line(const std::string& label, uint64_t done, uint64_t total,
                           double seconds) {
  std::string line = label + "  " + FormatBytes(static_cast<double>(done));
  if (total > 0) {
    line += " / " + FormatBytes(static_cast<double>(total)) + "  " +
            std::to_string(done * 100 / total) + "%";
  }
  if (seconds > 0) {
    const double rate = static_cast<double>(done) / seconds;
    line += "  " + FormatBytes(rate) + "/s";
    if (total > done && rate > 0) {
      line += "  " + std::to_string(static_cast<uint64_t>(
                         static_cast<double>(total - done) / rate + 0.5)) +
              "s left";
    }
  }
  return line;
}

}  // namespace tfckpt::cli
