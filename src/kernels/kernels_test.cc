// CPU kernels run through a Session on small graphs, checked against the
// reference implementations (src/kernels/reference.h) and known answers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <span>
#include <tuple>

#include "src/kernels/reference.h"
#include "src/runtime/op_kernel.h"
#include "tests/testing/testing.h"
#include "tfckpt/session.h"

namespace tfckpt {
namespace {

using testing::StatusIs;

class KernelTest : public ::testing::Test {
 protected:
  // Adds Const `name` holding `t`.
  void Const(const std::string& name, const Tensor& t) {
    tensorflow::NodeDef node;
    node.set_name(name);
    node.set_op("Const");
    (*node.mutable_attr())["dtype"].set_type(
        static_cast<tensorflow::DataType>(t.dtype()));
    internal::TensorToProto(t, (*node.mutable_attr())["value"].mutable_tensor());
    ASSERT_TRUE(graph_->AddNode(node).ok());
  }
  // Adds `op` over the named inputs with attr T (and `extra` attrs).
  void Op(const std::string& name, const std::string& op,
          const std::vector<std::string>& inputs, DataType t,
          const std::map<std::string, tensorflow::AttrValue>& extra = {}) {
    tensorflow::NodeDef node;
    node.set_name(name);
    node.set_op(op);
    for (const auto& in : inputs) node.add_input(in);
    (*node.mutable_attr())["T"].set_type(static_cast<tensorflow::DataType>(t));
    for (const auto& [k, v] : extra) (*node.mutable_attr())[k] = v;
    auto added = graph_->AddNode(node);
    ASSERT_TRUE(added.ok()) << added.status();
  }
  StatusOr<Tensor> Fetch(const std::string& name) {
    TFCKPT_ASSIGN_OR_RETURN(auto session, Session::Create(graph_.get()));
    TFCKPT_ASSIGN_OR_RETURN(auto out, session->Run({}, {name}, {}));
    return out[0];
  }
  static Tensor Random(const TensorShape& shape, std::mt19937* rng) {
    Tensor t = *Tensor::Allocate(DataType::kFloat, shape);
    std::normal_distribution<float> dist;
    for (float& v : t.mutable_flat<float>()) v = dist(*rng);
    return t;
  }
  static Tensor Ints(const TensorShape& shape, std::vector<int32_t> v) {
    return *Tensor::FromValues<int32_t>(shape, std::span<const int32_t>(v));
  }
  std::unique_ptr<Graph> graph_ = std::make_unique<Graph>();
};

// fuzz/crashes/graph_exec_fuzzer/const-value-dtype-mismatch: a Const whose
// value disagrees with its dtype attr must not run (consumers would read
// int32 elements as int64).
TEST_F(KernelTest, ConstValueOfAnotherDtypeIsRejected) {
  tensorflow::NodeDef node;
  node.set_name("c");
  node.set_op("Const");
  (*node.mutable_attr())["dtype"].set_type(tensorflow::DT_INT64);
  internal::TensorToProto(Ints({2}, {1, 2}), (*node.mutable_attr())["value"].mutable_tensor());
  ASSERT_TRUE(graph_->AddNode(node).ok());
  EXPECT_THAT(Fetch("c:0"), StatusIs(StatusCode::kInvalidArgument,
                                     ::testing::HasSubstr("value has dtype int32")));
}

TEST_F(KernelTest, MatMulMatchesReference) {
  std::mt19937 rng(testing::RandomSeed());
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      graph_ = std::make_unique<Graph>();
      Tensor a = Random(ta ? TensorShape{7, 5} : TensorShape{5, 7}, &rng);
      Tensor b = Random(tb ? TensorShape{3, 7} : TensorShape{7, 3}, &rng);
      Const("a", a);
      Const("b", b);
      tensorflow::AttrValue vta, vtb;
      vta.set_b(ta);
      vtb.set_b(tb);
      Op("m", "MatMul", {"a", "b"}, DataType::kFloat,
         {{"transpose_a", vta}, {"transpose_b", vtb}});
      auto out = Fetch("m:0");
      ASSERT_TRUE(out.ok()) << out.status();
      std::vector<float> expected(15);
      internal::reference::MatMul(a.flat<float>().data(), b.flat<float>().data(),
                                  expected.data(), 5, 7, 3, ta, tb);
      for (size_t i = 0; i < 15; ++i) {
        EXPECT_NEAR(out->flat<float>()[i], expected[i], 1e-5f);
      }
    }
  }
}

