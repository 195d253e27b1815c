#include "tfckpt/graph_builder.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/testing.h"
#include "tfckpt/session.h"

namespace tfckpt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// "name op input,input" for every node, in order.
std::vector<std::string> Nodes(const Graph& graph) {
  std::vector<std::string> out;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& node = graph.node(i);
    std::string line = node.name() + " " + node.op();
    for (int k = 0; k < node.def().input_size(); ++k) {
      line += (k == 0 ? " " : ",") + node.def().input(k);
    }
    out.push_back(line);
  }
  return out;
}

float ScalarValue(const Tensor& t) { return t.flat<float>()[0]; }

TEST(GraphBuilderTest, TutorialGraphHasTensorFlowNames) {
  Graph graph;
  GraphBuilder tf(&graph);
  Output w1 = tf.Placeholder(DataType::kFloat, PartialShape::Unknown(), "w1");
  Output w2 = tf.Placeholder(DataType::kFloat, PartialShape::Unknown(), "w2");
  GraphVariable b1 = tf.Variable(2.0f, "bias");
  Output w4 = tf.Multiply(tf.Add(w1, w2), b1, "op_to_restore");
  Operation init = tf.GlobalVariablesInitializer();
  ASSERT_TRUE(tf.status().ok()) << tf.status();
  EXPECT_THAT(Nodes(graph),
              ElementsAre("w1 Placeholder", "w2 Placeholder", "bias/initial_value Const",
                          "bias VariableV2", "bias/Assign Assign bias,bias/initial_value",
                          "bias/read Identity bias", "Add AddV2 w1,w2",
                          "op_to_restore Mul Add,bias/read", "init NoOp ^bias/Assign"));
  EXPECT_EQ(b1.name(), "bias/read:0");
  EXPECT_EQ(b1.variable().def.variable_name(), "bias:0");
  EXPECT_EQ(b1.variable().def.initial_value_name(), "bias/initial_value:0");
  ASSERT_NE(graph.FindCollection("trainable_variables"), nullptr);

  TFCKPT_ASSERT_OK_AND_ASSIGN(auto session, Session::Create(&graph));
  TFCKPT_ASSERT_OK(session->Run({}, {}, {init.name()}).status());
  TFCKPT_ASSERT_OK_AND_ASSIGN(
      auto out, session->Run({{"w1:0", Tensor::Scalar(4.0f)}, {"w2:0", Tensor::Scalar(8.0f)}},
                             {w4.name()}, {}));
  EXPECT_EQ(ScalarValue(out[0]), 24.0f);
}

TEST(GraphBuilderTest, OperatorsNameConstantsAfterTheirOperand) {
  Graph graph;
  GraphBuilder tf(&graph);
  Output x = tf.Placeholder(DataType::kFloat, PartialShape({2}), "x");
  Output a = x * 2;
  Output b = 1.0 / x;
  Output c = x + x - x;
  Output d = -x;
  ASSERT_TRUE(tf.status().ok()) << tf.status();
  EXPECT_EQ(a.name(), "mul:0");
  EXPECT_EQ(b.name(), "truediv:0");
  EXPECT_EQ(c.name(), "sub:0");
  EXPECT_EQ(d.name(), "Neg:0");
  EXPECT_THAT(Nodes(graph), ::testing::Contains("mul/y Const"));
  EXPECT_THAT(Nodes(graph), ::testing::Contains("truediv/x Const"));
  EXPECT_EQ(a.dtype(), DataType::kFloat);
  EXPECT_EQ(c.shape(), PartialShape({2}));
}

TEST(GraphBuilderTest, NameScopesNestAndStayUnique) {
  Graph graph;
  GraphBuilder tf(&graph);
  Output x = tf.Placeholder(DataType::kFloat, PartialShape({2}), "x");
  {
    auto scope = tf.NameScope("layer1");
    EXPECT_EQ(tf.Add(x, 1.0).name(), "layer1/Add:0");
    EXPECT_EQ(tf.Add(x, 1.0).name(), "layer1/Add_1:0");
  }
  {
    auto scope = tf.NameScope("layer1");
    EXPECT_EQ(tf.Relu(x).name(), "layer1_1/Relu:0");
  }
  EXPECT_EQ(tf.Relu(x).name(), "Relu:0");
  EXPECT_TRUE(tf.status().ok()) << tf.status();
}

