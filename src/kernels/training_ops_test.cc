// Gradient and optimizer kernels through a Session: each backprop kernel is
// the transpose of its forward op (<dy, f(x)> == <f^T(dy), x>), TF's
// reduction axes for BroadcastGradientArgs, and optimizer steps against
// their formulas. tests/interop_runtime/test_training_kernels.py checks the
// same kernels against TensorFlow.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <map>
#include <random>
#include <span>

#include "src/runtime/op_kernel.h"
#include "tests/testing/testing.h"
#include "tfckpt/graph.h"
#include "tfckpt/session.h"

namespace tfckpt {
namespace {

using testing::StatusIs;

// Builds a GraphDef node by node and runs it in a fresh Session.
class GraphRunner {
 public:
  void Const(const std::string& name, const Tensor& t) {
    tensorflow::AttrValue dtype, value;
    dtype.set_type(static_cast<tensorflow::DataType>(t.dtype()));
    internal::TensorToProto(t, value.mutable_tensor());
    Op(name, "Const", {}, {{"dtype", dtype}, {"value", value}});
  }
  void Op(const std::string& name, const std::string& op,
          const std::vector<std::string>& inputs,
          const std::map<std::string, tensorflow::AttrValue>& attrs) {
    tensorflow::NodeDef* node = def_.add_node();
    node->set_name(name);
    node->set_op(op);
    for (const auto& input : inputs) node->add_input(input);
    for (const auto& [key, value] : attrs) (*node->mutable_attr())[key] = value;
  }
  StatusOr<std::vector<Tensor>> Run(const std::vector<std::string>& fetches,
                                    const std::vector<std::string>& targets = {}) {
    if (session_ == nullptr) {
      TFCKPT_ASSIGN_OR_RETURN(graph_, Graph::FromGraphDef(def_));
      TFCKPT_ASSIGN_OR_RETURN(session_, Session::Create(graph_.get()));
    }
    return session_->Run({}, fetches, targets);
  }

 private:
  tensorflow::GraphDef def_;
  std::unique_ptr<Graph> graph_;
  std::unique_ptr<Session> session_;
};

tensorflow::AttrValue TypeAttr(DataType t) {
  tensorflow::AttrValue v;
  v.set_type(static_cast<tensorflow::DataType>(t));
  return v;
}
tensorflow::AttrValue IntsAttr(const std::vector<int64_t>& values) {
  tensorflow::AttrValue v;
  for (int64_t i : values) v.mutable_list()->add_i(i);
  return v;
}
tensorflow::AttrValue StringAttr(const std::string& s) {
  tensorflow::AttrValue v;
  v.set_s(s);
  return v;
}

Tensor Random(const TensorShape& shape, std::mt19937* rng) {
  Tensor t = *Tensor::Allocate(DataType::kFloat, shape);
  std::normal_distribution<float> dist;
  for (float& v : t.mutable_flat<float>()) v = dist(*rng);
  return t;
}
Tensor Ints(std::vector<int32_t> v) {
  return *Tensor::FromValues<int32_t>(TensorShape{static_cast<int64_t>(v.size())},
                                      std::span<const int32_t>(v));
}
Tensor Scalar(float v) {
  return *Tensor::FromValues<float>(TensorShape{}, std::span<const float>(&v, 1));
}

double Dot(const Tensor& a, const Tensor& b) {
  double sum = 0;
  for (size_t i = 0; i < a.flat<float>().size(); ++i) {
    sum += static_cast<double>(a.flat<float>()[i]) * b.flat<float>()[i];
  }
  return sum;
}

TEST(TrainingKernelsTest, ConvBackpropIsTransposeOfConv2D) {
  const uint32_t seed = testing::RandomSeed();
  SCOPED_TRACE(seed);
  std::mt19937 rng(seed);
  for (const std::string padding : {"SAME", "VALID"}) {
    GraphRunner g;
    const Tensor x = Random({2, 6, 5, 3}, &rng);
    const Tensor f = Random({3, 2, 3, 4}, &rng);
    const TensorShape dy_shape =
        padding == "SAME" ? TensorShape{2, 3, 3, 4} : TensorShape{2, 2, 2, 4};
    const Tensor dy = Random(dy_shape, &rng);
    g.Const("x", x);
    g.Const("f", f);
    g.Const("dy", dy);
    g.Const("x_sizes", Ints({2, 6, 5, 3}));
    g.Const("f_sizes", Ints({3, 2, 3, 4}));
    const std::map<std::string, tensorflow::AttrValue> attrs = {
        {"T", TypeAttr(DataType::kFloat)},
        {"strides", IntsAttr({1, 2, 2, 1})},
        {"padding", StringAttr(padding)}};
    g.Op("y", "Conv2D", {"x", "f"}, attrs);
    g.Op("dx", "Conv2DBackpropInput", {"x_sizes", "f", "dy"}, attrs);
    g.Op("df", "Conv2DBackpropFilter", {"x", "f_sizes", "dy"}, attrs);
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto out, g.Run({"y:0", "dx:0", "df:0"}));
    const double forward = Dot(dy, out[0]);
    EXPECT_NEAR(Dot(out[1], x), forward, 1e-4 * std::abs(forward)) << padding;
    EXPECT_NEAR(Dot(out[2], f), forward, 1e-4 * std::abs(forward)) << padding;
  }
}

TEST(TrainingKernelsTest, AvgPoolGradIsTransposeOfAvgPool) {
  std::mt19937 rng(testing::RandomSeed());
  GraphRunner g;
  const Tensor x = Random({1, 5, 7, 2}, &rng);
  const Tensor dy = Random({1, 2, 3, 2}, &rng);
  g.Const("x", x);
  g.Const("dy", dy);
  g.Const("x_shape", Ints({1, 5, 7, 2}));
  const std::map<std::string, tensorflow::AttrValue> attrs = {
      {"T", TypeAttr(DataType::kFloat)},
      {"ksize", IntsAttr({1, 3, 3, 1})},
      {"strides", IntsAttr({1, 2, 2, 1})},
      {"padding", StringAttr("VALID")}};
  g.Op("y", "AvgPool", {"x"}, attrs);
  g.Op("dx", "AvgPoolGrad", {"x_shape", "dy"}, attrs);
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto out, g.Run({"y:0", "dx:0"}));
  const double forward = Dot(dy, out[0]);
  EXPECT_NEAR(Dot(out[1], x), forward, 1e-4 * std::abs(forward));
}