TEST_F(KernelTest, AddBroadcastsLikeNumpy) {
  Const("a", *Tensor::FromValues<float>(TensorShape{2, 1},
                                        std::span<const float>(std::vector<float>{1, 2})));
  Const("b", *Tensor::FromValues<float>(TensorShape{3},
                                        std::span<const float>(std::vector<float>{10, 20, 30})));
  Op("s", "AddV2", {"a", "b"}, DataType::kFloat);
  auto out = Fetch("s:0");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->shape(), (TensorShape{2, 3}));
  EXPECT_THAT(std::vector<float>(out->flat<float>().begin(), out->flat<float>().end()),
              ::testing::ElementsAre(11, 21, 31, 12, 22, 32));
}

TEST_F(KernelTest, IncompatibleShapesNameTheNode) {
  Const("a", Ints(TensorShape{2}, {1, 2}));
  Const("b", Ints(TensorShape{3}, {1, 2, 3}));
  Op("s", "Mul", {"a", "b"}, DataType::kInt32);
  EXPECT_THAT(Fetch("s:0").status(),
              StatusIs(StatusCode::kInvalidArgument,
                       ::testing::AllOf(::testing::HasSubstr("Incompatible shapes: [2] vs. [3]"),
                                        ::testing::HasSubstr("{{node s}}"))));
}

TEST_F(KernelTest, FloorDivAndModFollowPython) {
  Const("a", Ints(TensorShape{4}, {7, -7, 7, -7}));
  Const("b", Ints(TensorShape{4}, {2, 2, -2, -2}));
  Op("d", "FloorDiv", {"a", "b"}, DataType::kInt32);
  Op("m", "FloorMod", {"a", "b"}, DataType::kInt32);
  auto d = Fetch("d:0");
  auto m = Fetch("m:0");
  ASSERT_TRUE(d.ok() && m.ok());
  EXPECT_THAT(std::vector<int32_t>(d->flat<int32_t>().begin(), d->flat<int32_t>().end()),
              ::testing::ElementsAre(3, -4, -4, 3));
  EXPECT_THAT(std::vector<int32_t>(m->flat<int32_t>().begin(), m->flat<int32_t>().end()),
              ::testing::ElementsAre(1, 1, -1, -1));
}

TEST_F(KernelTest, HugeFillFailsCleanly) {
  Const("dims", Ints(TensorShape{3}, {1 << 20, 1 << 20, 1 << 20}));
  Const("v", *Tensor::FromValues<float>(TensorShape{}, std::span<const float>(std::vector<float>{1})));
  tensorflow::NodeDef node;
  node.set_name("f");
  node.set_op("Fill");
  node.add_input("dims");
  node.add_input("v");
  (*node.mutable_attr())["T"].set_type(tensorflow::DT_FLOAT);
  (*node.mutable_attr())["index_type"].set_type(tensorflow::DT_INT32);
  ASSERT_TRUE(graph_->AddNode(node).ok());
  EXPECT_THAT(Fetch("f:0").status(), StatusIs(StatusCode::kResourceExhausted));
}

TEST_F(KernelTest, Conv2DSameKnownAnswer) {
  // 1x3x3x1 ones convolved with a 2x2 ones filter, SAME, stride 1: each
  // output counts the in-bounds window (pad after only).
  std::vector<float> ones(9, 1.0f);
  Const("x", *Tensor::FromValues<float>(TensorShape{1, 3, 3, 1}, std::span<const float>(ones)));
  Const("k", *Tensor::FromValues<float>(TensorShape{2, 2, 1, 1},
                                        std::span<const float>(std::vector<float>(4, 1.0f))));
  tensorflow::AttrValue strides, padding;
  for (int i = 0; i < 4; ++i) strides.mutable_list()->add_i(1);
  padding.set_s("SAME");
  Op("c", "Conv2D", {"x", "k"}, DataType::kFloat, {{"strides", strides}, {"padding", padding}});
  auto out = Fetch("c:0");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(std::vector<float>(out->flat<float>().begin(), out->flat<float>().end()),
              ::testing::ElementsAre(4, 4, 2, 4, 4, 2, 2, 2, 1));
}

