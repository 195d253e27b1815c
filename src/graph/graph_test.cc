#include "tfckpt/graph.h"

#include <google/protobuf/text_format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "src/graph/node_util.h"
#include "tests/testing/testing.h"

namespace tfckpt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::tfckpt::testing::StatusIs;

tensorflow::GraphDef ParseGraphDef(const std::string& text) {
  tensorflow::GraphDef def;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &def));
  return def;
}

// w1 (placeholder), bias (VariableV2) and op_to_restore = (w1 + w2) * bias,
// listed out of order, with an attr the registry does not declare.
constexpr char kTutorial[] = R"pb(
  node { name: "op_to_restore" op: "Mul" input: "Add" input: "bias/read"
         attr { key: "T" value { type: DT_FLOAT } } }
  node { name: "w1" op: "Placeholder" device: "/device:CPU:0"
         attr { key: "dtype" value { type: DT_FLOAT } }
         attr { key: "shape" value { shape { unknown_rank: true } } } }
  node { name: "w2" op: "Placeholder"
         attr { key: "dtype" value { type: DT_FLOAT } } }
  node { name: "Add" op: "Add" input: "w1" input: "w2:0" input: "^bias"
         attr { key: "T" value { type: DT_FLOAT } }
         attr { key: "_from_the_future" value { i: 7 } } }
  node { name: "bias" op: "VariableV2"
         attr { key: "dtype" value { type: DT_FLOAT } }
         attr { key: "shape" value { shape {} } } }
  node { name: "bias/read" op: "Identity" input: "bias"
         attr { key: "T" value { type: DT_FLOAT } } }
  node { name: "mystery" op: "NotARealOp" input: "w1" }
  versions { producer: 24 }
  library { function { signature { name: "f" } } }
)pb";

TEST(TensorIdTest, ParsesNodeDefInputs) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(TensorId a, ParseTensorId("x"));
  EXPECT_EQ(a, (TensorId{"x", 0}));
  TFCKPT_ASSERT_OK_AND_ASSIGN(TensorId b, ParseTensorId("s/x:3"));
  EXPECT_EQ(b, (TensorId{"s/x", 3}));
  TFCKPT_ASSERT_OK_AND_ASSIGN(TensorId c, ParseTensorId("^x"));
  EXPECT_TRUE(c.is_control());
  EXPECT_EQ(c.ToString(), "^x");
  EXPECT_EQ(b.ToString(), "s/x:3");
  for (const char* bad : {"", "^", ":1", "x:", "x:-1", "x:a"}) {
    EXPECT_THAT(ParseTensorId(bad), StatusIs(StatusCode::kInvalidArgument))
        << bad;
  }
}

TEST(GraphTest, GraphDefRoundTripIsLossless) {
  const tensorflow::GraphDef def = ParseGraphDef(kTutorial);
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto graph, Graph::FromGraphDef(def));
  EXPECT_EQ(internal::DeterministicBytes(graph->ToGraphDef()),
            internal::DeterministicBytes(def));
  ASSERT_EQ(graph->num_nodes(), 7);
  EXPECT_EQ(graph->node(0).name(), "op_to_restore");
  const Node* add = graph->FindNode("Add");
  ASSERT_NE(add, nullptr);
  EXPECT_THAT(add->data_inputs(),
              ElementsAre(TensorId{"w1", 0}, TensorId{"w2", 0}));
  EXPECT_THAT(add->control_inputs(), ElementsAre("bias"));
  EXPECT_EQ(add->num_outputs(), 1);
  EXPECT_EQ(graph->FindNode("bias")->output_types()[0], DataType::kFloat);
  // Unknown op: kept, unknown arity, reported on request.
  const Node* mystery = graph->FindNode("mystery");
  EXPECT_EQ(mystery->num_outputs(), -1);
  EXPECT_THAT(graph->ValidateOps(),
              StatusIs(StatusCode::kUnimplemented,
                       AllOf(HasSubstr("NotARealOp"), HasSubstr("mystery"))));
}