TEST(TrainingKernelsTest, BroadcastGradientArgsGivesTfReductionAxes) {
  struct Case {
    std::vector<int32_t> s0, s1, r0, r1;
  };
  const Case cases[] = {
      {{2, 1, 3}, {1}, {1}, {0, 1, 2}},  // an axis of 1 in both goes to both
      {{4, 1}, {1, 5}, {1}, {0}},
      {{5, 1, 1}, {5, 1, 1}, {}, {}},  // equal shapes: nothing to reduce
      {{}, {1}, {0}, {0}},
  };
  for (const Case& c : cases) {
    GraphRunner g;
    g.Const("s0", Ints(c.s0));
    g.Const("s1", Ints(c.s1));
    g.Op("args", "BroadcastGradientArgs", {"s0", "s1"}, {{"T", TypeAttr(DataType::kInt32)}});
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto out, g.Run({"args:0", "args:1"}));
    const auto r0 = out[0].flat<int32_t>();
    const auto r1 = out[1].flat<int32_t>();
    EXPECT_EQ(std::vector<int32_t>(r0.begin(), r0.end()), c.r0);
    EXPECT_EQ(std::vector<int32_t>(r1.begin(), r1.end()), c.r1);
  }
  GraphRunner bad;
  bad.Const("s0", Ints({2, 3}));
  bad.Const("s1", Ints({4}));
  bad.Op("args", "BroadcastGradientArgs", {"s0", "s1"}, {{"T", TypeAttr(DataType::kInt32)}});
  EXPECT_THAT(bad.Run({"args:0"}), StatusIs(StatusCode::kInvalidArgument));
}

// A scalar resource variable `name` holding `value` after "init_<name>".
void ResourceVariable(GraphRunner* g, const std::string& name, const Tensor& value) {
  tensorflow::AttrValue shape;
  shape.mutable_shape();
  g->Op(name, "VarHandleOp", {}, {{"dtype", TypeAttr(value.dtype())}, {"shape", shape}});
  g->Const(name + "_value", value);
  g->Op("init_" + name, "AssignVariableOp", {name, name + "_value"},
        {{"dtype", TypeAttr(value.dtype())}});
}

