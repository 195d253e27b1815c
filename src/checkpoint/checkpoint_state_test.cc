#include "tfckpt/checkpoint_state.h"

#include <cmath>
#include <limits>

#include "src/checkpoint/python_format.h"
#include "tests/testing/testing.h"

namespace tfckpt {
namespace {

using ::testing::HasSubstr;
using ::tfckpt::testing::IsOk;
using ::tfckpt::testing::StatusIs;
using ::tfckpt::testing::TempDir;

TEST(PythonFloatReprTest, MatchesPythonRepr) {
  // Expected strings are Python 3's repr() of the same doubles.
  EXPECT_EQ(internal::PythonFloatRepr(1699999999.0), "1699999999.0");
  EXPECT_EQ(internal::PythonFloatRepr(1700000060.5), "1700000060.5");
  EXPECT_EQ(internal::PythonFloatRepr(0.1), "0.1");
  EXPECT_EQ(internal::PythonFloatRepr(0.0), "0.0");
  EXPECT_EQ(internal::PythonFloatRepr(-0.0), "-0.0");
  EXPECT_EQ(internal::PythonFloatRepr(1e16), "1e+16");
  EXPECT_EQ(internal::PythonFloatRepr(1.5e16), "1.5e+16");
  EXPECT_EQ(internal::PythonFloatRepr(9999999999999998.0), "9999999999999998.0");
  EXPECT_EQ(internal::PythonFloatRepr(0.0001), "0.0001");
  EXPECT_EQ(internal::PythonFloatRepr(0.00001), "1e-05");
  EXPECT_EQ(internal::PythonFloatRepr(-2.5e-300), "-2.5e-300");
  EXPECT_EQ(internal::PythonFloatRepr(123.456), "123.456");
  EXPECT_EQ(internal::PythonFloatRepr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(internal::PythonFloatRepr(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(internal::PythonFloatRepr(std::nan("")), "nan");
}

TEST(PythonCEscapeTest, EscapesLikeTextFormat) {
  EXPECT_EQ(internal::PythonCEscape("a\"b'c\\d\n\r\t"), "a\\\"b\\'c\\\\d\\n\\r\\t");
  EXPECT_EQ(internal::PythonCEscape(std::string("\x01\x7f\xc3\xa9", 4)), "\\001\\177\\303\\251");
}

TEST(CheckpointStateTest, FormatsLikeTensorFlow) {
  CheckpointState state;
  state.model_checkpoint_path = "ckpt-4";
  state.all_model_checkpoint_paths = {"ckpt-2", "ckpt-3", "ckpt-4"};
  state.all_model_checkpoint_timestamps = {1700000060.5, 1700000120.25, 1700000180.125};
  state.last_preserved_timestamp = 1699999999.0;
  EXPECT_EQ(FormatCheckpointState(state),
            "model_checkpoint_path: \"ckpt-4\"\n"
            "all_model_checkpoint_paths: \"ckpt-2\"\n"
            "all_model_checkpoint_paths: \"ckpt-3\"\n"
            "all_model_checkpoint_paths: \"ckpt-4\"\n"
            "all_model_checkpoint_timestamps: 1700000060.5\n"
            "all_model_checkpoint_timestamps: 1700000120.25\n"
            "all_model_checkpoint_timestamps: 1700000180.125\n"
            "last_preserved_timestamp: 1699999999.0\n");
}

TEST(CheckpointStateTest, ParseRoundTripsEscapesAndTimestamps) {
  CheckpointState state;
  state.model_checkpoint_path = "dir with \"quotes\"/m\xc3\xa9-1\n";
  state.all_model_checkpoint_paths = {"/abs/a", state.model_checkpoint_path};
  state.all_model_checkpoint_timestamps = {1.5, 1e-05};
  state.last_preserved_timestamp = 3.25;
  TFCKPT_ASSERT_OK_AND_ASSIGN(CheckpointState parsed,
                              ParseCheckpointState(FormatCheckpointState(state), "test"));
  EXPECT_EQ(parsed, state);
}

TEST(CheckpointStateTest, ParsesTheRealTf12File) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(
      CheckpointState state,
      GetCheckpointState(testing::TfRealPath("tf1.2-linear")));
  EXPECT_EQ(state.model_checkpoint_path, testing::TfRealPath("tf1.2-linear/smovetf.ckpt"));
}

TEST(CheckpointStateTest, BadStateFilesGiveClearErrors) {
  TempDir dir;
  const std::string file = dir.Join("checkpoint");
  EXPECT_THAT(GetCheckpointState(dir.path()), StatusIs(StatusCode::kNotFound));
  const std::string cases[] = {
      "garbage without a colon",
      "model_checkpoint_path: \"unterminated",
      "model_checkpoint_path: 12",
      "unknown_field: \"x\"",
      std::string("model_checkpoint_path: \"a\"\n\x00\x01\xff", 30),
      "model_checkpoint_path: \"" + std::string(1 << 20, 'x'),
  };
  for (const std::string& text : cases) {
    testing::WriteFileOrDie(file, text);
    EXPECT_THAT(GetCheckpointState(dir.path()),
                StatusIs(StatusCode::kDataLoss, HasSubstr(file)))
        << text.substr(0, 40);
    EXPECT_THAT(LatestCheckpoint(dir.path()), StatusIs(StatusCode::kDataLoss));
  }
  testing::WriteFileOrDie(file, "all_model_checkpoint_paths: \"a\"\n");
  EXPECT_THAT(GetCheckpointState(dir.path()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("Invalid checkpoint state")));
}

TEST(CheckpointStateTest, LatestCheckpointResolvesRelativePathsAndChecksFiles) {
  TempDir dir;
  testing::WriteFileOrDie(dir.Join("checkpoint"),
                          "model_checkpoint_path: \"m-2\"\nall_model_checkpoint_paths: \"m-2\"\n");
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::optional<std::string> latest, LatestCheckpoint(dir.path()));
  EXPECT_FALSE(latest.has_value()) << "files of m-2 do not exist";
  testing::WriteFileOrDie(dir.Join("m-2.index"), "");
  TFCKPT_ASSERT_OK_AND_ASSIGN(latest, LatestCheckpoint(dir.path()));
  EXPECT_EQ(latest, dir.Join("m-2"));
  TFCKPT_ASSERT_OK_AND_ASSIGN(latest, LatestCheckpoint(dir.path() + "/"));
  EXPECT_EQ(latest, dir.Join("m-2"));
  EXPECT_TRUE(CheckpointExists(dir.Join("m-2")));
  EXPECT_FALSE(CheckpointExists(dir.Join("m-3")));
}

// TensorFlow follows any path; with allow_paths_outside_dir = false only
// paths that stay inside the directory are.
TEST(CheckpointStateTest, PathsOutsideTheDirectoryOnlyWhenAllowed) {
  TempDir outer;
  const std::string dir = outer.Join("run");
  testing::WriteFileOrDie(outer.Join("secret.index"), "");
  TFCKPT_ASSERT_OK(FileSystem::Default()->CreateDir(dir));
  testing::WriteFileOrDie(dir + "/m-1.index", "");
  CheckpointStateReadOptions inside_only;
  inside_only.allow_paths_outside_dir = false;
  for (const std::string& escape : {std::string("../secret"), outer.Join("secret"),
                                    std::string("./../secret")}) {
    SCOPED_TRACE(escape);
    testing::WriteFileOrDie(dir + "/checkpoint", "model_checkpoint_path: \"" + escape + "\"\n");
    TFCKPT_ASSERT_OK_AND_ASSIGN(std::optional<std::string> latest, LatestCheckpoint(dir));
    ASSERT_TRUE(latest.has_value()) << "followed by default, as in TensorFlow";
    EXPECT_TRUE(CheckpointExists(*latest));
    EXPECT_THAT(LatestCheckpoint(dir, inside_only),
                StatusIs(StatusCode::kPermissionDenied, HasSubstr(escape)));
    EXPECT_THAT(GetCheckpointState(dir, inside_only),
                StatusIs(StatusCode::kPermissionDenied, HasSubstr(dir + "/checkpoint")));
  }
  // An escape in the list only is refused too.
  testing::WriteFileOrDie(dir + "/checkpoint",
                          "model_checkpoint_path: \"m-1\"\nall_model_checkpoint_paths: "
                          "\"../secret\"\nall_model_checkpoint_paths: \"m-1\"\n");
  EXPECT_THAT(GetCheckpointState(dir, inside_only), StatusIs(StatusCode::kPermissionDenied));
  // Relative, absolute and "./"-style paths inside are fine.
  for (const std::string& inside : {std::string("m-1"), dir + "/m-1", std::string("./m-1")}) {
    SCOPED_TRACE(inside);
    testing::WriteFileOrDie(dir + "/checkpoint", "model_checkpoint_path: \"" + inside + "\"\n");
    TFCKPT_ASSERT_OK_AND_ASSIGN(std::optional<std::string> latest,
                                LatestCheckpoint(dir, inside_only));
    ASSERT_TRUE(latest.has_value());
    EXPECT_TRUE(IsPathInside(*latest, dir));
  }
}

TEST(IsPathInsideTest, ComparesNormalizedComponents) {
  EXPECT_TRUE(IsPathInside("/a/b/c", "/a/b"));
  EXPECT_TRUE(IsPathInside("/a/b", "/a/b/"));
  EXPECT_TRUE(IsPathInside("/a/b/./c/../d", "/a/b"));
  EXPECT_FALSE(IsPathInside("/a/bc", "/a/b"));
  EXPECT_FALSE(IsPathInside("/a/b/../c", "/a/b"));
  EXPECT_FALSE(IsPathInside("/a", "/a/b"));
  EXPECT_TRUE(IsPathInside("x/y", "x"));
  EXPECT_FALSE(IsPathInside("../x", "."));
}

TEST(CheckpointStateTest, V1GlobPatternsCountAsExisting) {
  TempDir dir;
  testing::WriteFileOrDie(dir.Join("m-00000-of-00002"), "");
  EXPECT_TRUE(CheckpointExists(dir.Join("m-?????-of-00002")));
  EXPECT_EQ(GetCheckpointMtimes({dir.Join("m-?????-of-00002"), dir.Join("none")}).size(), 1u);
}

TEST(CheckpointStateTest, UpdateWritesRelativePathsForRelativeDirectories) {
  TempDir dir;
  UpdateCheckpointStateOptions options;
  // An absolute save directory keeps absolute paths.
  ASSERT_THAT(UpdateCheckpointState(dir.path(), dir.Join("m-2"), {dir.Join("m-1")}, options),
              IsOk());
  EXPECT_EQ(testing::ReadFileOrDie(dir.Join("checkpoint")),
            "model_checkpoint_path: \"" + dir.Join("m-2") + "\"\n" +
                "all_model_checkpoint_paths: \"" + dir.Join("m-1") + "\"\n" +
                "all_model_checkpoint_paths: \"" + dir.Join("m-2") + "\"\n");
  options.save_relative_paths = true;
  ASSERT_THAT(UpdateCheckpointState(dir.path(), dir.Join("m-2"), {dir.Join("m-2")}, options),
              IsOk());
  EXPECT_EQ(testing::ReadFileOrDie(dir.Join("checkpoint")),
            "model_checkpoint_path: \"m-2\"\nall_model_checkpoint_paths: \"m-2\"\n");
  EXPECT_THAT(UpdateCheckpointState(dir.path(), dir.Join("checkpoint"), {}, {}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("conflicts")));
  EXPECT_THAT(UpdateCheckpointState(dir.path(), "m", {}, {}, {1.0, 2.0}),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(RelativePathTest, MatchesPythonRelpath) {
  EXPECT_EQ(RelativePath("ckpt/model-5", "ckpt"), "model-5");
  EXPECT_EQ(RelativePath("model-5", ""), "model-5");
  EXPECT_EQ(RelativePath("/a/b/c", "/a/d"), "../b/c");
  EXPECT_EQ(RelativePath("/a", "/a"), ".");
  EXPECT_EQ(RelativePath("./x/../y", "."), "y");
}

TEST(MetaGraphFilenameTest, StripsShardedSuffix) {
  EXPECT_EQ(MetaGraphFilename("m-1000"), "m-1000.meta");
  EXPECT_EQ(MetaGraphFilename("m-?????-of-00002"), "m.meta");
  EXPECT_EQ(MetaGraphFilename("m-00001-of-00002", "txt"), "m.txt");
}

TEST(RemoveCheckpointTest, DeletesEveryFileOfTheCheckpointOnly) {
  TempDir dir;
  for (const char* name : {"m-1.index", "m-1.data-00000-of-00002", "m-1.data-00001-of-00002",
                           "m-1.meta", "m-10.index", "checkpoint"}) {
    testing::WriteFileOrDie(dir.Join(name), "");
  }
  ASSERT_THAT(RemoveCheckpoint(dir.Join("m-1")), IsOk());
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::vector<std::string> left,
                              FileSystem::Default()->ListDir(dir.path()));
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"checkpoint", "m-10.index"}));
  EXPECT_THAT(RemoveCheckpoint(dir.Join("absent")), IsOk());
}

}  // namespace
}  // namespace tfckpt