TEST(GraphTest, TensorAndOperationLookupUseTfMessages) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto graph,
                              Graph::FromGraphDef(ParseGraphDef(kTutorial)));
  TFCKPT_ASSERT_OK_AND_ASSIGN(GraphElement w1, graph->GetTensorByName("w1:0"));
  EXPECT_EQ(w1.name(), "w1:0");
  TFCKPT_ASSERT_OK_AND_ASSIGN(const Node* op,
                              graph->GetOperationByName("op_to_restore"));
  EXPECT_EQ(op->op(), "Mul");
  EXPECT_THAT(graph->GetTensorByName("w3:0"),
              StatusIs(StatusCode::kNotFound,
                       "The name 'w3:0' refers to a Tensor which does not "
                       "exist. The operation, 'w3', does not exist in the "
                       "graph."));
  EXPECT_THAT(graph->GetTensorByName("w1:1"),
              StatusIs(StatusCode::kNotFound,
                       "The name 'w1:1' refers to a Tensor which does not "
                       "exist. The operation, 'w1', exists but only has 1 "
                       "outputs."));
  EXPECT_THAT(graph->GetOperationByName("nope"),
              StatusIs(StatusCode::kNotFound,
                       "The name 'nope' refers to an Operation not in the "
                       "graph."));
  EXPECT_THAT(graph->GetTensorByName("w1"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("refers to an Operation, not a Tensor")));
  EXPECT_THAT(graph->GetOperationByName("w1:0"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(graph->GetTensorByName("w1:x"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("not a valid one")));
}

TEST(GraphTest, SetAttrChangesOnlyAttrsOutsideTheSignature) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto graph,
                              Graph::FromGraphDef(ParseGraphDef(kTutorial)));
  tensorflow::AttrValue frame;
  frame.set_s("scope/while/while_context");
  TFCKPT_ASSERT_OK(graph->SetAttr("op_to_restore", "frame_name", frame));
  EXPECT_EQ(graph->FindNode("op_to_restore")->FindAttr("frame_name")->s(),
            "scope/while/while_context");
  EXPECT_EQ(graph->ToGraphDef().node(graph->FindNode("op_to_restore")->id())
                .attr().at("frame_name").s(),
            "scope/while/while_context");
  tensorflow::AttrValue dtype;
  dtype.set_type(tensorflow::DT_INT32);
  EXPECT_THAT(graph->SetAttr("op_to_restore", "T", dtype),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("'T' decides its signature")));
  EXPECT_THAT(graph->SetAttr("nope", "frame_name", frame),
              StatusIs(StatusCode::kNotFound, HasSubstr("'nope'")));
}

TEST(GraphTest, BadGraphDefsAreRejected) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {R"pb(node { name: "a" op: "NoOp" } node { name: "a" op: "NoOp" })pb",
       "not unique"},
      {R"pb(node { name: "a" op: "Identity" input: "b"
                   attr { key: "T" value { type: DT_FLOAT } } })pb",
       "Unknown input node 'b'"},
      {R"pb(node { name: "a" op: "Identity" input: "b"
                   attr { key: "T" value { type: DT_FLOAT } } }
            node { name: "b" op: "Identity" input: "a"
                   attr { key: "T" value { type: DT_FLOAT } } })pb",
       "cycle"},
      {R"pb(node { name: "a b" op: "NoOp" })pb", "invalid characters"},
      {R"pb(node { name: "c" op: "NoOp" }
            node { name: "a" op: "Identity" input: "^c" input: "c"
                   attr { key: "T" value { type: DT_FLOAT } } })pb",
       "Control dependencies must come after"},
      {R"pb(node { name: "a" op: "Identity"
                   attr { key: "T" value { type: DT_FLOAT } } })pb",
       "expected 1 inputs, got 0"},
      {R"pb(node { name: "a" op: "Placeholder"
                   attr { key: "dtype" value { i: 1 } } })pb",
       "attr 'dtype' has a int value"},
      {R"pb(node { name: "a" op: "Placeholder" })pb", "missing attr 'dtype'"},
      {R"pb(node { name: "p" op: "Placeholder"
                   attr { key: "dtype" value { type: DT_FLOAT } } }
            node { name: "a" op: "Identity" input: "p:1"
                   attr { key: "T" value { type: DT_FLOAT } } })pb",
       "invalid output 1"},
      {R"pb(versions { producer: 1 min_consumer: 999999 })pb",
       "min consumer version"},
      // An output count no input pays for: refused, never allocated.
      {R"pb(node { name: "p" op: "Placeholder"
                   attr { key: "dtype" value { type: DT_FLOAT } } }
            node { name: "a" op: "Unpack" input: "p"
                   attr { key: "T" value { type: DT_FLOAT } }
                   attr { key: "num" value { i: 1099511627776 } } })pb",
       "attr 'num' is 1099511627776, more than"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(Graph::FromGraphDef(ParseGraphDef(c.text)),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.text;
  }
}