TEST(TrainingKernelsTest, ResourceApplyMomentumAndAdamFollowTheirFormulas) {
  GraphRunner g;
  for (const char* name : {"w", "accum", "u", "m", "v"}) ResourceVariable(&g, name, Scalar(0.5f));
  g.Const("lr", Scalar(0.1f));
  g.Const("grad", Scalar(2.0f));
  g.Const("momentum", Scalar(0.9f));
  g.Const("b1p", Scalar(0.81f));
  g.Const("b2p", Scalar(0.998f));
  g.Const("b1", Scalar(0.9f));
  g.Const("b2", Scalar(0.999f));
  g.Const("eps", Scalar(1e-7f));
  const std::map<std::string, tensorflow::AttrValue> t = {{"T", TypeAttr(DataType::kFloat)}};
  g.Op("momentum_step", "ResourceApplyMomentum", {"w", "accum", "lr", "grad", "momentum"}, t);
  g.Op("adam_step", "ResourceApplyAdam",
       {"u", "m", "v", "b1p", "b2p", "lr", "b1", "b2", "eps", "grad"}, t);
  for (const char* name : {"w", "accum", "u", "m", "v"}) {
    g.Op(std::string("read_") + name, "ReadVariableOp", {name},
         {{"dtype", TypeAttr(DataType::kFloat)}});
  }
  TFCKPT_ASSERT_OK(
      g.Run({}, {"init_w", "init_accum", "init_u", "init_m", "init_v"}).status());
  TFCKPT_ASSERT_OK(g.Run({}, {"momentum_step", "adam_step"}).status());
  TFCKPT_ASSERT_OK_AND_ASSIGN(
      auto out, g.Run({"read_w:0", "read_accum:0", "read_u:0", "read_m:0", "read_v:0"}));
  // accum = 0.5 * 0.9 + 2; w = 0.5 - 0.1 * accum.
  EXPECT_FLOAT_EQ(out[1].flat<float>()[0], 2.45f);
  EXPECT_FLOAT_EQ(out[0].flat<float>()[0], 0.255f);
  // m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
  // u -= lr sqrt(1 - b2p) / (1 - b1p) * m / (sqrt(v) + eps).
  const double m = 0.5 + (2 - 0.5) * 0.1;
  const double v = 0.5 + (4 - 0.5) * 0.001;
  const double u = 0.5 - 0.1 * std::sqrt(1 - 0.998) / (1 - 0.81) * m / (std::sqrt(v) + 1e-7);
  EXPECT_NEAR(out[3].flat<float>()[0], m, 1e-6);
  EXPECT_NEAR(out[4].flat<float>()[0], v, 1e-6);
  EXPECT_NEAR(out[2].flat<float>()[0], u, 1e-6);
}

TEST(TrainingKernelsTest, ApplyOnUninitializedVariableFails) {
  GraphRunner g;
  tensorflow::AttrValue shape;
  shape.mutable_shape();
  g.Op("w", "VariableV2", {}, {{"dtype", TypeAttr(DataType::kFloat)}, {"shape", shape}});
  g.Const("lr", Scalar(0.1f));
  g.Const("grad", Scalar(1.0f));
  g.Op("step", "ApplyGradientDescent", {"w", "lr", "grad"},
       {{"T", TypeAttr(DataType::kFloat)}});
  EXPECT_THAT(g.Run({}, {"step"}), StatusIs(StatusCode::kFailedPrecondition));
}

// A scalar of `dtype` holding `v` (rounded to nearest for half/bfloat16).
Tensor ScalarOf(DataType dtype, double v) {
  auto make = [](auto value) {
    return *Tensor::FromValues(TensorShape{}, std::span<const decltype(value)>(&value, 1));
  };
  const auto f = static_cast<float>(v);
  switch (dtype) {
    case DataType::kHalf: return make(FloatToHalf(f));
    case DataType::kBFloat16: return make(FloatToBFloat16(f));
    case DataType::kComplex64: return make(std::complex<float>(f, 0.0f));
    case DataType::kComplex128: return make(std::complex<double>(v, 0.0));
    case DataType::kFloat: return make(f);
    default: return make(v);
  }
}

// The real and imaginary parts of a scalar of any optimizer dtype.
std::complex<double> ValueOf(const Tensor& t) {
  switch (t.dtype()) {
    case DataType::kHalf: return HalfToFloat(t.flat<Half>()[0]);
    case DataType::kBFloat16: return BFloat16ToFloat(t.flat<BFloat16>()[0]);
    case DataType::kComplex64: return t.flat<std::complex<float>>()[0];
    case DataType::kComplex128: return t.flat<std::complex<double>>()[0];
    case DataType::kFloat: return t.flat<float>()[0];
    default: return t.flat<double>()[0];
  }
}

