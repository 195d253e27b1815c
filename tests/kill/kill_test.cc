// Crash safety and concurrency of saving, with real processes (kill_child):
// - a saver killed at random moments (more than 200 times per mode): after
//   every kill the state file names a checkpoint that opens, verifies and
//   holds one save's tensors, never an older one than before, and the last
//   checkpoint the child reported saved is still there;
// - two savers sharing a directory, while this process reads: neither
//   breaks the other's saves, and every checkpoint the state file names is
//   complete.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "tests/kill/step_checkpoint.h"
#include "tests/testing/testing.h"
#include "tfckpt/checkpoint_state.h"

namespace tfckpt {
namespace {

using ::tfckpt::testing::CheckStepCheckpoint;
using ::tfckpt::testing::TempDir;

// Starts kill_child with its stdout ("saved PREFIX" lines) appended to `log`.
pid_t StartChild(const std::string& dir, long first_step, const char* count, const char* mode,
                 const std::string& log, const char* lock = "lock") {
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) _exit(126);
    const std::string step = std::to_string(first_step);
    execl(KILL_CHILD_PATH, KILL_CHILD_PATH, dir.c_str(), step.c_str(), count, mode, lock,
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Waits for a child that must finish on its own and succeed.
void ExpectExitsCleanly(pid_t pid) {
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// The prefixes a child reported saved, in order.
std::vector<std::string> ReportedSaves(const std::string& log) {
  std::vector<std::string> prefixes;
  std::string text;
  if (FileSystem::Default()->Exists(log).ok()) text = testing::ReadFileOrDie(log);
  for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
       start = end + 1) {
    const std::string_view line = std::string_view(text).substr(start, end - start);
    if (line.starts_with("saved ")) prefixes.emplace_back(line.substr(6));
  }
  return prefixes;
}

// The newest checkpoint must be complete: every checksum holds and every
// tensor carries the same step (the step comes from the tensors, since
// same-prefix saves have none in the name). Once a save has completed there
// must always be one, and never an older one than before: returns its step
// (0 before the first completed save).
long ExpectLatestIsComplete(const std::string& dir, long previous_step) {
  auto latest = LatestCheckpoint(dir);
  EXPECT_TRUE(latest.ok()) << latest.status();
  if (!latest.ok()) return previous_step;
  if (!latest->has_value()) {
    EXPECT_EQ(previous_step, 0) << "the last complete checkpoint was lost";
    return previous_step;
  }
  auto step = CheckStepCheckpoint(**latest);
  EXPECT_TRUE(step.ok()) << step.status();
  if (!step.ok()) return previous_step;
  EXPECT_GE(*step, previous_step) << "the state file went back to an older checkpoint";
  return *step;
}

// Kills `kills` savers in `mode` (see kill_child.cc) and checks the
// directory after each kill.
void KillRepeatedly(const char* mode, int kills) {
  TempDir dir;
  TempDir logs;
  const uint32_t seed = testing::RandomSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  // Kill delays span start-up plus a few saves, timed on this machine now,
  // so kills land in every phase however loaded the machine is.
  const auto start = std::chrono::steady_clock::now();
  {
    TempDir calibration;
    ExpectExitsCleanly(StartChild(calibration.path(), 1, "3", mode, logs.Join("calibration")));
    if (::testing::Test::HasFailure()) return;
  }
  const auto three_saves = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  std::uniform_int_distribution<int64_t> delay_us(0, three_saves.count());
  // Saving over one prefix rewrites the last saved checkpoint by design.
  const bool new_prefix_per_save = std::string_view(mode) != "same";
  int landed_mid_save = 0;
  long latest_step = 0;
  for (int i = 0; i < kills; ++i) {
    const std::string log = logs.Join("run-" + std::to_string(i));
    const pid_t pid = StartChild(dir.path(), 1000L * (i + 1), "-1", mode, log);
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
    // The newest checkpoint this child reported saved is still there: its
    // retention keeps the newest two, and at most one more save completed.
    // (The next child adopts the state file's list, so its retention may
    // delete an earlier child's checkpoints, as TensorFlow's would.)
    const std::vector<std::string> reported = ReportedSaves(log);
    if (new_prefix_per_save && !reported.empty()) {
      auto step = CheckStepCheckpoint(reported.back());
      EXPECT_TRUE(step.ok()) << "reported saved: " << reported.back() << ": " << step.status();
      if (step.ok()) {
        EXPECT_LE(*step, latest_step) << "the state file lags a reported save";
      }
    }
    if (::testing::Test::HasFailure()) return;
  }
  // The kills really interrupted writes, or this test proves nothing.
  EXPECT_GT(landed_mid_save, kills / 10);

  // A save that completes cleans the stray temporary files.
  ExpectExitsCleanly(StartChild(dir.path(), 1000000, "1", mode, logs.Join("last")));
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

// The graph-level Saver: SaveV2 run by a Session, then the state file.
TEST(KillTest, KillsOfTheGraphLevelSaverLoseNothing) { KillRepeatedly("graph", 120); }

// Two savers in one directory (`mode` as kill_child's), each saving
// `saves` times, while this process reads the latest checkpoint as long as
// they run (checking each read when `check_reads`). Returns how many reads
// found a complete checkpoint.
int SaveConcurrently(const TempDir& dir, const char* mode, const char* saves, bool check_reads) {
  TempDir logs;
  const pid_t first = StartChild(dir.path(), 1000, saves, mode, logs.Join("first"));
  const pid_t second = StartChild(dir.path(), 2000, saves, mode, logs.Join("second"));
  int complete_reads = 0;
  int running = 2;
  while (running > 0) {
    int status = 0;
    const pid_t done = waitpid(-1, &status, WNOHANG);
    if (done == first || done == second) {
      --running;
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
          << "a saver failed; see its error above";
    }
    auto latest = LatestCheckpoint(dir.path());
    EXPECT_TRUE(latest.ok()) << latest.status();
    if (!latest.ok() || !latest->has_value()) continue;
    auto step = CheckStepCheckpoint(**latest);
    // Retention may delete the checkpoint between reading the state file
    // and opening it; it is then gone, never torn.
    if (step.ok()) {
      ++complete_reads;
    } else if (check_reads) {
      EXPECT_EQ(step.status().code(), StatusCode::kNotFound) << step.status();
    }
  }
  // Each saver's last reported checkpoint survives the other's retention.
  for (const char* log : {"first", "second"}) {
    const std::vector<std::string> reported = ReportedSaves(logs.Join(log));
    EXPECT_EQ(reported.size(), static_cast<size_t>(std::atoi(saves)));
    if (!reported.empty()) {
      EXPECT_TRUE(CheckStepCheckpoint(reported.back()).ok()) << reported.back();
    }
  }
  return complete_reads;
}

// Without the save-directory lock, one saver's cleanup deletes the other's
// temporary files mid-save, and their state updates interleave.
TEST(ConcurrencyTest, TwoSaversAndAReaderInOneDirectory) {
  TempDir dir;
  EXPECT_GT(SaveConcurrently(dir, "steps", "25", /*check_reads=*/true), 0);
  auto names = FileSystem::Default()->ListDir(dir.path());
  ASSERT_TRUE(names.ok());
  for (const std::string& name : *names) {
    EXPECT_EQ(name.find(".tempstate"), std::string::npos) << name;
  }
  auto latest = LatestCheckpoint(dir.path());
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_TRUE(CheckStepCheckpoint(**latest).ok());
}

// Two savers rewriting the same prefix would otherwise pair one's index
// with the other's data file. (A reader of a prefix being rewritten may see
// it torn, lock or not, as in TensorFlow: reads are not checked.)
TEST(ConcurrencyTest, TwoSaversOverwritingOnePrefix) {
  TempDir dir;
  SaveConcurrently(dir, "same", "25", /*check_reads=*/false);
  auto latest = LatestCheckpoint(dir.path());
  ASSERT_TRUE(latest.ok() && latest->has_value());
  auto step = CheckStepCheckpoint(**latest);
  EXPECT_TRUE(step.ok()) << step.status();
}

}  // namespace
}  // namespace tfckpt