TEST(GraphTest, WhileLoopBackEdgeIsNotACycle) {
  TFCKPT_EXPECT_OK(Graph::FromGraphDef(ParseGraphDef(R"pb(
    node { name: "x" op: "Const"
           attr { key: "dtype" value { type: DT_INT32 } }
           attr { key: "value" value { tensor { dtype: DT_INT32 } } } }
    node { name: "m" op: "Merge" input: "x" input: "n"
           attr { key: "T" value { type: DT_INT32 } }
           attr { key: "N" value { i: 2 } } }
    node { name: "n" op: "NextIteration" input: "m"
           attr { key: "T" value { type: DT_INT32 } } }
  )pb")).status());
}

TEST(GraphTest, ImportPrefixesUniquifiesAndAddsDefaults) {
  Graph graph;
  const tensorflow::GraphDef def = ParseGraphDef(kTutorial);
  TFCKPT_ASSERT_OK(graph.Import(def, {}));
  // Defaults were added: VariableV2 gets container and shared_name.
  EXPECT_NE(graph.FindNode("bias")->FindAttr("container"), nullptr);
  EXPECT_EQ(graph.versions().producer(), 24);

  // Same names again: uniquified, inputs rewired.
  ImportGraphDefResult second;
  TFCKPT_ASSERT_OK(graph.Import(def, {}, &second));
  EXPECT_EQ(second.names.at("w1"), "w1_1");
  EXPECT_EQ(second.names.at("bias/read"), "bias/read_1");
  EXPECT_THAT(graph.FindNode("Add_1")->def().input(),
              ElementsAre("w1_1", "w2_1:0", "^bias_1"));

  ImportGraphDefOptions scoped;
  scoped.prefix = "net";
  scoped.clear_devices = true;
  ImportGraphDefResult third;
  TFCKPT_ASSERT_OK(graph.Import(def, scoped, &third));
  EXPECT_EQ(third.prefix, "net");
  EXPECT_EQ(graph.FindNode("net/w1")->device(), "");
  EXPECT_THAT(graph.FindNode("net/Add")->def().input(),
              ElementsAre("net/w1", "net/w2:0", "^net/bias"));
  ImportGraphDefResult fourth;
  TFCKPT_ASSERT_OK(graph.Import(def, scoped, &fourth));
  EXPECT_EQ(fourth.prefix, "net_1");
}

TEST(GraphTest, UniqueNamesAndScopes) {
  Graph graph;
  EXPECT_EQ(graph.UniqueName("w1"), "w1");
  EXPECT_EQ(graph.UniqueName("w1"), "w1_1");
  EXPECT_EQ(graph.UniqueName("W1"), "W1_2");
  EXPECT_EQ(graph.UniqueName("w1_1"), "w1_1_1");
  EXPECT_EQ(graph.EnterNameScope("save"), "save");
  EXPECT_EQ(graph.UniqueName("Const"), "save/Const");
  graph.ExitNameScope();
  EXPECT_EQ(graph.EnterNameScope("save"), "save_1");
  EXPECT_EQ(graph.EnterNameScope("inner/"), "inner");
  graph.ExitNameScope();
  graph.ExitNameScope();
  EXPECT_EQ(graph.name_scope(), "");
}

TEST(GraphTest, CollectionsKeepTheirKind) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto graph,
                              Graph::FromGraphDef(ParseGraphDef(kTutorial)));
  TFCKPT_ASSERT_OK_AND_ASSIGN(GraphElement add,
                              graph->AsGraphElement("Add"));
  TFCKPT_ASSERT_OK(graph->AddToCollection("train_op", add));
  TFCKPT_ASSERT_OK_AND_ASSIGN(GraphElement t, graph->GetTensorByName("Add:0"));
  TFCKPT_ASSERT_OK(graph->AddToCollection("train_op", t));
  EXPECT_THAT(graph->AddInt64ToCollection("train_op", 1),
              StatusIs(StatusCode::kInvalidArgument));
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto elements,
                              graph->GetCollectionElements("train_op"));
  ASSERT_EQ(elements.size(), 2u);
  EXPECT_EQ(elements[1].name(), "Add:0");

  tensorflow::VariableDef var;
  var.set_variable_name("bias:0");
  var.set_snapshot_name("bias/read:0");
  TFCKPT_ASSERT_OK(graph->AddVariableToCollection("variables", var));
  var.set_variable_name("nope:0");
  EXPECT_THAT(graph->AddVariableToCollection("variables", var),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("nope")));
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto vars, graph->GetVariables());
  ASSERT_EQ(vars.size(), 1u);
  EXPECT_EQ(vars[0].name(), "bias");
  EXPECT_EQ(vars[0].dtype, DataType::kFloat);
  EXPECT_EQ(vars[0].shape.dim_size(), 0);
  EXPECT_FALSE(vars[0].shape.unknown_rank());
}