TEST_F(KernelTest, StridedSliceReversesAndShrinks) {
  // x = [[0,1,2],[3,4,5]]; x[-1, ::-2] = [5, 3].
  Const("x", Ints(TensorShape{2, 3}, {0, 1, 2, 3, 4, 5}));
  Const("b", Ints(TensorShape{2}, {-1, 0}));
  Const("e", Ints(TensorShape{2}, {0, 0}));
  Const("s", Ints(TensorShape{2}, {1, -2}));
  tensorflow::AttrValue mask, shrink, index;
  mask.set_i(2);
  shrink.set_i(1);
  index.set_type(tensorflow::DT_INT32);
  Op("ss", "StridedSlice", {"x", "b", "e", "s"}, DataType::kInt32,
     {{"begin_mask", mask}, {"end_mask", mask}, {"shrink_axis_mask", shrink},
      {"Index", index}});
  auto out = Fetch("ss:0");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->shape(), (TensorShape{2}));
  EXPECT_THAT(std::vector<int32_t>(out->flat<int32_t>().begin(), out->flat<int32_t>().end()),
              ::testing::ElementsAre(5, 3));
}

TEST_F(KernelTest, PadPlacesInputInsideZeros) {
  Const("x", Ints(TensorShape{1, 2}, {7, 8}));
  Const("p", Ints(TensorShape{2, 2}, {1, 0, 0, 1}));
  Op("pad", "Pad", {"x", "p"}, DataType::kInt32);
  auto out = Fetch("pad:0");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->shape(), (TensorShape{2, 3}));
  EXPECT_THAT(std::vector<int32_t>(out->flat<int32_t>().begin(), out->flat<int32_t>().end()),
              ::testing::ElementsAre(0, 0, 0, 7, 8, 0));
}

TEST_F(KernelTest, GatherMovesStringsAndRejectsBadIndices) {
  Const("p", *Tensor::FromStrings(TensorShape{3}, {"a", "b", "c"}));
  Const("i", Ints(TensorShape{2, 2}, {2, 0, 1, 2}));
  Const("bad", Ints(TensorShape{2, 2}, {0, 1, 2, 3}));
  Const("axis", Ints(TensorShape{}, {0}));
  tensorflow::AttrValue tparams, tint;
  tparams.set_type(tensorflow::DT_STRING);
  tint.set_type(tensorflow::DT_INT32);
  const std::map<std::string, tensorflow::AttrValue> attrs = {
      {"Tparams", tparams}, {"Tindices", tint}, {"Taxis", tint}};
  Op("g", "GatherV2", {"p", "i", "axis"}, DataType::kString, attrs);
  Op("gbad", "GatherV2", {"p", "bad", "axis"}, DataType::kString, attrs);
  auto out = Fetch("g:0");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->shape(), (TensorShape{2, 2}));
  EXPECT_THAT(out->strings(), ::testing::ElementsAre("c", "a", "b", "c"));
  EXPECT_THAT(Fetch("gbad:0").status(),
              StatusIs(StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("indices[1,1] = 3 is not in [0, 3)")));
}

tensorflow::AttrValue TypeValue(tensorflow::DataType type) {
  tensorflow::AttrValue attr;
  attr.set_type(type);
  return attr;
}
tensorflow::AttrValue IntValue(int64_t value) {
  tensorflow::AttrValue attr;
  attr.set_i(value);
  return attr;
}

TEST_F(KernelTest, L2LossIsHalfTheSumOfSquaresInEveryFloatType) {
  const std::vector<float> values = {1, 2, 3, -4};
  std::vector<Half> halves;
  std::vector<BFloat16> bfloats;
  for (float v : values) {
    halves.push_back(FloatToHalf(v));
    bfloats.push_back(FloatToBFloat16(v));
  }
  Const("f", *Tensor::FromValues(TensorShape{2, 2}, std::span<const float>(values)));
  Const("h", *Tensor::FromValues(TensorShape{4}, std::span<const Half>(halves)));
  Const("b", *Tensor::FromValues(TensorShape{4}, std::span<const BFloat16>(bfloats)));
  Op("lf", "L2Loss", {"f"}, DataType::kFloat);
  Op("lh", "L2Loss", {"h"}, DataType::kHalf);
  Op("lb", "L2Loss", {"b"}, DataType::kBFloat16);
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor f, Fetch("lf:0"));
  EXPECT_EQ(f.shape(), TensorShape{});
  EXPECT_EQ(f.flat<float>()[0], 15.0f);
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor h, Fetch("lh:0"));
  EXPECT_EQ(HalfToFloat(h.flat<Half>()[0]), 15.0f);
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor b, Fetch("lb:0"));
  EXPECT_EQ(BFloat16ToFloat(b.flat<BFloat16>()[0]), 15.0f);
}

