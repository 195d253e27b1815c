// MergeBundles (TensorFlow's MergeV2Checkpoints: data files renamed, one
// merged index) and the commit order of BundleWriter::Finish and the merge
// (every file synced, then renamed, the index last, then one directory
// fsync), including failures injected at every file-system operation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "src/bundle/naming.h"
#include "tests/testing/fault_injection_file_system.h"
#include "tests/testing/testing.h"
#include "tfckpt/bundle_reader.h"
#include "tfckpt/bundle_writer.h"

namespace tfckpt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::tfckpt::testing::FaultInjectionFileSystem;
using ::tfckpt::testing::IsOk;
using ::tfckpt::testing::ReadFileOrDie;
using ::tfckpt::testing::StatusIs;
using ::tfckpt::testing::TempDir;

Tensor Floats(std::vector<float> values) {
  const auto n = static_cast<int64_t>(values.size());
  return *Tensor::FromValues<float>(TensorShape{n}, std::span<const float>(values));
}

// Two bundles as a sharded save writes them, under DIR/tmp: "a" and the
// first half of partitioned "p" in part 0, "b" and the second half in part 1.
std::vector<std::string> WriteParts(const TempDir& dir) {
  std::vector<std::string> parts = {dir.Join("tmp/part-00000-of-00002"),
                                    dir.Join("tmp/part-00001-of-00002")};
  for (int i = 0; i < 2; ++i) {
    auto writer = BundleWriter::Create(parts[static_cast<size_t>(i)]);
    EXPECT_THAT(writer, IsOk());
    const float base = static_cast<float>(10 * i);
    EXPECT_THAT((*writer)->Add(i == 0 ? "a" : "b", Floats({base, base + 1})), IsOk());
    EXPECT_THAT((*writer)->AddSlice("p", TensorShape{4}, *TensorSlice::Parse(i == 0 ? "0,2" : "2,2"),
                                    Floats({base + 2, base + 3})),
                IsOk());
    EXPECT_THAT((*writer)->Finish(), IsOk());
  }
  return parts;
}

std::vector<float> Values(const Tensor& t) { return {t.flat<float>().begin(), t.flat<float>().end()}; }

TEST(MergeBundlesTest, RenamesDataFilesAndJoinsSlices) {
  TempDir dir;
  const std::vector<std::string> parts = WriteParts(dir);
  const std::string data0 = ReadFileOrDie(internal::DataFilename(parts[0], 0, 1));
  const std::string data1 = ReadFileOrDie(internal::DataFilename(parts[1], 0, 1));
  const std::string prefix = dir.Join("model");
  ASSERT_THAT(MergeBundles(parts, prefix), IsOk());

  // The bytes were moved, not rewritten; nothing is left of the sources.
  EXPECT_EQ(ReadFileOrDie(internal::DataFilename(prefix, 0, 2)), data0);
  EXPECT_EQ(ReadFileOrDie(internal::DataFilename(prefix, 1, 2)), data1);
  auto left = FileSystem::Default()->ListDir(dir.Join("tmp"));
  ASSERT_THAT(left, IsOk());
  EXPECT_THAT(*left, IsEmpty());

  auto reader = BundleReader::Open(prefix);
  ASSERT_THAT(reader, IsOk());
  EXPECT_EQ((*reader)->num_shards(), 2);
  EXPECT_THAT((*reader)->Verify(), IsEmpty());
  EXPECT_EQ((*(*reader)->GetEntryInfo("a")).shard_id, 0);
  EXPECT_EQ((*(*reader)->GetEntryInfo("b")).shard_id, 1);
  auto tensors = (*reader)->ReadTensors({"a", "b", "p"});
  ASSERT_THAT(tensors, IsOk());
  EXPECT_THAT(Values((*tensors)[0]), ElementsAre(0, 1));
  EXPECT_THAT(Values((*tensors)[1]), ElementsAre(10, 11));
  EXPECT_THAT(Values((*tensors)[2]), ElementsAre(2, 3, 12, 13));
}

