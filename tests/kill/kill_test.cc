// Kills a process that saves checkpoints in a loop at random moments (more
// than 200 times) and checks after every kill that the state file names a
// checkpoint that opens, verifies and is internally consistent.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "tests/testing/testing.h"
#include "tfckpt/bundle_reader.h"
#include "tfckpt/checkpoint_state.h"

namespace tfckpt {
namespace {

using ::tfckpt::testing::TempDir;

pid_t StartChild(const std::string& dir, long first_step, const char* count,
                 const char* mode = "steps") {
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string step = std::to_string(first_step);
    execl(KILL_CHILD_PATH, KILL_CHILD_PATH, dir.c_str(), step.c_str(), count, mode,
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// The newest checkpoint must be complete: every checksum holds and every
// tensor carries the same step (the step comes from the tensors, since
// same-prefix saves have none in the name). Once a save has completed there must always
// be one, and never an older one than before: returns its step (0 before the
// first completed save).
long ExpectLatestIsComplete(const std::string& dir, long previous_step) {
  auto latest = LatestCheckpoint(dir);
  EXPECT_TRUE(latest.ok()) << latest.status();
  if (!latest.ok()) return previous_step;
  if (!latest->has_value()) {
    EXPECT_EQ(previous_step, 0) << "the last complete checkpoint was lost";
    return previous_step;
  }
  const std::string& prefix = **latest;
  auto reader = BundleReader::Open(prefix);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return previous_step;
  const std::vector<Status> problems = (*reader)->Verify();
  EXPECT_TRUE(problems.empty()) << problems.front();
  auto small = (*reader)->ReadTensor("small");
  auto big = (*reader)->ReadTensor("big");
  auto label = (*reader)->ReadTensor("label");
  EXPECT_TRUE(small.ok() && big.ok() && label.ok());
  if (!small.ok() || !big.ok() || !label.ok()) return previous_step;
  const long step = std::stol(label->strings()[0]);
  EXPECT_GE(step, previous_step) << "the state file went back to an older checkpoint";
  EXPECT_EQ(small->flat<float>()[0], static_cast<float>(step));
  EXPECT_EQ(big->flat<float>().back(), static_cast<float>(step));
  return step;
}

// Kills `kills` savers in `mode` ("steps": a new prefix per save; "same":
// every save over one prefix) and checks the directory after each kill.
void KillRepeatedly(const char* mode, int kills) {
  TempDir dir;
  const uint32_t seed = testing::RandomSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  // Kill delays span start-up plus a few saves, timed on this machine now,
  // so kills land in every phase however loaded the machine is.
  const auto start = std::chrono::steady_clock::now();
  {
    TempDir calibration;
    const pid_t pid = StartChild(calibration.path(), 1, "3", mode);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  const auto three_saves = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  std::uniform_int_distribution<int64_t> delay_us(0, three_saves.count());
  int landed_mid_save = 0;
  long latest_step = 0;
  for (int i = 0; i < kills; ++i) {
    const pid_t pid = StartChild(dir.path(), 1000L * (i + 1), "-1", mode);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited on its own with " << WEXITSTATUS(status);
    auto names = FileSystem::Default()->ListDir(dir.path());
    ASSERT_TRUE(names.ok());
    for (const std::string& name : *names) {
      if (name.find(".tempstate") != std::string::npos) {
        ++landed_mid_save;
        break;
      }
    }
    latest_step = ExpectLatestIsComplete(dir.path(), latest_step);
    if (::testing::Test::HasFailure()) return;
  }
  // The kills really interrupted writes, or this test proves nothing.
  EXPECT_GT(landed_mid_save, 20);

  // A save that completes cleans the stray temporary files.
  const pid_t pid = StartChild(dir.path(), 1000000, "1", mode);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto names = FileSystem::Default()->ListDir(dir.path());
  ASSERT_TRUE(names.ok());
  for (const std::string& name : *names) {
    EXPECT_EQ(name.find(".tempstate"), std::string::npos) << name;
  }
  EXPECT_EQ(ExpectLatestIsComplete(dir.path(), latest_step), 1000000);
}

TEST(KillTest, EveryKillLeavesTheLatestCheckpointLoadable) { KillRepeatedly("steps", 220); }

// Saving over the prefix the state file names (TF's save without a
// global_step) must be just as safe.
TEST(KillTest, KillsWhileOverwritingOnePrefixLoseNothing) { KillRepeatedly("same", 120); }

}  // namespace
}  // namespace tfckpt
