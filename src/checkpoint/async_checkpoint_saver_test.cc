#include "tfckpt/async_checkpoint_saver.h"

#include <cstring>
#include <mutex>

#include "tests/testing/testing.h"
#include "tfckpt/bundle_reader.h"
#include "tfckpt/checkpoint_state.h"

namespace tfckpt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::tfckpt::testing::IsOk;
using ::tfckpt::testing::StatusIs;
using ::tfckpt::testing::TempDir;

// The local file system, failing to write any file whose path contains the
// chosen text.
class FlakyFileSystem final : public FileSystem {
 public:
  void FailWritesTo(std::string path_part) {
    std::lock_guard<std::mutex> lock(mutex_);
    failing_ = std::move(path_part);
  }

  StatusOr<std::unique_ptr<RandomAccessFile>> OpenForRead(const std::string& path) override {
    return base_->OpenForRead(path);
  }
  StatusOr<std::unique_ptr<WritableFile>> OpenForWrite(const std::string& path) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!failing_.empty() && path.find(failing_) != std::string::npos) {
        return UnavailableError("injected: cannot write " + path);
      }
    }
    return base_->OpenForWrite(path);
  }
  Status Rename(const std::string& from, const std::string& to) override {
    return base_->Rename(from, to);
  }
  Status Delete(const std::string& path) override { return base_->Delete(path); }
  Status Exists(const std::string& path) override { return base_->Exists(path); }
  StatusOr<uint64_t> FileSize(const std::string& path) override { return base_->FileSize(path); }
  StatusOr<double> ModificationTime(const std::string& path) override {
    return base_->ModificationTime(path);
  }
  Status CreateDir(const std::string& path) override { return base_->CreateDir(path); }
  Status SyncDir(const std::string& path) override { return base_->SyncDir(path); }
  StatusOr<std::vector<std::string>> ListDir(const std::string& path) override {
    return base_->ListDir(path);
  }

 private:
  FileSystem* base_ = FileSystem::Default();
  std::mutex mutex_;
  std::string failing_;
};

CheckpointSaver::SaveOptions AtStep(int64_t step) {
  CheckpointSaver::SaveOptions options;
  options.global_step = step;
  return options;
}

std::vector<SaveEntry> Weights(float value) {
  const float values[] = {value, value + 1, value + 2};
  return {{"w", *Tensor::FromValues<float>({3}, values), ""},
          {"vocab", *Tensor::FromStrings({2}, {"x", std::string(300, 'y')}), ""}};
}

float FirstWeight(const std::string& prefix) {
  auto reader = BundleReader::Open(prefix);
  EXPECT_THAT(reader, IsOk());
  if (!reader.ok()) return -1;
  auto w = (*reader)->ReadTensor("w");
  EXPECT_THAT(w, IsOk());
  return w.ok() ? w->flat<float>()[0] : -1;
}

TEST(AsyncCheckpointSaverTest, SavesInTheBackgroundAndWaitGivesThePrefix) {
  TempDir dir;
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto saver, AsyncCheckpointSaver::Create());
  ASSERT_THAT(saver->SaveAsync(Weights(5), dir.Join("m"), AtStep(7)), IsOk());
  TFCKPT_ASSERT_OK_AND_ASSIGN(const std::string prefix, saver->Wait());
  EXPECT_EQ(prefix, dir.Join("m-7"));
  EXPECT_EQ(FirstWeight(prefix), 5);
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto latest, LatestCheckpoint(dir.path()));
  EXPECT_EQ(latest, prefix);
}

TEST(AsyncCheckpointSaverTest, SavesTheSnapshotNotLaterChanges) {
  TempDir dir;
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto saver, AsyncCheckpointSaver::Create());
  std::vector<SaveEntry> weights = Weights(1);
  ASSERT_THAT(saver->SaveAsync(weights, dir.Join("m"), AtStep(1)), IsOk());
  // The training loop goes on updating its variables in place.
  for (float& v : weights[0].tensor.mutable_flat<float>()) v = 99;
  weights[1].tensor.mutable_strings()[0] = "changed";
  TFCKPT_ASSERT_OK_AND_ASSIGN(const std::string prefix, saver->Wait());
  EXPECT_EQ(FirstWeight(prefix), 1);
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto reader, BundleReader::Open(prefix));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor vocab, reader->ReadTensor("vocab"));
  EXPECT_EQ(vocab.strings()[0], "x");
}

