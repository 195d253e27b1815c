// The graph-level Saver's latest_filename and sharded options on the TF 1.3
// tutorial graph (one reference variable, "bias").
#include "tfckpt/saver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/testing/testing.h"
#include "tfckpt/checkpoint_state.h"
#include "tfckpt/meta_graph.h"

namespace tfckpt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::StatusIs;

struct Loaded {
  Graph graph;
  std::unique_ptr<Session> session;
  std::unique_ptr<Saver> saver;
};

// The tutorial graph, restored, with a new Saver made with `options`.
std::unique_ptr<Loaded> Load(SaverOptions options = {}) {
  auto t = std::make_unique<Loaded>();
  const std::string prefix =
      testing::TfRealPath("tf1.3-tutorial/my_test_model-1000");
  auto imported = ImportMetaGraph(&t->graph, prefix + ".meta");
  EXPECT_TRUE(imported.ok()) << imported.status();
  auto saver = Saver::Create(&t->graph, std::move(options));
  EXPECT_TRUE(saver.ok()) << saver.status();
  t->saver = *std::move(saver);
  auto session = Session::Create(&t->graph);
  EXPECT_TRUE(session.ok()) << session.status();
  t->session = *std::move(session);
  EXPECT_THAT(t->saver->Restore(t->session.get(), prefix), testing::IsOk());
  return t;
}

std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(SaverTest, LatestFilenameNamesTheStateFileAndRetentionSpansFiles) {
  testing::TempDir dir;
  SaverOptions keep_two;
  keep_two.max_to_keep = 2;
  auto t = Load(keep_two);
  const std::string path = dir.Join("m");
  for (const auto& [step, state_file] :
       {std::pair{1, "first_state"}, {2, "second_state"}, {3, "second_state"}}) {
    SaverSaveOptions options;
    options.global_step = step;
    options.latest_filename = state_file;
    options.write_meta_graph = false;
    ASSERT_TRUE(t->saver->Save(t->session.get(), path, options).ok());
  }
  // One list across state files, as in TF: m-1 left it and was deleted.
  EXPECT_THAT(t->saver->last_checkpoints(),
              ElementsAre(path + "-2", path + "-3"));
  EXPECT_THAT(Listing(dir.path()),
              ElementsAre("first_state", "m-2.data-00000-of-00001", "m-2.index",
                          "m-3.data-00000-of-00001", "m-3.index",
                          "second_state"));
  auto second = GetCheckpointState(dir.path(), "second_state");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->model_checkpoint_path, path + "-3");
  EXPECT_THAT(second->all_model_checkpoint_paths,
              ElementsAre(path + "-2", path + "-3"));
  // The first file still names m-1, whose files are gone.
  auto first = LatestCheckpoint(dir.path(), "first_state");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->has_value());
}

TEST(SaverTest, LatestFilenameWithADirectoryIsRejected) {
  testing::TempDir dir;
  auto t = Load();
  SaverSaveOptions options;
  options.latest_filename = "sub/state";
  EXPECT_THAT(t->saver->Save(t->session.get(), dir.Join("m"), options).status(),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("must be a file name without path components")));
}

TEST(SaverTest, ShardedSaverSavesThroughMergeAndRestores) {
  testing::TempDir dir;
  SaverOptions sharded;
  sharded.sharded = true;
  auto t = Load(sharded);
  const tensorflow::SaverDef& def = t->saver->saver_def();
  EXPECT_TRUE(def.sharded());
  // The tutorial's own saver holds "save": the new one is "save_1".
  EXPECT_EQ(def.filename_tensor_name(), "save_1/Const:0");
  EXPECT_EQ(def.save_tensor_name(), "save_1/Identity:0");
  EXPECT_EQ(def.restore_op_name(), "save_1/restore_all");
  for (const char* op : {"save_1/StaticRegexFullMatch", "save_1/ShardedFilename",
                         "save_1/MergeV2Checkpoints/checkpoint_prefixes",
                         "save_1/MergeV2Checkpoints", "save_1/restore_shard"}) {
    EXPECT_NE(t->graph.FindNode(op), nullptr) << op;
  }

  SaverSaveOptions options;
  options.global_step = 5;
  options.write_meta_graph = false;
  auto prefix = t->saver->Save(t->session.get(), dir.Join("m"), options);
  ASSERT_TRUE(prefix.ok()) << prefix.status();
  // The merged bundle only: the "_temp" directory is gone.
  EXPECT_THAT(Listing(dir.path()),
              ElementsAre("checkpoint", "m-5.data-00000-of-00001", "m-5.index"));
  auto bias = t->session->Run({}, {"bias:0"}, {});
  ASSERT_TRUE(bias.ok()) << bias.status();
  ASSERT_TRUE(t->session
                  ->Run({{"bias/initial_value:0", Tensor::Scalar(-1.0f)}}, {},
                        {"bias/Assign"})
                  .ok());
  ASSERT_THAT(t->saver->Restore(t->session.get(), *prefix), testing::IsOk());
  auto restored = t->session->Run({}, {"bias:0"}, {});
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ((*restored)[0].flat<float>()[0], (*bias)[0].flat<float>()[0]);
}

}  // namespace
}  // namespace tfckpt
