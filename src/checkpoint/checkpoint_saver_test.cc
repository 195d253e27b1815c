#include "tfckpt/checkpoint_saver.h"

#include <algorithm>

#include "tests/testing/fault_injection_file_system.h"
#include "tests/testing/testing.h"
#include "tfckpt/bundle_reader.h"

namespace tfckpt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::tfckpt::testing::IsOk;
using ::tfckpt::testing::StatusIs;
using ::tfckpt::testing::TempDir;

constexpr double kHour = 3600;
constexpr double kStart = 1.7e9;

std::vector<SaveEntry> Tensors(float value) {
  const float values[] = {value, value + 1};
  auto w = Tensor::FromValues<float>({2}, values);
  auto names = Tensor::FromStrings({2}, {"a", std::string(200, 'b')});
  return {{"w", *w, ""}, {"names", *names, ""}};
}

std::vector<std::string> IndexFiles(const std::string& dir) {
  std::vector<std::string> names = *FileSystem::Default()->ListDir(dir);
  std::erase_if(names, [](const std::string& n) { return !n.ends_with(".index"); });
  std::sort(names.begin(), names.end());
  return names;
}

class SaverTest : public ::testing::Test {
 protected:
  StatusOr<std::unique_ptr<CheckpointSaver>> MakeSaver(CheckpointSaverOptions options) {
    options.clock = [this] { return now_; };
    return CheckpointSaver::Create(std::move(options));
  }

  TempDir dir_;
  double now_ = kStart;
};

TEST_F(SaverTest, TutorialScheduleKeepsFourNewestPlusOneEveryTwoHours) {
  CheckpointSaverOptions options;
  options.max_to_keep = 4;
  options.keep_checkpoint_every_n_hours = 2;
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto saver, MakeSaver(options));
  // A save every 30 minutes from 0.5 h after construction (tf-saver-semantics §5).
  for (int k = 1; k <= 12; ++k) {
    now_ = kStart + 0.5 * k * kHour;
    TFCKPT_ASSERT_OK_AND_ASSIGN(std::string prefix,
                                saver->Save(Tensors(1), dir_.Join("m"), {.global_step = k}));
    EXPECT_EQ(prefix, dir_.Join("m-" + std::to_string(k)));
  }
  // 2.5 h (save 5) and 4.5 h (save 9) passed the 2 h and 4 h marks.
  EXPECT_THAT(IndexFiles(dir_.path()),
              ElementsAre("m-10.index", "m-11.index", "m-12.index", "m-5.index", "m-9.index"));
  EXPECT_THAT(saver->last_checkpoints(),
              ElementsAre(dir_.Join("m-9"), dir_.Join("m-10"), dir_.Join("m-11"), dir_.Join("m-12")));
}

TEST_F(SaverTest, MaxToKeepZeroKeepsAllAndTracksNone) {
  CheckpointSaverOptions options;
  options.max_to_keep = 0;
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto saver, MakeSaver(options));
  for (int k = 0; k < 7; ++k) {
    ASSERT_THAT(saver->Save(Tensors(1), dir_.Join("m"), {.global_step = k}), IsOk());
  }
  EXPECT_EQ(IndexFiles(dir_.path()).size(), 7u);
  EXPECT_TRUE(saver->last_checkpoints().empty());
  TFCKPT_ASSERT_OK_AND_ASSIGN(CheckpointState state, GetCheckpointState(dir_.path()));
  EXPECT_THAT(state.all_model_checkpoint_paths, ElementsAre(dir_.Join("m-6")));
}

TEST_F(SaverTest, PaddedStepsAndSavingTheSamePrefixTwice) {
  CheckpointSaverOptions options;
  options.max_to_keep = 2;
  options.pad_step_number = true;
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto saver, MakeSaver(options));
  for (const int step : {1, 2, 1, 3}) {
    ASSERT_THAT(saver->Save(Tensors(1), dir_.Join("m"), {.global_step = step}), IsOk());
  }
  // Re-saving step 1 moved it to the newest place, so step 2 was evicted.
  EXPECT_THAT(IndexFiles(dir_.path()), ElementsAre("m-00000001.index", "m-00000003.index"));
}