TEST_F(KernelTest, ConcatOffsetGivesEachInputsStartAndChecksShapes) {
  Const("axis", Ints(TensorShape{}, {-1}));
  Const("s0", Ints(TensorShape{2}, {2, 3}));
  Const("s1", Ints(TensorShape{2}, {2, 5}));
  Const("s2", Ints(TensorShape{2}, {2, 1}));
  Const("bad", Ints(TensorShape{2}, {3, 5}));
  const std::map<std::string, tensorflow::AttrValue> three = {
      {"N", IntValue(3)}, {"shape_type", TypeValue(tensorflow::DT_INT32)}};
  Op("offsets", "ConcatOffset", {"axis", "s0", "s1", "s2"}, DataType::kInt32, three);
  Op("mismatch", "ConcatOffset", {"axis", "s0", "bad"}, DataType::kInt32,
     {{"N", IntValue(2)}, {"shape_type", TypeValue(tensorflow::DT_INT32)}});
  for (const auto& [output, expected] :
       std::vector<std::pair<std::string, std::vector<int32_t>>>{
           {"offsets:0", {0, 0}}, {"offsets:1", {0, 3}}, {"offsets:2", {0, 8}}}) {
    TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor out, Fetch(output));
    EXPECT_EQ(std::vector<int32_t>(out.flat<int32_t>().begin(), out.flat<int32_t>().end()),
              expected)
        << output;
  }
  EXPECT_THAT(Fetch("mismatch:0").status(),
              StatusIs(StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("All dimensions except 1 must match. Input 1 has "
                                            "shape [3,5] and doesn't match input 0 with "
                                            "shape [2,3].")));
}

TEST_F(KernelTest, SplitAndSplitVCutConsecutiveRanges) {
  Const("x", Ints(TensorShape{2, 5}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  Const("axis", Ints(TensorShape{}, {-1}));
  Const("rows", Ints(TensorShape{}, {0}));
  Const("sizes", Ints(TensorShape{3}, {1, -1, 2}));
  Const("too_long", Ints(TensorShape{2}, {3, 3}));
  Const("two_rest", Ints(TensorShape{2}, {-1, -1}));
  Const("overflow", Ints(TensorShape{3}, {4, 2147483647, -1}));
  const auto parts = [](int64_t n) { return std::map<std::string, tensorflow::AttrValue>{
                                         {"num_split", IntValue(n)},
                                         {"Tlen", TypeValue(tensorflow::DT_INT32)}}; };
  Op("halves", "Split", {"rows", "x"}, DataType::kInt32, {{"num_split", IntValue(2)}});
  Op("uneven", "Split", {"axis", "x"}, DataType::kInt32, {{"num_split", IntValue(2)}});
  Op("cut", "SplitV", {"x", "sizes", "axis"}, DataType::kInt32, parts(3));
  for (const char* bad : {"too_long", "two_rest"}) {
    Op(std::string("bad_") + bad, "SplitV", {"x", bad, "axis"}, DataType::kInt32, parts(2));
  }
  Op("bad_overflow", "SplitV", {"x", "overflow", "axis"}, DataType::kInt32, parts(3));
  const auto values = [](const Tensor& t) {
    return std::vector<int32_t>(t.flat<int32_t>().begin(), t.flat<int32_t>().end());
  };
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor second_row, Fetch("halves:1"));
  EXPECT_EQ(second_row.shape(), (TensorShape{1, 5}));
  EXPECT_THAT(values(second_row), ::testing::ElementsAre(5, 6, 7, 8, 9));
  for (const auto& [output, shape, expected] :
       std::vector<std::tuple<std::string, TensorShape, std::vector<int32_t>>>{
           {"cut:0", TensorShape{2, 1}, {0, 5}},
           {"cut:1", TensorShape{2, 2}, {1, 2, 6, 7}},
           {"cut:2", TensorShape{2, 2}, {3, 4, 8, 9}}}) {
    TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor out, Fetch(output));
    EXPECT_EQ(out.shape(), shape) << output;
    EXPECT_EQ(values(out), expected) << output;
  }
  EXPECT_THAT(Fetch("uneven:0").status(),
              StatusIs(StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("should evenly divide the split dimension, but got "
                                            "split_dim 1 (size = 5) and num_split 2")));
  for (const auto& [output, message] : std::vector<std::pair<std::string, std::string>>{
           {"bad_too_long:0", "or be less than the size of the input along split_dim if "
                              "not fully specified.  Got: 6"},
           {"bad_overflow:0", "Got: 2147483651"},
           {"bad_two_rest:0", "There can only be one -1 in the input."}}) {
    EXPECT_THAT(Fetch(output).status(),
                StatusIs(StatusCode::kInvalidArgument, ::testing::HasSubstr(message)))
        << output;
  }
}

