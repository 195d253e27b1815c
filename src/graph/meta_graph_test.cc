#include "tfckpt/meta_graph.h"

#include <google/protobuf/text_format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "src/graph/node_util.h"
#include "tests/testing/testing.h"

namespace tfckpt {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::tfckpt::testing::StatusIs;
using ::tfckpt::testing::TempDir;
using ::tfckpt::testing::TfRealPath;

constexpr const char* kRealMetaFiles[] = {
    "tf1.2-linear/smovetf.ckpt.meta",
    "tf1.3-tutorial/my_test_model-1000.meta",
    "tf1.14-mnist-cnn/my_test_model-1000.meta",
    "v1-format/model.ckpt.meta",
};

TEST(MetaGraphGoldenTest, EveryRealMetaFileImports) {
  for (const char* file : kRealMetaFiles) {
    SCOPED_TRACE(file);
    TFCKPT_ASSERT_OK_AND_ASSIGN(tensorflow::MetaGraphDef meta,
                                ReadMetaGraphFile(TfRealPath(file)));
    Graph graph;
    TFCKPT_ASSERT_OK_AND_ASSIGN(ImportMetaGraphResult result,
                                ImportMetaGraph(&graph, meta));
    EXPECT_EQ(graph.num_nodes(), meta.graph_def().node_size());
    TFCKPT_EXPECT_OK(graph.ValidateOps());
    ASSERT_TRUE(result.saver.has_value());
    EXPECT_TRUE(result.saver->from_saver_def);
    EXPECT_EQ(result.saver->saver_def.restore_op_name(), "save/restore_all");
    EXPECT_FALSE(result.variables.empty());
    for (const auto& [name, var] : result.variables) {
      EXPECT_EQ(name, var.def.variable_name());
    }
    EXPECT_THAT(result.warnings, IsEmpty());
  }
}

TEST(MetaGraphGoldenTest, TutorialGraphMatchesTheTutorial) {
  Graph graph;
  TFCKPT_ASSERT_OK_AND_ASSIGN(
      ImportMetaGraphResult result,
      ImportMetaGraph(&graph, TfRealPath("tf1.3-tutorial/my_test_model-1000.meta")));
  TFCKPT_EXPECT_OK(graph.GetTensorByName("w1:0").status());
  TFCKPT_EXPECT_OK(graph.GetTensorByName("op_to_restore:0").status());
  EXPECT_EQ(result.meta_info_def.tensorflow_version(), "1.3.0");
  EXPECT_EQ(result.saver->saver_def.max_to_keep(), 5);
  ASSERT_EQ(result.variables.count("bias:0"), 1u);
  EXPECT_EQ(result.variables.at("bias:0").name(), "bias");
}

TEST(MetaGraphGoldenTest, TrainOpResolvesToAnOperation) {
  Graph graph;
  TFCKPT_ASSERT_OK(ImportMetaGraph(
      &graph, TfRealPath("tf1.2-linear/smovetf.ckpt.meta")).status());
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto train_op,
                              graph.GetCollectionElements("train_op"));
  ASSERT_EQ(train_op.size(), 1u);
  EXPECT_FALSE(train_op[0].is_tensor());
}

TEST(MetaGraphGoldenTest, SavedModelMetaGraphImports) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(
      tensorflow::SavedModel saved_model,
      ReadSavedModelFile(TfRealPath("tf2.10-savedmodel/saved_model.pb")));
  ASSERT_EQ(saved_model.meta_graphs_size(), 1);
  Graph graph;
  TFCKPT_ASSERT_OK_AND_ASSIGN(
      ImportMetaGraphResult result,
      ImportMetaGraph(&graph, saved_model.meta_graphs(0)));
  EXPECT_EQ(graph.num_nodes(), saved_model.meta_graphs(0).graph_def().node_size());
  EXPECT_TRUE(result.signature_defs.contains("serving_default"));
  ASSERT_TRUE(result.saver.has_value());
  EXPECT_EQ(result.saver->saver_def.filename_tensor_name(), "saver_filename:0");
  // Functions survive export byte for byte (object graph kept as unknown
  // fields is not part of the export).
  TFCKPT_ASSERT_OK_AND_ASSIGN(tensorflow::MetaGraphDef out,
                              CreateMetaGraphDef(graph));
  EXPECT_EQ(internal::DeterministicBytes(out.graph_def().library()),
            internal::DeterministicBytes(
                saved_model.meta_graphs(0).graph_def().library()));
}