TEST_F(SaverTest, ResavedCheckpointIsNeverDeleted) {
  // TensorFlow deletes an evicted prefix even when it was saved again in the
  // meantime; we keep any prefix that is tracked.
  CheckpointSaverOptions options;
  options.max_to_keep = 1;
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto saver, MakeSaver(options));
  saver->SetLastCheckpointsWithTime({{dir_.Join("m-1"), kStart}, {dir_.Join("m-2"), kStart}});
  ASSERT_THAT(saver->Save(Tensors(1), dir_.Join("m"), {.global_step = 1}), IsOk());
  // The list [m-2, m-1] is over the limit by one: m-2 leaves; m-1 stays.
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::optional<std::string> latest, LatestCheckpoint(dir_.path()));
  EXPECT_EQ(latest, dir_.Join("m-1"));
  EXPECT_THAT(IndexFiles(dir_.path()), ElementsAre("m-1.index"));
}

TEST_F(SaverTest, RejectsBadOptionsAndCollidingPaths) {
  CheckpointSaverOptions options;
  options.max_to_keep = -1;
  EXPECT_THAT(MakeSaver(options), StatusIs(StatusCode::kInvalidArgument));
  options.max_to_keep = 5;
  options.num_shards = 0;
  EXPECT_THAT(MakeSaver(options), StatusIs(StatusCode::kInvalidArgument, HasSubstr("num_shards")));
  options.num_shards = 1;
  options.latest_filename = "sub/checkpoint";
  EXPECT_THAT(MakeSaver(options), StatusIs(StatusCode::kInvalidArgument));
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto saver, MakeSaver({}));
  EXPECT_THAT(saver->Save(Tensors(1), dir_.Join("checkpoint")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("collides")));
}

TEST_F(SaverTest, WriteStateFalseOnlyWritesTheCheckpoint) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto saver, MakeSaver({}));
  ASSERT_THAT(saver->Save(Tensors(1), dir_.Join("m"), {.global_step = 3, .write_state = false}),
              IsOk());
  EXPECT_THAT(GetCheckpointState(dir_.path()), StatusIs(StatusCode::kNotFound));
  EXPECT_TRUE(CheckpointExists(dir_.Join("m-3")));
}

TEST_F(SaverTest, RecoverLastCheckpointsAdoptsExistingFiles) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto first, MakeSaver({}));
  for (int k = 0; k < 3; ++k) {
    ASSERT_THAT(first->Save(Tensors(1), dir_.Join("m"), {.global_step = k}), IsOk());
  }
  CheckpointSaverOptions options;
  options.max_to_keep = 2;
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto second, MakeSaver(options));
  TFCKPT_ASSERT_OK_AND_ASSIGN(CheckpointState state, GetCheckpointState(dir_.path()));
  state.all_model_checkpoint_paths.push_back(dir_.Join("never-saved"));
  second->RecoverLastCheckpoints(state.all_model_checkpoint_paths);
  EXPECT_THAT(second->last_checkpoints(),
              ElementsAre(dir_.Join("m-0"), dir_.Join("m-1"), dir_.Join("m-2")));
}

