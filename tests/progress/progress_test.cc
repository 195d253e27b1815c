#include "tools/tfckpt/progress.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace tfckpt::cli {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

TEST(ProgressTest, LineShowsBytesPercentRateAndTimeLeft) {
  EXPECT_EQ(Progress::Line("cp", 512 * kMiB, 1024 * kMiB, 2.0),
            "cp  512 MiB / 1.0 GiB  50%  256 MiB/s  2s left");
  EXPECT_EQ(Progress::Line("verify", 3 * kMiB / 2, 3 * kMiB, 0.5),
            "verify  1.5 MiB / 3.0 MiB  50%  3.0 MiB/s  1s left");
}

TEST(ProgressTest, LineWithoutTotalOrTimeLeft) {
  EXPECT_EQ(Progress::Line("dump", 100, 0, 0), "dump  100 B");
  EXPECT_EQ(Progress::Line("cp", 10 * kMiB, 10 * kMiB, 1.0), "cp  10 MiB / 10 MiB  100%  10 MiB/s");
}

TEST(ProgressTest, SilentWhenNotOnATerminal) {
  // Capturing stderr points it at a file, so it is not a terminal here
  // whatever runs the test.
  ::testing::internal::CaptureStderr();
  {
    Progress progress("cp", 8 * kMiB);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    progress.Add(4 * kMiB);  // would draw on a terminal: past the redraw interval
    progress.Add(4 * kMiB);
  }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace tfckpt::cli
