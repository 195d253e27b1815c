#include "tfckpt/gradients.h"

#include <cmath>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/testing.h"
#include "tfckpt/optimizers.h"
#include "tfckpt/session.h"

namespace tfckpt {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::tfckpt::testing::StatusIs;

using BuildFn =
    std::function<Output(GraphBuilder&, const std::vector<Output>&)>;

struct InputSpec {
  std::vector<int64_t> shape;
  double low = -1.0;
  double high = 1.0;
  // The placeholder's shape; default: `shape`.
  std::optional<PartialShape> declared = std::nullopt;
};

// Deterministic values spread over [low, high], none within 0.05 of a
// multiple of `avoid` (the kinks of Relu and Relu6).
Tensor Values(const InputSpec& spec, int seed) {
  auto shape = TensorShape::Create(spec.shape);
  std::vector<double> values(static_cast<size_t>(shape->num_elements()));
  for (size_t k = 0; k < values.size(); ++k) {
    const double u =
        std::fmod(std::fabs(std::sin(static_cast<double>(k) * 12.9898 + seed) *
                            43758.5453),
                  1.0);
    double v = spec.low + (spec.high - spec.low) * u;
    if (std::fabs(v) < 0.05) v += 0.1;
    if (std::fabs(v - 6.0) < 0.05) v -= 0.1;
    values[k] = v;
  }
  auto tensor = Tensor::FromValues(*shape, std::span<const double>(values));
  return *std::move(tensor);
}

Tensor Copy(const Tensor& t) {
  auto copy = Tensor::FromBytes(t.dtype(), t.shape(), t.bytes());
  return *std::move(copy);
}

// Compares Gradients() of loss = sum(f(inputs) * weights) with central
// differences of the loss, element by element, in double precision.
void ExpectGradientsMatchFiniteDifferences(const BuildFn& build,
                                           const std::vector<InputSpec>& specs,
                                           double tolerance = 1e-6,
                                           double delta = 1e-6) {
  Graph graph;
  GraphBuilder tf(&graph);
  std::vector<Output> inputs;
  for (size_t i = 0; i < specs.size(); ++i) {
    inputs.push_back(
        tf.Placeholder(DataType::kDouble,
                       specs[i].declared.value_or(PartialShape(specs[i].shape)),
                       "x" + std::to_string(i)));
  }
  Output y = build(tf, inputs);
  ASSERT_TRUE(tf.status().ok()) << tf.status();
  Output loss;
  if (y.shape().fully_defined()) {
    // Weights make every element of y count differently.
    InputSpec weight_spec{y.shape().dims(), 0.5, 1.5};
    Output weights = tf.Constant(Values(weight_spec, 99));
    loss = tf.ReduceSum(tf.Multiply(y, weights));
  } else {
    loss = tf.ReduceSum(y);
  }
  std::vector<Output> grads = Gradients(tf, {loss}, inputs);
  ASSERT_TRUE(tf.status().ok()) << tf.status();
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::unique_ptr<Session> session,
                              Session::Create(&graph));

  std::vector<std::pair<std::string, Tensor>> feeds;
  for (size_t i = 0; i < specs.size(); ++i) {
    feeds.emplace_back(inputs[i].name(), Values(specs[i], static_cast<int>(i)));
  }
  std::vector<std::string> fetches;
  for (const Output& g : grads) {
    ASSERT_TRUE(g.valid());
    fetches.push_back(g.name());
  }
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::vector<Tensor> symbolic,
                              session->Run(feeds, fetches, {}));
  auto loss_at = [&](const std::vector<std::pair<std::string, Tensor>>& at) {
    auto out = session->Run(at, {loss.name()}, {});
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? (*out)[0].flat<double>()[0] : 0.0;
  };
  for (size_t i = 0; i < specs.size(); ++i) {
    ASSERT_EQ(symbolic[i].num_elements(), feeds[i].second.num_elements())
        << "input " << i;
    for (int64_t k = 0; k < feeds[i].second.num_elements(); ++k) {
      auto shifted = feeds;
      shifted[i].second = Copy(feeds[i].second);
      double& x =
          shifted[i].second.mutable_flat<double>()[static_cast<size_t>(k)];
      const double x0 = x;
      x = x0 + delta;
      const double up = loss_at(shifted);
      x = x0 - delta;
      const double down = loss_at(shifted);
      const double numeric = (up - down) / (2 * delta);
      const double analytic =
          symbolic[i].flat<double>()[static_cast<size_t>(k)];
      EXPECT_NEAR(analytic, numeric,
                  tolerance * std::max(1.0, std::fabs(numeric)))
          << "d loss / d x" << i << "[" << k << "]";
    }
  }
}