TEST(GraphBuilderTest, ShapeMismatchFailsWithTensorFlowsMessage) {
  Graph graph;
  GraphBuilder tf(&graph);
  Output a = tf.Zeros({2, 3});
  Output b = tf.Zeros({4, 5});
  Output product = tf.MatMul(a, b);
  EXPECT_FALSE(product.valid());
  EXPECT_EQ(tf.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tf.status().message(),
            "Dimensions must be equal, but are 3 and 4 for '{{node MatMul}} = "
            "MatMul[T=DT_FLOAT, grad_a=false, grad_b=false, transpose_a=false, "
            "transpose_b=false](zeros, zeros_1)' with input shapes: [2,3], [4,5].");
  // Sticky: later ops add nothing and keep the first error.
  const int nodes = graph.num_nodes();
  EXPECT_FALSE(tf.Relu(a).valid());
  EXPECT_EQ(graph.num_nodes(), nodes);
  EXPECT_THAT(std::string(tf.status().message()), HasSubstr("MatMul"));
}

TEST(GraphBuilderTest, DtypeMismatchFailsWithTensorFlowsMessage) {
  Graph graph;
  GraphBuilder tf(&graph);
  Output i = tf.Zeros({2}, DataType::kInt32);
  Output f = tf.Zeros({2});
  EXPECT_FALSE(tf.Add(i, f).valid());
  EXPECT_EQ(tf.status().message(),
            "Input 'y' of 'AddV2' Op has type float32 that does not match type int32 of "
            "argument 'x'.");
}

TEST(GraphBuilderTest, ReshapeAndReductionsInferShapes) {
  Graph graph;
  GraphBuilder tf(&graph);
  Output x = tf.Placeholder(DataType::kFloat, PartialShape({-1, 4}), "x");
  EXPECT_EQ(tf.Reshape(x, {-1, 2}).shape(), PartialShape({-1, 2}));
  EXPECT_EQ(tf.ReduceMean(x, {1}, true).shape(), PartialShape({-1, 1}));
  EXPECT_EQ(tf.ReduceSum(x).shape(), PartialShape::Scalar());
  EXPECT_EQ(tf.MatMul(x, tf.Zeros({4, 3})).shape(), PartialShape({-1, 3}));
  EXPECT_EQ(tf.Conv2D(tf.Zeros({1, 8, 8, 3}), tf.Zeros({3, 3, 3, 5}),
                      {.strides = {1, 2, 2, 1}, .padding = "SAME"})
                .shape(),
            PartialShape({1, 4, 4, 5}));
  ASSERT_TRUE(tf.status().ok()) << tf.status();
  tf.Reshape(tf.Zeros({2, 3}), {4, 2});
  EXPECT_THAT(std::string(tf.status().message()),
              HasSubstr("Cannot reshape a tensor with 6 elements to shape [4,2] (8 elements)"));
}

TEST(GraphBuilderTest, SplitsInferEachPartsShape) {
  Graph graph;
  GraphBuilder tf(&graph);
  Output x = tf.Placeholder(DataType::kFloat, PartialShape({-1, 6}), "x");
  const auto shapes = [](const std::vector<Output>& parts) {
    std::vector<PartialShape> out;
    for (const Output& part : parts) out.push_back(part.shape());
    return out;
  };
  tensorflow::AttrValue three;
  three.set_i(3);
  // The literal split_dim becomes an int32 Const, whatever x's dtype.
  EXPECT_THAT(shapes(tf.AddOp("Split", {1, x}, {{"num_split", three}})),
              ::testing::Each(PartialShape({-1, 2})));
  EXPECT_THAT(shapes(tf.AddOp("Split", {0, x}, {{"num_split", three}})),
              ::testing::Each(PartialShape({-1, 6})));
  EXPECT_THAT(shapes(tf.AddOp("SplitV", {x, tf.Constant(Input({1, -1, 2})), -1},
                              {{"num_split", three}})),
              ::testing::ElementsAre(PartialShape({-1, 1}), PartialShape({-1, 3}),
                                     PartialShape({-1, 2})));
  // A count below 1 or past 2^20: the node check's error, before shape
  // inference (which would divide by it or allocate that many shapes).
  for (const int64_t bad : {int64_t{0}, int64_t{-1}, int64_t{1} << 40}) {
    Graph other;
    GraphBuilder builder(&other);
    tensorflow::AttrValue count;
    count.set_i(bad);
    builder.AddOp("Split", {1, builder.Zeros({2, 6})}, {{"num_split", count}});
    EXPECT_THAT(builder.status(), testing::StatusIs(StatusCode::kInvalidArgument,
                                           HasSubstr("attr 'num_split'")))
        << bad;
  }
  // The axis only known when run: the rank still is.
  Output axis = tf.Placeholder(DataType::kInt32, PartialShape::Scalar(), "axis");
  EXPECT_THAT(shapes(tf.AddOp("Split", {axis, x}, {{"num_split", three}})),
              ::testing::Each(PartialShape({-1, -1})));
  EXPECT_TRUE(tf.status().ok()) << tf.status();
}