TEST(MetaGraphTest, ExportThenImportKeepsEverything) {
  Graph graph;
  TFCKPT_ASSERT_OK_AND_ASSIGN(
      ImportMetaGraphResult imported,
      ImportMetaGraph(&graph, TfRealPath("tf1.14-mnist-cnn/my_test_model-1000.meta")));
  TempDir dir;
  for (bool as_text : {false, true}) {
    SCOPED_TRACE(as_text);
    ExportMetaGraphOptions options;
    options.as_text = as_text;
    options.saver_def = imported.saver->saver_def;
    const std::string path = dir.Join(as_text ? "sub/t.meta" : "b.meta");
    TFCKPT_ASSERT_OK_AND_ASSIGN(tensorflow::MetaGraphDef written,
                                ExportMetaGraph(graph, path, options));
    EXPECT_EQ(written.meta_info_def().tensorflow_version(),
              kCompatibleTensorFlowVersion);
    EXPECT_GT(written.meta_info_def().stripped_op_list().op_size(), 10);
    TFCKPT_ASSERT_OK_AND_ASSIGN(tensorflow::MetaGraphDef read,
                                ReadMetaGraphFile(path));
    EXPECT_EQ(internal::DeterministicBytes(read),
              internal::DeterministicBytes(written));
    Graph again;
    TFCKPT_ASSERT_OK_AND_ASSIGN(ImportMetaGraphResult second,
                                ImportMetaGraph(&again, read));
    EXPECT_EQ(internal::DeterministicBytes(again.ToGraphDef()),
              internal::DeterministicBytes(graph.ToGraphDef()));
    EXPECT_EQ(again.collections().size(), graph.collections().size());
    EXPECT_EQ(second.variables.size(), imported.variables.size());
  }
}

TEST(MetaGraphTest, ImportScopeRescopesNamesButNotCheckpointKeys) {
  Graph graph;
  const std::string path = TfRealPath("tf1.3-tutorial/my_test_model-1000.meta");
  ImportMetaGraphOptions options;
  options.import_scope = "net";
  TFCKPT_ASSERT_OK_AND_ASSIGN(ImportMetaGraphResult first,
                              ImportMetaGraph(&graph, path, options));
  TFCKPT_ASSERT_OK_AND_ASSIGN(ImportMetaGraphResult second,
                              ImportMetaGraph(&graph, path, options));
  EXPECT_EQ(first.scope, "net");
  EXPECT_EQ(second.scope, "net_1");
  EXPECT_EQ(second.saver->saver_def.restore_op_name(), "net_1/save/restore_all");
  EXPECT_EQ(second.variables.at("bias:0").def.snapshot_name(),
            "net_1/bias/read:0");
  // The restore op's key list still says "bias".
  const Node* names = graph.FindNode("net_1/save/RestoreV2/tensor_names");
  ASSERT_NE(names, nullptr);
  EXPECT_EQ(names->FindAttr("value")->tensor().string_val(0), "bias");
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto vars, graph.GetVariables());
  EXPECT_EQ(vars.size(), 2u);

  // Export one scope back out: names lose the scope again.
  ExportMetaGraphOptions out;
  out.export_scope = "net_1";
  TFCKPT_ASSERT_OK_AND_ASSIGN(tensorflow::MetaGraphDef exported,
                              CreateMetaGraphDef(graph, out));
  TFCKPT_ASSERT_OK_AND_ASSIGN(tensorflow::MetaGraphDef original,
                              ReadMetaGraphFile(path));
  EXPECT_EQ(exported.graph_def().node_size(), original.graph_def().node_size());
  // Same VariableDef, plus `trainable`, which TF fills in for files written
  // before TF 1.9 (this one is 1.3).
  tensorflow::VariableDef ours, theirs;
  ASSERT_TRUE(ours.ParseFromString(
      exported.collection_def().at("variables").bytes_list().value(0)));
  ASSERT_TRUE(theirs.ParseFromString(
      original.collection_def().at("variables").bytes_list().value(0)));
  EXPECT_TRUE(ours.trainable());
  theirs.set_trainable(true);
  EXPECT_EQ(ours.DebugString(), theirs.DebugString());
  EXPECT_FALSE(exported.collection_def().contains("unbound_inputs"));
}