TEST(GradientsTest, BroadcastingArithmetic) {
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.Add(x[0], x[1]);
      },
      {{{2, 3}}, {{3}}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder&, const std::vector<Output>& x) { return x[0] + x[1]; },
      {{{2, 1}}, {{1, 3}}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder&, const std::vector<Output>& x) { return x[0] - x[1]; },
      {{{2, 3}}, {{2, 1}}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder&, const std::vector<Output>& x) { return x[0] - x[1]; },
      {{{2, 3}}, {{2, 3}}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder&, const std::vector<Output>& x) { return x[0] * x[1]; },
      {{{2, 3}}, {{3}}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder&, const std::vector<Output>& x) { return x[0] * x[1]; },
      {{{2, 3}}, {{2, 3}}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder&, const std::vector<Output>& x) { return x[0] / x[1]; },
      {{{2, 3}}, {{3}, 1.0, 2.0}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder&, const std::vector<Output>& x) { return x[0] / x[1]; },
      {{{2, 3}}, {{}, 1.0, 2.0}});
}

TEST(GradientsTest, BroadcastWithUnknownDimsUsesBroadcastGradientArgs) {
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder&, const std::vector<Output>& x) { return x[0] * x[1]; },
      {{{2, 3}, -1, 1, PartialShape({-1, 3})},
       {{1, 3}, -1, 1, PartialShape({-1, -1})}});
}

TEST(GradientsTest, UnaryMath) {
  const std::vector<
      std::pair<std::string, std::function<Output(GraphBuilder&, Output)>>>
      ops = {
          {"Neg", [](GraphBuilder& tf, Output x) { return tf.Negative(x); }},
          {"Square", [](GraphBuilder& tf, Output x) { return tf.Square(x); }},
          {"Exp", [](GraphBuilder& tf, Output x) { return tf.Exp(x); }},
          {"Relu", [](GraphBuilder& tf, Output x) { return tf.Relu(x); }},
          {"Sigmoid", [](GraphBuilder& tf, Output x) { return tf.Sigmoid(x); }},
          {"Tanh", [](GraphBuilder& tf, Output x) { return tf.Tanh(x); }},
          {"Identity",
           [](GraphBuilder& tf, Output x) { return tf.Identity(x); }},
          {"Softmax", [](GraphBuilder& tf, Output x) { return tf.Softmax(x); }},
      };
  for (const auto& [name, op] : ops) {
    SCOPED_TRACE(name);
    ExpectGradientsMatchFiniteDifferences(
        [&op = op](GraphBuilder& tf, const std::vector<Output>& x) {
          return op(tf, x[0]);
        },
        {{{2, 4}, -2.0, 2.0}});
  }
  for (const auto& [name, op] :
       std::vector<std::pair<std::string,
                             std::function<Output(GraphBuilder&, Output)>>>{
           {"Sqrt", [](GraphBuilder&tf, Output x) { return tf.Sqrt(x); }},
           {"Log", [](GraphBuilder&tf, Output x) { return tf.Log(x); }}}) {
    SCOPED_TRACE(name);
    ExpectGradientsMatchFiniteDifferences(
        [&op = op](GraphBuilder& tf, const std::vector<Output>& x) {
          return op(tf, x[0]);
        },
        {{{2, 3}, 0.5, 2.0}});
  }
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.Relu6(x[0]);
      },
      {{{3, 4}, -3.0, 9.0}});
}