TEST(MergeBundlesTest, DuplicateTensorIsRejectedBeforeAnythingMoves) {
  TempDir dir;
  std::vector<std::string> parts = WriteParts(dir);
  parts.push_back(parts[0]);
  EXPECT_THAT(MergeBundles(parts, dir.Join("model")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'p (slice 0,2)' is also in")));
  EXPECT_FALSE(FileSystem::Default()->Exists(internal::MetaFilename(dir.Join("model"))).ok());
  EXPECT_THAT(BundleReader::Open(parts[0]), IsOk());
  EXPECT_THAT((*BundleReader::Open(parts[0]))->Verify(), IsEmpty());
}

TEST(MergeBundlesTest, MissingSourceIsAnErrorNamingIt) {
  TempDir dir;
  EXPECT_THAT(MergeBundles({dir.Join("nope")}, dir.Join("model")),
              StatusIs(StatusCode::kNotFound, HasSubstr("nope")));
  EXPECT_THAT(MergeBundles({}, dir.Join("model")), StatusIs(StatusCode::kInvalidArgument));
}

// The syncs, renames and directory syncs that `commit` makes, in order, as
// "sync data", "rename index", "sync dir"...: each operation is found by
// failing it on a fresh run, until a run has no operation left to fail.
std::vector<std::string> CommitSteps(const std::function<Status(FileSystem*)>& commit) {
  std::vector<std::string> steps;
  for (int op = 1;; ++op) {
    FaultInjectionFileSystem fs(FileSystem::Default(), op);
    const Status status = commit(&fs);
    if (!fs.injected()) {
      EXPECT_THAT(status, IsOk());
      return steps;
    }
    const std::string& what = fs.injected_op();
    const auto kind = [](std::string_view path) {
      return path.find(".index") != std::string_view::npos ? "index" : "data";
    };
    if (what.starts_with("sync dir ")) {
      steps.push_back("sync dir");
    } else if (what.starts_with("sync ")) {
      steps.push_back(std::string("sync ") + kind(what));
    } else if (what.starts_with("rename ")) {
      steps.push_back(std::string("rename ") + kind(what.substr(what.find(" -> "))));
    } else {
      continue;  // opens, appends, closes; deleting a merged source may fail
    }
    EXPECT_FALSE(status.ok()) << what;
  }
}

TEST(CommitOrderTest, FinishSyncsBothFilesThenRenamesThenSyncsTheDirectoryOnce) {
  TempDir dir;
  const auto save = [&](FileSystem* fs) -> Status {
    BundleWriterOptions options;
    options.file_system = fs;
    TFCKPT_ASSIGN_OR_RETURN(auto writer, BundleWriter::Create(dir.Join("model"), options));
    TFCKPT_RETURN_IF_ERROR(writer->Add("w", Floats({1, 2, 3})));
    return writer->Finish();
  };
  EXPECT_THAT(CommitSteps(save), ElementsAre("sync data", "sync index", "rename data",
                                             "rename index", "sync dir"));
}

TEST(CommitOrderTest, MergeMovesDataFilesBeforeTheIndexAndAFailureLosesNothing) {
  std::vector<std::vector<std::string>> all_steps;
  const auto merge = [&](FileSystem* fs) -> Status {
    TempDir dir;
    const std::vector<std::string> parts = WriteParts(dir);
    BundleWriterOptions options;
    options.file_system = fs;
    const std::string prefix = dir.Join("model");
    const Status merged = MergeBundles(parts, prefix, options);
    // Either the merged bundle is complete or there is none.
    if (FileSystem::Default()->Exists(internal::MetaFilename(prefix)).ok()) {
      auto reader = BundleReader::Open(prefix);
      EXPECT_THAT(reader, IsOk());
      if (reader.ok()) {
        EXPECT_THAT((*reader)->Verify(), IsEmpty());
      }
    } else {
      EXPECT_FALSE(merged.ok());
    }
    return merged;
  };
  EXPECT_THAT(CommitSteps(merge),
              ElementsAre("sync index", "rename data", "rename data", "rename index", "sync dir"));
}

}  // namespace
}  // namespace tfckpt