TEST(NameScopeTest, PrependAndStripMirrorTf) {
  EXPECT_EQ(internal::PrependNameScope("w1", "net"), "net/w1");
  EXPECT_EQ(internal::PrependNameScope("^w1", "net/"), "^net/w1");
  EXPECT_EQ(internal::PrependNameScope("loc:@w1", "net"), "loc:@net/w1");
  EXPECT_EQ(internal::PrependNameScope("w1", ""), "w1");
  EXPECT_EQ(internal::StripNameScope("net/w1:0", "net"), "w1:0");
  EXPECT_EQ(internal::StripNameScope("^net//w1", "net"), "^w1");
  EXPECT_EQ(internal::StripNameScope("loc:@net/w1", "net"), "loc:@w1");
  EXPECT_EQ(internal::StripNameScope("network/w1", "net"), "network/w1");
}

TEST(GraphImportTest, InputMapRewiresImportedInputsToExistingTensors) {
  Graph graph;
  TFCKPT_ASSERT_OK(graph.Import(ParseGraphDef(R"pb(
    node { name: "y" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
    node { name: "go" op: "NoOp" }
  )pb"), {}));
  const tensorflow::GraphDef imported = ParseGraphDef(R"pb(
    node { name: "a" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
    node { name: "start" op: "NoOp" }
    node { name: "b" op: "Identity" input: "a:0" input: "^start"
           attr { key: "T" value { type: DT_FLOAT } } }
  )pb");
  ImportGraphDefOptions options;
  options.prefix = "net";
  options.input_map = {{"a", "y:0"}, {"^start", "^go"}};
  TFCKPT_ASSERT_OK(graph.Import(imported, options));
  const Node* b = graph.FindNode("net/b");
  ASSERT_NE(b, nullptr);
  EXPECT_THAT(b->def().input(), ElementsAre("y", "^go"));
  EXPECT_EQ(b->data_inputs()[0], (TensorId{"y", 0}));
  EXPECT_THAT(b->control_inputs(), ElementsAre("go"));
  // The mapped nodes are imported all the same, as in TF.
  EXPECT_NE(graph.FindNode("net/a"), nullptr);
}

TEST(GraphImportTest, InputMapErrorsAsTensorFlow) {
  Graph graph;
  TFCKPT_ASSERT_OK(graph.Import(ParseGraphDef(R"pb(
    node { name: "y" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
  )pb"), {}));
  const tensorflow::GraphDef imported = ParseGraphDef(R"pb(
    node { name: "a" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
    node { name: "b" op: "Identity" input: "a" attr { key: "T" value { type: DT_FLOAT } } }
  )pb");
  ImportGraphDefOptions unused;
  unused.input_map = {{"a:0", "y:0"}, {"nope", "y:0"}};
  EXPECT_THAT(graph.Import(imported, unused),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("Attempted to map inputs that were not found in graph_def: "
                                 "[nope:0]")));
  ImportGraphDefOptions missing;
  missing.input_map = {{"a:0", "z:0"}};
  EXPECT_THAT(graph.Import(imported, missing),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'z:0' (for 'a:0') is not in")));
  ImportGraphDefOptions out_of_range;
  out_of_range.input_map = {{"a:0", "y:3"}};
  EXPECT_THAT(graph.Import(imported, out_of_range),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("names output 3 of y")));
  EXPECT_EQ(graph.num_nodes(), 1);  // unchanged on error
}

TEST(GraphImportTest, InputOfAnotherDtypeIsRejectedAsTensorFlow) {
  // Found by graph_exec_fuzzer: a float variable read by an Identity that
  // declares complex64 ran and returned float.
  Graph graph;
  EXPECT_THAT(graph.Import(ParseGraphDef(R"pb(
    node { name: "v" op: "VariableV2"
           attr { key: "dtype" value { type: DT_FLOAT } }
           attr { key: "shape" value { shape { dim { size: 2 } } } } }
    node { name: "v/read" op: "Identity" input: "v"
           attr { key: "T" value { type: DT_COMPLEX64 } } }
  )pb"), {}),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("Input 0 of node v/read was passed float32 from v:0 "
                                 "incompatible with expected complex64.")));
  EXPECT_EQ(graph.num_nodes(), 0);
  TFCKPT_ASSERT_OK(graph.Import(ParseGraphDef(R"pb(
    node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_INT32 } } }
  )pb"), {}));
  tensorflow::NodeDef bad = ParseGraphDef(R"pb(
    node { name: "y" op: "Identity" input: "x" attr { key: "T" value { type: DT_FLOAT } } }
  )pb").node(0);
  EXPECT_THAT(graph.AddNode(bad), StatusIs(StatusCode::kInvalidArgument,
                                           HasSubstr("Input 0 of node y was passed int32")));
}

}  // namespace
}  // namespace tfckpt