TEST(GradientsTest, MatMulInEveryTransposition) {
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      SCOPED_TRACE(std::to_string(ta) + std::to_string(tb));
      const std::vector<int64_t> a =
          ta ? std::vector<int64_t>{3, 2} : std::vector<int64_t>{2, 3};
      const std::vector<int64_t> b =
          tb ? std::vector<int64_t>{4, 3} : std::vector<int64_t>{3, 4};
      ExpectGradientsMatchFiniteDifferences(
          [&](GraphBuilder& tf, const std::vector<Output>& x) {
            return tf.MatMul(x[0], x[1], ta, tb);
          },
          {{a}, {b}});
    }
  }
}

TEST(GradientsTest, NeuralNetworkOps) {
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.BiasAdd(x[0], x[1]);
      },
      {{{2, 3}}, {{3}}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        Output labels = tf.Softmax(x[1]);
        return tf.SoftmaxCrossEntropyWithLogits(labels, x[0]);
      },
      {{{2, 3}, -2.0, 2.0}, {{2, 3}}});
  ConvOptions valid;
  ConvOptions same{.strides = {1, 2, 2, 1}, .padding = "SAME"};
  for (const ConvOptions& options : {valid, same}) {
    SCOPED_TRACE(options.padding);
    ExpectGradientsMatchFiniteDifferences(
        [&](GraphBuilder& tf, const std::vector<Output>& x) {
          return tf.Conv2D(x[0], x[1], options);
        },
        {{{1, 4, 4, 2}}, {{2, 2, 2, 3}}});
    ExpectGradientsMatchFiniteDifferences(
        [&](GraphBuilder& tf, const std::vector<Output>& x) {
          return tf.MaxPool(x[0], {1, 2, 2, 1}, options);
        },
        {{{1, 4, 4, 2}}});
    ExpectGradientsMatchFiniteDifferences(
        [&](GraphBuilder& tf, const std::vector<Output>& x) {
          return tf.AvgPool(x[0], {1, 2, 2, 1}, options);
        },
        {{{1, 4, 4, 2}}});
  }
}

TEST(GradientsTest, ReductionsAndShapes) {
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.ReduceSum(x[0]);
      },
      {{{2, 3}}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.ReduceSum(x[0], {1});
      },
      {{{2, 3}}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.ReduceSum(x[0], {0}, /*keepdims=*/true);
      },
      {{{2, 3}}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.ReduceMean(x[0]);
      },
      {{{2, 3}}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.ReduceMean(x[0], {0});
      },
      {{{4, 3}}});
  // An unknown batch dim: Shape, Tile and a factor computed when run.
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.ReduceMean(x[0]);
      },
      {{{4, 3}, -1, 1, PartialShape({-1, 3})}});
  // Some axes of an unknown batch: the kept dims are computed when run.
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.ReduceSum(x[0], {1});
      },
      {{{4, 3}, -1, 1, PartialShape({-1, 3})}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.ReduceMean(x[0], {0}, /*keepdims=*/true);
      },
      {{{4, 3}, -1, 1, PartialShape({-1, 3})}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.Reshape(x[0], {3, 2});
      },
      {{{2, 3}}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.Concat({x[0], x[1]}, 1);
      },
      {{{2, 3}}, {{2, 2}}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.Cast(tf.Cast(x[0], DataType::kFloat), DataType::kDouble);
      },
      {{{2, 3}}}, 1e-4, /*delta=*/1e-2);
}

TEST(GradientsTest, L2Loss) {
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.L2Loss(x[0]);
      },
      {{{2, 3}}});
}