TEST(GraphBuilderTest, RandomSeedsFollowTensorFlowsRules) {
  auto seeds = [](const Output& out) {
    const Node* random = out.node()->data_inputs().empty()
                             ? out.node()
                             : out.builder()->graph()->FindNode(out.node()->name() + "/" +
                                                                "RandomStandardNormal");
    return std::make_pair(random->FindAttr("seed")->i(), random->FindAttr("seed2")->i());
  };
  Graph graph;
  GraphBuilder tf(&graph);
  EXPECT_EQ(seeds(tf.RandomNormal({2})), std::make_pair(int64_t{0}, int64_t{0}));
  EXPECT_EQ(seeds(tf.RandomNormal({2}, {.seed = 7})), std::make_pair(int64_t{87654321}, int64_t{7}));
  tf.SetRandomSeed(42);
  EXPECT_EQ(seeds(tf.RandomNormal({2})), std::make_pair(int64_t{42}, int64_t{0}));
  EXPECT_EQ(seeds(tf.RandomNormal({2})), std::make_pair(int64_t{42}, int64_t{1}));
  tf.SetRandomSeed(0);
  EXPECT_EQ(seeds(tf.RandomNormal({2}, {.seed = 0})),
            std::make_pair(int64_t{0}, int64_t{2147483647}));
  ASSERT_TRUE(tf.status().ok()) << tf.status();
}

TEST(GraphBuilderTest, LargeZerosBecomeFill) {
  Graph graph;
  GraphBuilder tf(&graph);
  Output big = tf.Zeros({40, 40});
  Output small = tf.Zeros({2});
  ASSERT_TRUE(tf.status().ok()) << tf.status();
  EXPECT_EQ(big.node()->op(), "Fill");
  EXPECT_EQ(big.shape(), PartialShape({40, 40}));
  EXPECT_EQ(small.node()->op(), "Const");
  EXPECT_EQ(small.node()->FindAttr("value")->tensor().float_val_size(), 1);
}

TEST(GraphBuilderTest, ResourceVariablesRunAndAssign) {
  Graph graph;
  GraphBuilder tf(&graph);
  GraphVariable v = tf.Variable(tf.Ones({3}), "v", {.use_resource = true});
  Output add = tf.AssignAdd(v, tf.Ones({3}));
  Operation init = tf.GlobalVariablesInitializer();
  ASSERT_TRUE(tf.status().ok()) << tf.status();
  EXPECT_EQ(v.op()->op(), "VarHandleOp");
  EXPECT_EQ(v.shape(), PartialShape({3}));
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto session, Session::Create(&graph));
  TFCKPT_ASSERT_OK(session->Run({}, {}, {init.name()}).status());
  TFCKPT_ASSERT_OK(session->Run({}, {}, {add.node()->name()}).status());
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto out, session->Run({}, {v.name()}, {}));
  EXPECT_THAT(out[0].flat<float>(), ElementsAre(2.0f, 2.0f, 2.0f));
}

TEST(GraphBuilderTest, LookUpsUseTensorFlowsErrors) {
  Graph graph;
  GraphBuilder tf(&graph);
  tf.Placeholder(DataType::kFloat, PartialShape::Unknown(), "w1");
  EXPECT_TRUE(tf.GetTensorByName("w1:0").valid());
  EXPECT_FALSE(tf.GetTensorByName("w3:0").valid());
  EXPECT_EQ(tf.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(std::string(tf.status().message()), HasSubstr("'w3', does not exist"));
}

}  // namespace
}  // namespace tfckpt