// One optimizer step: its inputs in order, each a resource variable or a
// scalar Const with its starting value.
struct OptimizerStep {
  std::string op;
  std::vector<std::pair<bool, double>> inputs;  // (is a variable, value)
};

// The variables' values after one step in `dtype`.
StatusOr<std::vector<Tensor>> RunStep(const OptimizerStep& step, DataType dtype) {
  GraphRunner g;
  std::vector<std::string> inputs, inits, reads;
  for (size_t i = 0; i < step.inputs.size(); ++i) {
    const auto [is_variable, value] = step.inputs[i];
    const std::string name = "in" + std::to_string(i);
    inputs.push_back(name);
    if (!is_variable) {
      g.Const(name, ScalarOf(dtype, value));
      continue;
    }
    ResourceVariable(&g, name, ScalarOf(dtype, value));
    inits.push_back("init_" + name);
    g.Op("read_" + name, "ReadVariableOp", {name}, {{"dtype", TypeAttr(dtype)}});
    reads.push_back("read_" + name + ":0");
  }
  g.Op("step", step.op, inputs, {{"T", TypeAttr(dtype)}});
  TFCKPT_RETURN_IF_ERROR(g.Run({}, inits).status());
  TFCKPT_RETURN_IF_ERROR(g.Run({}, {"step"}).status());
  return g.Run(reads);
}

// Every optimizer runs in TF's CPU dtypes and agrees with its double step
// to the dtype's precision (half and bfloat16 round after each operation;
// complex values with a zero imaginary part stay real).
TEST(TrainingKernelsTest, OptimizersRunInEveryTfCpuDtype) {
  const std::vector<OptimizerStep> steps = {
      {"ResourceApplyGradientDescent", {{true, 1.0}, {false, 0.1}, {false, 1.0}}},
      {"ResourceApplyMomentum",
       {{true, 0.5}, {true, 0.5}, {false, 0.1}, {false, 2.0}, {false, 0.9}}},
      {"ResourceApplyAdam",
       {{true, 0.5}, {true, 0.5}, {true, 0.5}, {false, 0.81}, {false, 0.998},
        {false, 0.1}, {false, 0.9}, {false, 0.999}, {false, 1e-3}, {false, 2.0}}},
      {"ResourceApplyRMSProp",
       {{true, 0.5}, {true, 0.5}, {true, 0.5}, {false, 0.1}, {false, 0.9},
        {false, 0.9}, {false, 1e-3}, {false, 2.0}}},
      {"ResourceApplyAdagrad", {{true, 0.5}, {true, 0.5}, {false, 0.1}, {false, 2.0}}},
  };
  const std::vector<std::pair<DataType, double>> dtypes = {
      {DataType::kHalf, 5e-3},       {DataType::kBFloat16, 4e-2},
      {DataType::kFloat, 1e-6},      {DataType::kComplex64, 1e-6},
      {DataType::kComplex128, 1e-12}};
  for (const OptimizerStep& step : steps) {
    SCOPED_TRACE(step.op);
    TFCKPT_ASSERT_OK_AND_ASSIGN(std::vector<Tensor> exact, RunStep(step, DataType::kDouble));
    for (const auto& [dtype, tolerance] : dtypes) {
      SCOPED_TRACE(std::string(DataTypeName(dtype)));
      TFCKPT_ASSERT_OK_AND_ASSIGN(std::vector<Tensor> values, RunStep(step, dtype));
      ASSERT_EQ(values.size(), exact.size());
      for (size_t i = 0; i < values.size(); ++i) {
        const std::complex<double> want = ValueOf(exact[i]);
        const std::complex<double> got = ValueOf(values[i]);
        EXPECT_EQ(values[i].dtype(), dtype);
        EXPECT_NEAR(got.real(), want.real(), tolerance * std::max(1.0, std::abs(want)))
            << "variable " << i;
        EXPECT_EQ(got.imag(), 0.0) << "variable " << i;
      }
    }
  }
  // 1 - 0.1 * 1 in half: alpha is 0.0999755859375 in half, and the
  // difference 0.9000244140625 rounds to the half 0.89990234375.
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::vector<Tensor> half, RunStep(steps[0], DataType::kHalf));
  EXPECT_EQ(HalfToFloat(half[0].flat<Half>()[0]), 0.89990234375f);
}

}  // namespace
}  // namespace tfckpt