TEST(GradientsTest, ElementwiseBinaryWithSelectionAndPowers) {
  const std::vector<std::pair<
      std::string, std::function<Output(GraphBuilder&, Output, Output)>>>
      ops = {
          {"Maximum",
           [](GraphBuilder& tf, Output a, Output b) { return tf.Maximum(a, b); }},
          {"Minimum",
           [](GraphBuilder& tf, Output a, Output b) { return tf.Minimum(a, b); }},
          {"SquaredDifference",
           [](GraphBuilder& tf, Output a, Output b) {
             return tf.SquaredDifference(a, b);
           }},
      };
  for (const auto& [name, op] : ops) {
    SCOPED_TRACE(name);
    for (const std::vector<int64_t>& y_shape :
         {std::vector<int64_t>{2, 3}, std::vector<int64_t>{3}}) {
      ExpectGradientsMatchFiniteDifferences(
          [&op = op](GraphBuilder& tf, const std::vector<Output>& x) {
            return op(tf, x[0], x[1]);
          },
          {{{2, 3}}, {y_shape, -0.9, 0.9}});
    }
  }
  // x^y over positive x, and where x <= 0 (0 there for dy, no NaN).
  for (const std::vector<int64_t>& y_shape :
       {std::vector<int64_t>{2, 3}, std::vector<int64_t>{}}) {
    ExpectGradientsMatchFiniteDifferences(
        [](GraphBuilder& tf, const std::vector<Output>& x) {
          return tf.Pow(x[0], x[1]);
        },
        {{{2, 3}, 0.5, 2.0}, {y_shape, -1.5, 1.5}});
  }
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.Pow(x[0], 2.0);
      },
      {{{2, 3}, -2.0, 2.0}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.Abs(x[0]);
      },
      {{{2, 3}, -2.0, 2.0}});
}

TEST(GradientsTest, LogSoftmaxTransposeAndExpandDims) {
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.LogSoftmax(x[0]);
      },
      {{{2, 4}, -2.0, 2.0}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.Transpose(x[0], {2, 0, 1});
      },
      {{{2, 3, 4}}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        return tf.ExpandDims(x[0], -1);
      },
      {{{2, 3}}});
}

// The op's first output; invalid (and the builder's error kept) when AddOp
// failed.
Output FirstOf(const std::vector<Output>& outputs) {
  return outputs.empty() ? Output() : outputs[0];
}

// A 2x2 int32 Const (paddings, rank-2 indices).
Output Int32Matrix(GraphBuilder& tf, std::vector<int32_t> values) {
  auto tensor = Tensor::FromValues(TensorShape({2, 2}),
                                   std::span<const int32_t>(values));
  return tf.Constant(*tensor);
}

tensorflow::AttrValue IntAttr(int64_t value) {
  tensorflow::AttrValue attr;
  attr.set_i(value);
  return attr;
}

// A repeated index sums its rows' gradients into one row of params.
TEST(GradientsTest, GatherSumsTheGradientsOfRepeatedRows) {
  for (const char* op : {"Gather", "GatherV2"}) {
    SCOPED_TRACE(op);
    ExpectGradientsMatchFiniteDifferences(
        [&](GraphBuilder& tf, const std::vector<Output>& x) {
          std::vector<Input> inputs = {x[0], tf.Constant(Input({2, 0, 2}))};
          if (std::string(op) == "GatherV2") inputs.emplace_back(0);
          return FirstOf(tf.AddOp(op, inputs, {}));
        },
        {{{4, 3}}});
  }
  // Indices of rank 2.
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        Output indices = Int32Matrix(tf, {1, 1, 3, 0});
        return FirstOf(tf.AddOp("GatherV2", {x[0], indices, 0}, {}));
      },
      {{{4, 2}}});
}

// Past axis 0 the gathered axis is moved first, summed into and moved back;
// a negative axis counts from the end, indices may have any rank.
TEST(GradientsTest, GatherAlongAnInnerAxis) {
  for (const int axis : {1, 2, -1, -3}) {
    SCOPED_TRACE(axis);
    ExpectGradientsMatchFiniteDifferences(
        [&](GraphBuilder& tf, const std::vector<Output>& x) {
          Output indices = Int32Matrix(tf, {1, 1, 2, 0});
          Output gathered = FirstOf(tf.AddOp("GatherV2", {x[0], indices, axis}, {}));
          return tf.Multiply(gathered, gathered);
        },
        {{{3, 4, 3}}});
  }
}