TEST(AsyncCheckpointSaverTest, BackgroundFailureIsReportedAndKeepsThePreviousCheckpoint) {
  TempDir dir;
  FlakyFileSystem fs;
  std::mutex mutex;
  std::vector<Status> completions;
  CheckpointSaverOptions options;
  options.file_system = &fs;
  options.max_to_keep = 1;
  TFCKPT_ASSERT_OK_AND_ASSIGN(
      auto saver, AsyncCheckpointSaver::Create(options, [&](const StatusOr<std::string>& r) {
        std::lock_guard<std::mutex> lock(mutex);
        completions.push_back(r.status());
      }));
  ASSERT_THAT(saver->SaveAsync(Weights(1), dir.Join("m"), AtStep(1)), IsOk());
  ASSERT_THAT(saver->Wait(), IsOk());

  fs.FailWritesTo("m-2.");
  // The snapshot succeeds; the write fails later, on the background thread.
  ASSERT_THAT(saver->SaveAsync(Weights(2), dir.Join("m"), AtStep(2)), IsOk());
  EXPECT_THAT(saver->Wait(), StatusIs(StatusCode::kUnavailable, HasSubstr("injected")));

  // With max_to_keep = 1 a successful step 2 would have deleted step 1.
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto latest, LatestCheckpoint(dir.path()));
  EXPECT_EQ(latest, dir.Join("m-1"));
  EXPECT_EQ(FirstWeight(dir.Join("m-1")), 1);
  EXPECT_THAT(saver->last_checkpoints(), ElementsAre(dir.Join("m-1")));

  // A failure does not stop later saves.
  ASSERT_THAT(saver->SaveAsync(Weights(3), dir.Join("m"), AtStep(3)), IsOk());
  EXPECT_THAT(saver->Wait(), IsOk());
  EXPECT_EQ(FirstWeight(dir.Join("m-3")), 3);
  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_EQ(completions.size(), 3u);
  EXPECT_THAT(completions[0], IsOk());
  EXPECT_THAT(completions[1], StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(completions[2], IsOk());
}

TEST(AsyncCheckpointSaverTest, WaitReportsTheFirstErrorSinceTheLastWait) {
  TempDir dir;
  FlakyFileSystem fs;
  CheckpointSaverOptions options;
  options.file_system = &fs;
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto saver, AsyncCheckpointSaver::Create(options));
  fs.FailWritesTo("m-1.");
  ASSERT_THAT(saver->SaveAsync(Weights(1), dir.Join("m"), AtStep(1)), IsOk());
  // Waits for step 1 (which fails) before snapshotting step 2.
  ASSERT_THAT(saver->SaveAsync(Weights(2), dir.Join("m"), AtStep(2)), IsOk());
  EXPECT_THAT(saver->Wait(), StatusIs(StatusCode::kUnavailable));
  EXPECT_EQ(FirstWeight(dir.Join("m-2")), 2);
}

TEST(AsyncCheckpointSaverTest, SavesRunOneAtATimeWithRetention) {
  TempDir dir;
  CheckpointSaverOptions options;
  options.max_to_keep = 2;
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto saver, AsyncCheckpointSaver::Create(options));
  for (int64_t step = 1; step <= 4; ++step) {
    ASSERT_THAT(saver->SaveAsync(Weights(static_cast<float>(step)), dir.Join("m"),
                                 AtStep(step)),
                IsOk());
  }
  TFCKPT_ASSERT_OK_AND_ASSIGN(const std::string prefix, saver->Wait());
  EXPECT_EQ(prefix, dir.Join("m-4"));
  EXPECT_THAT(saver->last_checkpoints(), ElementsAre(dir.Join("m-3"), dir.Join("m-4")));
  EXPECT_FALSE(CheckpointExists(dir.Join("m-2")));
}

TEST(AsyncCheckpointSaverTest, RejectsAWriteCallbackAndWaitWithoutSave) {
  TempDir dir;
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto saver, AsyncCheckpointSaver::Create());
  CheckpointSaver::SaveOptions with_callback;
  with_callback.write = [](const std::string&) { return OkStatus(); };
  EXPECT_THAT(saver->SaveAsync(Weights(1), dir.Join("m"), with_callback),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(saver->Wait(), StatusIs(StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace tfckpt