TEST_F(SaverTest, ShardedSavesReadBackAndRetentionDeletesEveryShard) {
  CheckpointSaverOptions options;
  options.max_to_keep = 1;
  options.num_shards = 2;
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto saver, MakeSaver(options));
  for (int step = 1; step <= 2; ++step) {
    ASSERT_THAT(saver->Save(Tensors(static_cast<float>(step)), dir_.Join("m"),
                            {.global_step = step}),
                IsOk());
  }
  std::vector<std::string> names = *FileSystem::Default()->ListDir(dir_.path());
  std::sort(names.begin(), names.end());
  EXPECT_THAT(names, ElementsAre("checkpoint", "m-2.data-00000-of-00002",
                                 "m-2.data-00001-of-00002", "m-2.index"));
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto reader, BundleReader::Open(dir_.Join("m-2")));
  TFCKPT_ASSERT_OK_AND_ASSIGN(const Tensor w, reader->ReadTensor("w"));
  EXPECT_EQ(w.flat<float>()[1], 3.0f);
  TFCKPT_ASSERT_OK_AND_ASSIGN(const Tensor strings, reader->ReadTensor("names"));
  EXPECT_EQ(strings.strings()[1], std::string(200, 'b'));
}

TEST_F(SaverTest, StaleTempFilesAreCleanedByTheNextSave) {
  testing::WriteFileOrDie(dir_.Join("m-1.index.tempstate123"), "half");
  testing::WriteFileOrDie(dir_.Join("m-1.data-00000-of-00001.tempstate99"), "half");
  testing::WriteFileOrDie(dir_.Join("keep.tempstate-not-ours"), "x");
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto saver, MakeSaver({}));
  ASSERT_THAT(saver->Save(Tensors(1), dir_.Join("m"), {.global_step = 2}), IsOk());
  std::vector<std::string> names = *FileSystem::Default()->ListDir(dir_.path());
  std::sort(names.begin(), names.end());
  EXPECT_THAT(names, ElementsAre("checkpoint", "keep.tempstate-not-ours",
                                 "m-2.data-00000-of-00001", "m-2.index"));
}

// A failure at any mutating file operation makes Save fail (unless it only
// hit the best-effort deletion of an old checkpoint) and the state file
// still names a complete checkpoint.
class SaverFaultTest : public SaverTest, public ::testing::WithParamInterface<int> {};

TEST_P(SaverFaultTest, FaultAtAnyOperationLeavesALoadableCheckpoint) {
  CheckpointSaverOptions options;
  options.max_to_keep = 1;
  options.num_shards = GetParam();
  int faults = 0;
  for (int fail_at = 1;; ++fail_at) {
    TempDir dir;
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto healthy, MakeSaver(options));
    TFCKPT_ASSERT_OK_AND_ASSIGN(const std::string first,
                                healthy->Save(Tensors(1), dir.Join("m"), {.global_step = 1}));
    testing::FaultInjectionFileSystem fs(FileSystem::Default(), fail_at);
    options.file_system = &fs;
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto saver, MakeSaver(options));
    options.file_system = nullptr;
    saver->SetLastCheckpointsWithTime({{first, kStart}});
    const StatusOr<std::string> second = saver->Save(Tensors(2), dir.Join("m"), {.global_step = 2});
    SCOPED_TRACE("fault at operation " + std::to_string(fail_at) + ": " + fs.injected_op());
    if (!fs.injected()) {
      ASSERT_THAT(second, IsOk());
      break;
    }
    ++faults;
    const bool best_effort = fs.injected_op().starts_with("delete");
    if (!best_effort) {
      EXPECT_THAT(second, StatusIs(StatusCode::kUnavailable));
    }
    TFCKPT_ASSERT_OK_AND_ASSIGN(std::optional<std::string> latest, LatestCheckpoint(dir.path()));
    ASSERT_TRUE(latest.has_value());
    // Only the directory sync after the state file's rename can fail a save
    // whose state already names the new checkpoint.
    if (*latest == dir.Join("m-2")) {
      EXPECT_TRUE(second.ok() || fs.injected_op().starts_with("sync dir"));
    } else {
      EXPECT_EQ(*latest, first);
    }
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto reader, BundleReader::Open(*latest));
    EXPECT_TRUE(reader->Verify().empty());
  }
  EXPECT_GT(faults, 10);
}

INSTANTIATE_TEST_SUITE_P(Shards, SaverFaultTest, ::testing::Values(1, 2));

}  // namespace
}  // namespace tfckpt