TEST(GradientsTest, StridedSliceWritesTheGradientBackInPlace) {
  struct Case {
    Input begin, end, strides;
    int64_t begin_mask = 0, end_mask = 0, shrink_axis_mask = 0;
  };
  const std::vector<Case> cases = {
      {{1, 0}, {3, 0}, {1, 2}, 2, 2, 0},     // x[1:3, ::2]
      {{-1, 1}, {0, 2}, {-1, 1}, 1, 0, 2},  // x[::-1, 1]
      {{0}, {2}, {1}},                       // x[0:2]
  };
  for (const Case& c : cases) {
    ExpectGradientsMatchFiniteDifferences(
        [&](GraphBuilder& tf, const std::vector<Output>& x) {
          return FirstOf(tf.AddOp("StridedSlice",
                                  {x[0], tf.Constant(c.begin), tf.Constant(c.end),
                                   tf.Constant(c.strides)},
                          {{"begin_mask", IntAttr(c.begin_mask)},
                           {"end_mask", IntAttr(c.end_mask)},
                           {"shrink_axis_mask", IntAttr(c.shrink_axis_mask)}}));
        },
        {{{4, 5}}});
  }
}

TEST(GradientsTest, PadGradientIsTheMiddle) {
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        Output paddings = Int32Matrix(tf, {1, 0, 2, 1});
        return FirstOf(tf.AddOp("Pad", {x[0], paddings}, {}));
      },
      {{{2, 3}}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        Output paddings = Int32Matrix(tf, {0, 2, 1, 1});
        Output value = tf.Constant(Tensor::Scalar(3.0));
        return FirstOf(tf.AddOp("PadV2", {x[0], paddings, value}, {}));
      },
      {{{2, 3}}});
}

// An axis only known when run: ConcatOffset finds the offsets then.
TEST(GradientsTest, ConcatWithAxisComputedWhenRun) {
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        Output axis = tf.Add(tf.Constant(Input(-2)), tf.Constant(Input(1)));
        Output joined =
            FirstOf(tf.AddOp("ConcatV2", {x[0], x[1], x[2], axis}, {{"N", IntAttr(3)}}));
        return tf.Reshape(joined, {-1});
      },
      {{{2, 3}}, {{2, 1}}, {{2, 2}}});
}

// Past 16 inputs the gradient splits the incoming gradient (SplitV) by the
// inputs' sizes along the axis, here a negative one.
TEST(GradientsTest, ConcatOfSeventeenInputsSplits) {
  std::vector<InputSpec> specs;
  for (int64_t k = 0; k < 17; ++k) specs.push_back({{2, k % 3 + 1}});
  ExpectGradientsMatchFiniteDifferences(
      [](GraphBuilder& tf, const std::vector<Output>& x) {
        Output joined = tf.Concat(x, -1);
        return tf.Multiply(joined, joined);
      },
      specs);
}

// FusedBatchNorm is float-only: differences of a float computation, so a
// wide step and tolerance. Inference normalizes by the given statistics,
// training by the batch's (which depend on x too).
TEST(GradientsTest, FusedBatchNorm) {
  for (const char* op : {"FusedBatchNorm", "FusedBatchNormV3"}) {
    for (const bool is_training : {false, true}) {
      SCOPED_TRACE(std::string(op) + (is_training ? " training" : " inference"));
      ExpectGradientsMatchFiniteDifferences(
          [&](GraphBuilder& tf, const std::vector<Output>& x) {
            auto as_float = [&](const Output& t) {
              return tf.Cast(t, DataType::kFloat);
            };
            Output mean = tf.Constant(Input({1, 0}));
            Output variance = tf.Constant(Input({2, 1}));
            tensorflow::AttrValue training;
            training.set_b(is_training);
            Output y = FirstOf(tf.AddOp(op,
                                        {as_float(x[0]), as_float(x[1]), as_float(x[2]),
                                         tf.Cast(mean, DataType::kFloat),
                                         tf.Cast(variance, DataType::kFloat)},
                                        {{"is_training", training}}));
            return tf.Cast(y, DataType::kDouble);
          },
          {{{2, 2, 3, 2}}, {{2}, 0.5, 1.5}, {{2}}}, 2e-3, /*delta=*/1e-2);
    }
  }
}