TEST(MetaGraphTest, ExportScopeRecordsUnboundInputs) {
  tensorflow::MetaGraphDef meta;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(R"pb(
    graph_def {
      node { name: "x" op: "Placeholder"
             attr { key: "dtype" value { type: DT_FLOAT } } }
      node { name: "s/y" op: "Identity" input: "x"
             attr { key: "T" value { type: DT_FLOAT } } }
    })pb", &meta));
  Graph graph;
  TFCKPT_ASSERT_OK(ImportMetaGraph(&graph, meta).status());
  ExportMetaGraphOptions options;
  options.export_scope = "s";
  TFCKPT_ASSERT_OK_AND_ASSIGN(tensorflow::MetaGraphDef out,
                              CreateMetaGraphDef(graph, options));
  ASSERT_EQ(out.graph_def().node_size(), 1);
  EXPECT_EQ(out.graph_def().node(0).input(0), "$unbound_inputs_x");
  EXPECT_EQ(out.collection_def().at("unbound_inputs").bytes_list().value(0),
            "$unbound_inputs_x");
  Graph other;
  EXPECT_THAT(ImportMetaGraph(&other, out),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("Graph contains unbound inputs")));
}

// TF's export_meta_graph writes the graph with add_shapes=True.
TEST(MetaGraphTest, ExportAddsOutputShapesAsTensorFlow) {
  tensorflow::MetaGraphDef meta;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(R"pb(
    graph_def {
      node { name: "x" op: "Placeholder"
             attr { key: "dtype" value { type: DT_FLOAT } }
             attr { key: "shape" value { shape { dim { size: -1 } dim { size: 3 } } } } }
      node { name: "w" op: "Const"
             attr { key: "dtype" value { type: DT_FLOAT } }
             attr { key: "value" value { tensor {
               dtype: DT_FLOAT tensor_shape { dim { size: 3 } dim { size: 2 } }
               float_val: 1 } } } }
      node { name: "y" op: "MatMul" input: "x" input: "w"
             attr { key: "T" value { type: DT_FLOAT } } }
      node { name: "recorded" op: "Identity" input: "y"
             attr { key: "T" value { type: DT_FLOAT } }
             attr { key: "_output_shapes" value { list { shape { dim { size: 7 } dim { size: 2 } } } } } }
      node { name: "n" op: "NoOp" input: "^y" }
    })pb", &meta));
  Graph graph;
  TFCKPT_ASSERT_OK(ImportMetaGraph(&graph, meta).status());
  TFCKPT_ASSERT_OK_AND_ASSIGN(tensorflow::MetaGraphDef out, CreateMetaGraphDef(graph));
  auto shapes = [&](int i) {
    const auto& attr = out.graph_def().node(i).attr();
    auto it = attr.find("_output_shapes");
    return it == attr.end() ? std::string("none") : it->second.ShortDebugString();
  };
  EXPECT_EQ(shapes(0), "list { shape { dim { size: -1 } dim { size: 3 } } }");
  EXPECT_EQ(shapes(1), "list { shape { dim { size: 3 } dim { size: 2 } } }");
  EXPECT_EQ(shapes(2), "list { shape { dim { size: -1 } dim { size: 2 } } }");
  EXPECT_EQ(shapes(3), "list { shape { dim { size: 7 } dim { size: 2 } } }");  // as imported
  EXPECT_EQ(shapes(4), "none");  // no outputs
  ExportMetaGraphOptions without;
  without.add_shapes = false;
  TFCKPT_ASSERT_OK_AND_ASSIGN(out, CreateMetaGraphDef(graph, without));
  EXPECT_EQ(shapes(2), "none");
}

// TF refuses to write a GraphDef protobuf cannot hold (tensorflow#7770):
// numpy initial values turned into Const nodes are the usual cause.
TEST(MetaGraphTest, GraphOverTwoGigabytesIsRefusedAndNothingIsWritten) {
  Graph graph;
  tensorflow::NodeDef big;
  big.set_name("s/big");
  big.set_op("Const");
  (*big.mutable_attr())["dtype"].set_type(tensorflow::DT_INT8);
  tensorflow::TensorProto* value = (*big.mutable_attr())["value"].mutable_tensor();
  value->set_dtype(tensorflow::DT_INT8);
  constexpr int64_t kBytes = int64_t{1} << 31;
  value->mutable_tensor_shape()->add_dim()->set_size(kBytes);
  value->mutable_tensor_content()->resize(static_cast<size_t>(kBytes));
  TFCKPT_ASSERT_OK(graph.AddNode(std::move(big)).status());
  TempDir dir;
  // Both export paths: the whole graph, and a scoped copy of its nodes.
  for (const std::string scope : {"", "s"}) {
    SCOPED_TRACE(scope);
    ExportMetaGraphOptions options;
    options.export_scope = scope;
    const std::string path = dir.Join("big" + scope + ".meta");
    EXPECT_THAT(ExportMetaGraph(graph, path, options),
                StatusIs(StatusCode::kInvalidArgument,
                         HasSubstr("GraphDef cannot be larger than 2GB")));
    EXPECT_FALSE(std::filesystem::exists(path));
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));  // no temporary left
}

