// SavedModel directories: the real TF 2.10 Keras export, and bad input.
#include <algorithm>
#include <string>

#include "tests/testing/testing.h"
#include "tfckpt/object_graph.h"
#include "tfckpt/saved_model.h"

namespace tfckpt {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::tfckpt::testing::StatusIs;
using ::tfckpt::testing::TempDir;
using ::tfckpt::testing::TfRealPath;
using ::tfckpt::testing::WriteFileOrDie;

TEST(SavedModelTest, RealKerasExport) {
  const std::string dir = TfRealPath("tf2.10-savedmodel");
  TFCKPT_ASSERT_OK_AND_ASSIGN(SavedModelInfo model, ReadSavedModel(dir));
  ASSERT_EQ(model.meta_graphs.size(), 1u);
  EXPECT_THAT(model.meta_graphs[0].tags, ElementsAre("serve"));
  EXPECT_THAT(model.meta_graphs[0].signatures, Contains("serving_default"));
  EXPECT_TRUE(model.meta_graphs[0].has_object_graph);
  TFCKPT_ASSERT_OK_AND_ASSIGN(const tensorflow::MetaGraphDef* mg, FindMetaGraph(model, {"serve"}));
  EXPECT_EQ(mg, &model.proto.meta_graphs(0));
  EXPECT_THAT(FindMetaGraph(model, {"train"}), StatusIs(StatusCode::kNotFound));
  // Restoring the variables: every tensor reads, and the object tree lists.
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto variables, OpenSavedModelVariables(dir));
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto entries, variables->ListEntries());
  EXPECT_EQ(entries.size(), 64u);
  for (const BundleEntryInfo& e : entries) EXPECT_TRUE(variables->ReadTensor(e.name).ok()) << e.name;
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto graph, ReadObjectGraph(*variables));
  ASSERT_TRUE(graph.has_value());
  EXPECT_TRUE(std::any_of(graph->nodes.begin(), graph->nodes.end(), [](const ObjectNode& n) {
    return n.path == "layer_with_weights-0/kernel";
  }));
}

TEST(SavedModelTest, MissingAndCorrupt) {
  TempDir dir;
  EXPECT_THAT(ReadSavedModel(dir.path()), StatusIs(StatusCode::kNotFound));
  WriteFileOrDie(dir.Join("saved_model.pb"), "\xff\xff\xff");
  EXPECT_THAT(ReadSavedModel(dir.path()), StatusIs(StatusCode::kDataLoss));
}

TEST(SavedModelTest, TextFormat) {
  TempDir dir;
  WriteFileOrDie(dir.Join("saved_model.pbtxt"),
                 "saved_model_schema_version: 1\n"
                 "meta_graphs { meta_info_def { tags: \"serve\" tags: \"gpu\" } }\n");
  TFCKPT_ASSERT_OK_AND_ASSIGN(SavedModelInfo model, ReadSavedModel(dir.path()));
  EXPECT_THAT(model.meta_graphs[0].tags, ElementsAre("serve", "gpu"));
  EXPECT_TRUE(FindMetaGraph(model, {"gpu", "serve"}).ok());
  EXPECT_THAT(OpenSavedModelVariables(dir.path()), StatusIs(StatusCode::kNotFound));
}

}  // namespace
}  // namespace tfckpt