TEST(GradientsTest, StopGradientBlocksAndPathsMeetInAddN) {
  Graph graph;
  GraphBuilder tf(&graph);
  GraphVariable w = tf.Variable(tf.Constant(Tensor::Scalar(3.0f)), "w");
  // loss = stop(w) * w + w: d/dw = stop(w) + 1 = 4.
  Output loss = tf.StopGradient(w) * w + w;
  std::vector<Output> grads = Gradients(tf, {loss}, {VariableRef(tf, w)});
  ASSERT_TRUE(tf.status().ok()) << tf.status();
  EXPECT_EQ(grads[0].node()->name(), "gradients/AddN");
  EXPECT_NE(graph.FindNode("gradients/grad_ys_0"), nullptr);
  EXPECT_EQ(graph.FindNode("gradients/grad_ys_0")->op(), "Fill");
  EXPECT_NE(graph.FindNode("gradients/mul_grad/Mul_1"), nullptr);
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto session, Session::Create(&graph));
  TFCKPT_ASSERT_OK(session->Run({}, {}, {w.initializer().name()}).status());
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto values,
                              session->Run({}, {grads[0].name()}, {}));
  EXPECT_EQ(values[0].flat<float>()[0], 4.0f);
}

TEST(GradientsTest, UnconnectedAndUndifferentiable) {
  Graph graph;
  GraphBuilder tf(&graph);
  Output x = tf.Placeholder(DataType::kFloat, PartialShape({2}), "x");
  Output z = tf.Placeholder(DataType::kFloat, PartialShape({2}), "z");
  std::vector<Output> grads = Gradients(tf, {tf.ReduceSum(x * 2.0)}, {x, z});
  ASSERT_TRUE(tf.status().ok()) << tf.status();
  EXPECT_TRUE(grads[0].valid());
  EXPECT_FALSE(grads[1].valid());
  Gradients(tf, {tf.ReduceSum(FirstOf(tf.AddOp("Softplus", {x}, {}, "soft")))},
            {x});
  EXPECT_THAT(tf.status(), StatusIs(StatusCode::kUnimplemented,
                                    HasSubstr("'soft' (op type: Softplus)")));
}

std::vector<std::string> VariableNames(const Graph& graph,
                                       const std::string& key) {
  std::vector<std::string> names;
  auto variables = graph.GetVariables(key);
  if (variables.ok()) {
    for (const Variable& v : *variables) names.push_back(v.name());
  }
  return names;
}

TEST(OptimizersTest, GradientDescentStepsAndCountsGlobalStep) {
  Graph graph;
  GraphBuilder tf(&graph);
  GraphVariable w = tf.Variable(tf.Constant(Tensor::Scalar(3.0f)), "w");
  Output loss = tf.Square(w);
  GraphVariable step = CreateGlobalStep(tf);
  GradientDescentOptimizer sgd(0.25);
  Operation train = sgd.Minimize(tf, loss, {}, &step);
  Operation init = tf.GlobalVariablesInitializer();
  ASSERT_TRUE(tf.status().ok()) << tf.status();
  EXPECT_EQ(train.name(), "GradientDescent");
  EXPECT_EQ(
      graph.FindNode("GradientDescent/update_w/ApplyGradientDescent")->op(),
      "ApplyGradientDescent");
  EXPECT_NE(graph.FindNode("gradients/Square_grad/Mul_1"), nullptr);
  EXPECT_EQ(VariableNames(graph, "global_step"),
            std::vector<std::string>{"global_step"});
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto session, Session::Create(&graph));
  TFCKPT_ASSERT_OK(session->Run({}, {}, {init.name()}).status());
  TFCKPT_ASSERT_OK(session->Run({}, {}, {train.name()}).status());
  TFCKPT_ASSERT_OK(session->Run({}, {}, {train.name()}).status());
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto values,
                              session->Run({}, {w.name(), step.name()}, {}));
  // w -= 0.25 * 2w halves w each step.
  EXPECT_EQ(values[0].flat<float>()[0], 0.75f);
  EXPECT_EQ(values[1].flat<int64_t>()[0], 2);
}

