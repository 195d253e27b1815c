// Session, variables and the graph-level Saver on the TF 1.3 tutorial graph
// and on small graphs built here.
#include "tfckpt/session.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/testing.h"
#include "tfckpt/meta_graph.h"
#include "tfckpt/saver.h"

namespace tfckpt {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

Tensor Scalar(float v) {
  const float values[1] = {v};
  return *Tensor::FromValues<float>(TensorShape{}, std::span<const float>(values));
}

struct Tutorial {
  Graph graph;
  std::unique_ptr<Session> session;
  std::unique_ptr<Saver> saver;
};

std::unique_ptr<Tutorial> LoadTutorial() {
  auto t = std::make_unique<Tutorial>();
  auto imported = ImportMetaGraph(
      &t->graph, testing::TfRealPath("tf1.3-tutorial/my_test_model-1000.meta"));
  EXPECT_TRUE(imported.ok()) << imported.status();
  auto session = Session::Create(&t->graph);
  EXPECT_TRUE(session.ok()) << session.status();
  t->session = *std::move(session);
  auto saver = Saver::FromImported(&t->graph, *imported->saver);
  EXPECT_TRUE(saver.ok()) << saver.status();
  t->saver = *std::move(saver);
  return t;
}

const std::string kTutorialPrefix = "tf1.3-tutorial/my_test_model-1000";

TEST(SessionTest, TutorialRestoresAndComputes60) {
  auto t = LoadTutorial();
  ASSERT_THAT(t->saver->Restore(t->session.get(), testing::TfRealPath(kTutorialPrefix)),
              testing::IsOk());
  auto bias = t->session->Run({}, {"bias:0"}, {});
  ASSERT_TRUE(bias.ok()) << bias.status();
  EXPECT_EQ((*bias)[0].flat<float>()[0], 2.0f);
  auto out = t->session->Run({{"w1:0", Scalar(13)}, {"w2:0", Scalar(17)}},
                             {"op_to_restore:0"}, {});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].flat<float>()[0], 60.0f);
}

TEST(SessionTest, UnfedPlaceholderNamesIt) {
  auto t = LoadTutorial();
  ASSERT_THAT(t->saver->Restore(t->session.get(), testing::TfRealPath(kTutorialPrefix)),
              testing::IsOk());
  auto out = t->session->Run({{"w2:0", Scalar(17)}}, {"op_to_restore:0"}, {});
  EXPECT_THAT(out.status(),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("You must feed a value for placeholder tensor "
                                 "'w1' with dtype float")));
}

TEST(SessionTest, UninitializedVariableNamesIt) {
  auto t = LoadTutorial();
  auto out = t->session->Run({{"w1:0", Scalar(1)}, {"w2:0", Scalar(2)}},
                             {"op_to_restore:0"}, {});
  EXPECT_THAT(out.status(),
              StatusIs(StatusCode::kFailedPrecondition,
                       HasSubstr("Attempting to use uninitialized value bias")));
}

TEST(SessionTest, FeedingAnIntermediateTensorCutsItsInputs) {
  auto t = LoadTutorial();
  ASSERT_THAT(t->saver->Restore(t->session.get(), testing::TfRealPath(kTutorialPrefix)),
              testing::IsOk());
  // op_to_restore = Add(w1, w2) * bias: feeding the Add needs no placeholder.
  const Node* mul = t->graph.FindNode("op_to_restore");
  ASSERT_NE(mul, nullptr);
  const std::string add = mul->data_inputs()[0].node + ":0";
  auto out = t->session->Run({{add, Scalar(5)}}, {"op_to_restore:0"}, {});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].flat<float>()[0], 10.0f);
}

TEST(SessionTest, SaveThenRestoreInANewSession) {
  testing::TempDir dir;
  auto t = LoadTutorial();
  // Initialize with the graph's own initializer (bias = 2), then change it.
  ASSERT_TRUE(t->session->Run({}, {}, {"init"}).ok());
  auto assign = t->session->Run({{"bias/initial_value:0", Scalar(3.5f)}}, {},
                                {"bias/Assign"});
  ASSERT_TRUE(assign.ok()) << assign.status();
  SaverSaveOptions options;
  options.global_step = 7;
  auto prefix = t->saver->Save(t->session.get(), dir.path() + "/m", options);
  ASSERT_TRUE(prefix.ok()) << prefix.status();
  EXPECT_EQ(*prefix, dir.path() + "/m-7");
  auto latest = LatestCheckpoint(dir.path());
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ(**latest, *prefix);

  // The written .meta imports and restores the new value.
  Graph graph;
  auto imported = ImportMetaGraph(&graph, *prefix + ".meta");
  ASSERT_TRUE(imported.ok()) << imported.status();
  auto session = Session::Create(&graph);
  ASSERT_TRUE(session.ok());
  auto saver = Saver::FromImported(&graph, *imported->saver);
  ASSERT_TRUE(saver.ok()) << saver.status();
  ASSERT_THAT((*saver)->Restore(session->get(), *prefix), testing::IsOk());
  auto out = (*session)->Run({{"w1:0", Scalar(1)}, {"w2:0", Scalar(1)}},
                             {"op_to_restore:0"}, {});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].flat<float>()[0], 7.0f);
}

TEST(SessionTest, RestoreErrors) {
  testing::TempDir dir;
  auto t = LoadTutorial();
  EXPECT_THAT(t->saver->Restore(t->session.get(), dir.path() + "/missing"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("not a valid checkpoint")));
  // A new saver over the variable under another key: the key is missing.
  auto vars = t->graph.GetVariables();
  ASSERT_TRUE(vars.ok());
  ASSERT_EQ(vars->size(), 1u);
  auto renamed = Saver::Create(&t->graph, std::map<std::string, Variable>{
                                              {"w1/Adam", (*vars)[0]}});
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_THAT((*renamed)->Restore(t->session.get(),
                                  testing::TfRealPath(kTutorialPrefix)),
              StatusIs(StatusCode::kNotFound,
                       HasSubstr("Key w1/Adam not found in checkpoint")));
}

TEST(SessionTest, PlansAreCachedAndRunsRepeat) {
  auto t = LoadTutorial();
  ASSERT_THAT(t->saver->Restore(t->session.get(), testing::TfRealPath(kTutorialPrefix)),
              testing::IsOk());
  for (int i = 0; i < 20; ++i) {
    auto out = t->session->Run({{"w2:0", Scalar(static_cast<float>(i))},
                                {"w1:0", Scalar(1)}},
                               {"op_to_restore:0", "bias:0"}, {});
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ((*out)[0].flat<float>()[0], 2.0f * static_cast<float>(i + 1));
  }
}

}  // namespace
}  // namespace tfckpt