TEST_F(KernelTest, UnsortedSegmentSumAddsRowsAndDropsNegativeIds) {
  const std::vector<float> rows = {1, 2, 3, 4, 5, 6, 7, 8};
  Const("data", *Tensor::FromValues(TensorShape{4, 2}, std::span<const float>(rows)));
  Const("ids", Ints(TensorShape{4}, {2, 0, 2, -1}));
  Const("far", Ints(TensorShape{4}, {0, 4, 0, 0}));
  Const("n", Ints(TensorShape{}, {4}));
  const std::map<std::string, tensorflow::AttrValue> attrs = {
      {"Tindices", TypeValue(tensorflow::DT_INT32)},
      {"Tnumsegments", TypeValue(tensorflow::DT_INT32)}};
  Op("sum", "UnsortedSegmentSum", {"data", "ids", "n"}, DataType::kFloat, attrs);
  Op("out_of_range", "UnsortedSegmentSum", {"data", "far", "n"}, DataType::kFloat, attrs);
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor out, Fetch("sum:0"));
  EXPECT_EQ(out.shape(), (TensorShape{4, 2}));
  EXPECT_THAT(std::vector<float>(out.flat<float>().begin(), out.flat<float>().end()),
              ::testing::ElementsAre(3, 4, 0, 0, 6, 8, 0, 0));
  EXPECT_THAT(Fetch("out_of_range:0").status(),
              StatusIs(StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("segment_ids[1] = 4 is out of range [0, 4)")));
}

TEST_F(KernelTest, StridedSliceGradScattersIntoZeros) {
  // The slice x[-1, ::-2] of a [2, 3] x took x[1, 2] and x[1, 0].
  Const("shape", Ints(TensorShape{2}, {2, 3}));
  Const("b", Ints(TensorShape{2}, {-1, 0}));
  Const("e", Ints(TensorShape{2}, {0, 0}));
  Const("s", Ints(TensorShape{2}, {1, -2}));
  Const("dy", Ints(TensorShape{2}, {10, 20}));
  Const("dy_wrong", Ints(TensorShape{3}, {1, 2, 3}));
  const std::map<std::string, tensorflow::AttrValue> attrs = {
      {"begin_mask", IntValue(2)}, {"end_mask", IntValue(2)},
      {"shrink_axis_mask", IntValue(1)}, {"Index", TypeValue(tensorflow::DT_INT32)}};
  Op("grad", "StridedSliceGrad", {"shape", "b", "e", "s", "dy"}, DataType::kInt32, attrs);
  Op("wrong", "StridedSliceGrad", {"shape", "b", "e", "s", "dy_wrong"}, DataType::kInt32,
     attrs);
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor out, Fetch("grad:0"));
  EXPECT_EQ(out.shape(), (TensorShape{2, 3}));
  EXPECT_THAT(std::vector<int32_t>(out.flat<int32_t>().begin(), out.flat<int32_t>().end()),
              ::testing::ElementsAre(0, 0, 0, 20, 0, 10));
  EXPECT_THAT(Fetch("wrong:0").status(),
              StatusIs(StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("shape of dy was [3] instead of [2]")));
}

}  // namespace
}  // namespace tfckpt