TEST(MetaGraphTest, NoSaverDefGivesDefaultSaverOnlyWithVariables) {
  tensorflow::MetaGraphDef meta;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(R"pb(
    graph_def { node { name: "c" op: "NoOp" } }
    collection_def { key: "weird" value {} }
    collection_def { key: "ints" value { int64_list { value: [ 1, 2 ] } } }
  )pb", &meta));
  Graph graph;
  TFCKPT_ASSERT_OK_AND_ASSIGN(ImportMetaGraphResult r,
                              ImportMetaGraph(&graph, meta));
  EXPECT_FALSE(r.saver.has_value());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_THAT(r.warnings[0], HasSubstr("weird"));
  EXPECT_EQ(graph.FindCollection("ints")->int64_list().value_size(), 2);

  Graph with_vars;
  TFCKPT_ASSERT_OK_AND_ASSIGN(tensorflow::MetaGraphDef tutorial,
                              ReadMetaGraphFile(TfRealPath(
                                  "tf1.3-tutorial/my_test_model-1000.meta")));
  tutorial.clear_saver_def();
  TFCKPT_ASSERT_OK_AND_ASSIGN(ImportMetaGraphResult r2,
                              ImportMetaGraph(&with_vars, tutorial));
  ASSERT_TRUE(r2.saver.has_value());
  EXPECT_FALSE(r2.saver->from_saver_def);
  EXPECT_EQ(r2.saver->saver_def.max_to_keep(), 5);
}

TEST(MetaGraphTest, BadFilesGiveErrorsNotCrashes) {
  TempDir dir;
  EXPECT_THAT(ReadMetaGraphFile(dir.Join("missing.meta")),
              StatusIs(StatusCode::kNotFound, HasSubstr("does not exist")));
  const std::string real = ::tfckpt::testing::ReadFileOrDie(
      TfRealPath("tf1.3-tutorial/my_test_model-1000.meta"));
  // Every truncation either fails cleanly or parses (a prefix of a
  // protobuf can be a valid protobuf).
  for (size_t len = 0; len < real.size(); len += 97) {
    auto meta = ParseMetaGraph(std::string_view(real).substr(0, len), "t");
    if (!meta.ok()) continue;
    Graph graph;
    ImportMetaGraph(&graph, *meta).status().IgnoreError();
  }
  EXPECT_THAT(ParseMetaGraph("\xff\xff\xff garbage {", "g.meta"),
              StatusIs(StatusCode::kDataLoss, HasSubstr("Cannot parse file g.meta")));
  ParseOptions small;
  small.max_bytes = 10;
  EXPECT_THAT(ParseMetaGraph(real, "big", small),
              StatusIs(StatusCode::kResourceExhausted));

  // Attrs nested past the recursion limit.
  std::string nested = "x";
  for (int i = 0; i < 200; ++i) {
    nested = "list { func { name: \"f\" attr { key: \"a\" value { " + nested +
             " } } } }";
  }
  nested.replace(nested.find('x'), 1, "i: 1");
  const std::string text =
      "graph_def { node { name: \"n\" op: \"NoOp\" attr { key: \"a\" value { " +
      nested + " } } } }";
  EXPECT_THAT(ParseMetaGraph(text, "deep.meta"),
              StatusIs(StatusCode::kDataLoss));
  tensorflow::MetaGraphDef deep;
  ParseOptions unlimited;
  unlimited.recursion_limit = 10000;
  TFCKPT_ASSERT_OK_AND_ASSIGN(deep, ParseMetaGraph(text, "deep", unlimited));
  EXPECT_THAT(ParseMetaGraph(deep.SerializeAsString(), "deep.meta"),
              StatusIs(StatusCode::kDataLoss));
}

TEST(MetaGraphTest, DanglingInputsAndCyclesAreErrors) {
  for (const char* text : {
           R"pb(graph_def { node { name: "a" op: "NoOp" input: "^b" } })pb",
           R"pb(graph_def { node { name: "a" op: "NoOp" input: "^b" }
                            node { name: "b" op: "NoOp" input: "^a" } })pb",
           R"pb(graph_def { node { name: "a" op: "NoOp" } }
                collection_def { key: "train_op"
                                 value { node_list { value: "zzz" } } })pb"}) {
    tensorflow::MetaGraphDef meta;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &meta));
    Graph graph;
    EXPECT_THAT(ImportMetaGraph(&graph, meta),
                StatusIs(StatusCode::kInvalidArgument)) << text;
  }
}

}  // namespace
}  // namespace tfckpt