TEST(OptimizersTest, SlotsHaveTensorFlowNames) {
  Graph graph;
  GraphBuilder tf(&graph);
  GraphVariable w = tf.Variable(tf.Ones({2, 2}), "w");
  GraphVariable b = tf.Variable(tf.Zeros({2}), "b");
  Output loss = tf.ReduceSum(tf.Square(tf.BiasAdd(w, b)));
  AdamOptimizer adam(0.1);
  Operation train = adam.Minimize(tf, loss);
  MomentumOptimizer momentum(0.1, 0.9);
  Operation train2 = momentum.Minimize(tf, loss, {w});
  ASSERT_TRUE(tf.status().ok()) << tf.status();
  EXPECT_EQ(train.name(), "Adam");
  EXPECT_EQ(train2.name(), "Momentum");
  EXPECT_EQ(VariableNames(graph, "variables"),
            (std::vector<std::string>{"w", "b", "beta1_power", "beta2_power",
                                      "w/Adam", "w/Adam_1", "b/Adam",
                                      "b/Adam_1", "w/Momentum"}));
  EXPECT_EQ(VariableNames(graph, "trainable_variables"),
            (std::vector<std::string>{"w", "b"}));
  EXPECT_EQ(adam.GetSlot(w, "v").variable().name(), "w/Adam_1");
  EXPECT_EQ(graph.FindNode("w/Adam/Initializer/zeros")->op(), "Const");
  EXPECT_EQ(graph.FindNode("Adam/update_b/ApplyAdam")->op(), "ApplyAdam");

  Operation init = tf.GlobalVariablesInitializer();
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto session, Session::Create(&graph));
  TFCKPT_ASSERT_OK(session->Run({}, {}, {init.name()}).status());
  TFCKPT_ASSERT_OK(session->Run({}, {}, {train.name()}).status());
  TFCKPT_ASSERT_OK_AND_ASSIGN(
      auto values, session->Run({}, {"beta1_power:0", "w:0", "b/Adam:0"}, {}));
  EXPECT_FLOAT_EQ(values[0].flat<float>()[0], 0.81f);
  // Adam's first step moves every element by about the learning rate.
  EXPECT_NEAR(values[1].flat<float>()[0], 0.9f, 1e-5);
  EXPECT_THAT(std::vector<float>(values[2].flat<float>().begin(),
                                 values[2].flat<float>().end()),
              Not(Contains(0.0f)));
}

TEST(OptimizersTest, ResourceVariablesGetResourceSlotsAndUpdates) {
  Graph graph;
  GraphBuilder tf(&graph);
  GraphVariable w = tf.Variable(tf.Ones({2}), "w", {.use_resource = true});
  Output loss = tf.ReduceSum(tf.Square(w));
  std::vector<Output> grads = Gradients(tf, {loss}, {VariableRef(tf, w)});
  AdamOptimizer adam;
  Operation train = adam.Minimize(tf, loss);
  ASSERT_TRUE(tf.status().ok()) << tf.status();
  // ReadVariableOp passes the gradient to the handle.
  EXPECT_TRUE(grads[0].valid());
  EXPECT_EQ(graph.FindNode("w/Adam")->op(), "VarHandleOp");
  EXPECT_EQ(graph.FindNode("beta1_power")->op(), "VarHandleOp");
  EXPECT_EQ(graph.FindNode("Adam/update_w/ResourceApplyAdam")->op(),
            "ResourceApplyAdam");
  EXPECT_EQ(train.name(), "Adam");
}

}  // namespace
}  // namespace tfckpt
