// Progress: a one-line progress report on stderr for long work, as
//   cp  1.2 GiB / 4.0 GiB  30%  850 MiB/s  3s left
// redrawn at most ten times a second and erased when done. It stays silent
// unless both stdout and stderr are terminals, so pipes, files and scripts
// see exactly the output they saw before.
#ifndef TFCKPT_TOOLS_TFCKPT_PROGRESS_H_
#define TFCKPT_TOOLS_TFCKPT_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace tfckpt::cli {

class Progress {
 public:
  // `label` starts the line; `total_bytes` is the work to do (0: unknown).
  Progress(std::string label, uint64_t total_bytes);
  // Erases the line.
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Records `bytes` more done. Thread-compatible: callers serialize.
  void Add(uint64_t bytes);

  // The line for `done` of `total` bytes after `seconds` (exposed for tests).
  static std::string Line(const std::string& label, uint64_t done, uint64_t total,
                          double seconds);

 private:
  using Clock = std::chrono::steady_clock;

  std::string label_;
  uint64_t total_;
  uint64_t done_ = 0;
  uint64_t next_clock_check_ = 0;
  bool enabled_;
  bool drawn_ = false;
  Clock::time_point start_;
  Clock::time_point last_draw_;
};

}  // namespace tfckpt::cli

#endif  // TFCKPT_TOOLS_TFCKPT_PROGRESS_H_
