// Random kernels through a Session: per-node streams that continue across
// runs and fetch signatures, seeding, and RandomUniformInt's range checks.
// Bit-exactness against TensorFlow is tests/interop_runtime/test_random_ops.py.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "src/runtime/op_kernel.h"
#include "tests/testing/testing.h"
#include "tfckpt/session.h"

namespace tfckpt {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

class RandomOpsTest : public ::testing::Test {
 protected:
  void Const(const std::string& name, const Tensor& t) {
    tensorflow::NodeDef node;
    node.set_name(name);
    node.set_op("Const");
    (*node.mutable_attr())["dtype"].set_type(
        static_cast<tensorflow::DataType>(t.dtype()));
    internal::TensorToProto(t, (*node.mutable_attr())["value"].mutable_tensor());
    ASSERT_TRUE(graph_.AddNode(node).ok());
  }
  // A random op over the "shape" const with the given seeds.
  void Random(const std::string& name, const std::string& op, int64_t seed,
              int64_t seed2, const std::vector<std::string>& extra_inputs = {}) {
    tensorflow::NodeDef node;
    node.set_name(name);
    node.set_op(op);
    node.add_input("shape");
    for (const std::string& in : extra_inputs) node.add_input(in);
    auto& attrs = *node.mutable_attr();
    attrs["seed"].set_i(seed);
    attrs["seed2"].set_i(seed2);
    attrs["T"].set_type(tensorflow::DT_INT32);
    if (op == "RandomUniformInt") {
      attrs["Tout"].set_type(tensorflow::DT_INT64);
    } else {
      attrs["dtype"].set_type(tensorflow::DT_FLOAT);
    }
    auto added = graph_.AddNode(node);
    ASSERT_TRUE(added.ok()) << added.status();
  }
  void SetUp() override {
    const int32_t dims[] = {7};
    Const("shape", *Tensor::FromValues<int32_t>(TensorShape{1},
                                               std::span<const int32_t>(dims)));
  }
  std::unique_ptr<Session> NewSession() {
    auto session = Session::Create(&graph_);
    EXPECT_TRUE(session.ok()) << session.status();
    return *std::move(session);
  }
  static std::vector<float> Values(Session* session, const std::string& fetch) {
    auto out = session->Run({}, {fetch}, {});
    EXPECT_TRUE(out.ok()) << out.status();
    const auto flat = (*out)[0].flat<float>();
    return {flat.begin(), flat.end()};
  }
  Graph graph_;
};

TEST_F(RandomOpsTest, SeededStreamsRepeatPerSessionAndAdvancePerRun) {
  Random("x", "RandomStandardNormal", 1, 2);
  auto first = NewSession();
  auto second = NewSession();
  const std::vector<float> run1 = Values(first.get(), "x:0");
  EXPECT_EQ(Values(second.get(), "x:0"), run1);
  EXPECT_NE(Values(first.get(), "x:0"), run1);
}

TEST_F(RandomOpsTest, EachNodeKeepsItsStreamAcrossFetchSignatures) {
  Random("x", "RandomUniform", 1, 2);
  Random("y", "TruncatedNormal", 3, 4);
  auto together = NewSession();
  const std::vector<float> x1 = Values(together.get(), "x:0");
  auto both = together->Run({}, {"x:0", "y:0"}, {});
  ASSERT_TRUE(both.ok()) << both.status();

  auto apart = NewSession();
  EXPECT_EQ(Values(apart.get(), "y:0"),
            std::vector<float>((*both)[1].flat<float>().begin(),
                               (*both)[1].flat<float>().end()));
  EXPECT_EQ(Values(apart.get(), "x:0"), x1);
  EXPECT_EQ(Values(apart.get(), "x:0"),
            std::vector<float>((*both)[0].flat<float>().begin(),
                               (*both)[0].flat<float>().end()));
}

TEST_F(RandomOpsTest, UnseededOpsDifferBetweenSessions) {
  Random("z", "RandomUniform", 0, 0);
  auto first = NewSession();
  auto second = NewSession();
  EXPECT_NE(Values(first.get(), "z:0"), Values(second.get(), "z:0"));
}

TEST_F(RandomOpsTest, UniformIntStaysInRangeAndRejectsAnEmptyOne) {
  Const("lo", Tensor::Scalar<int64_t>(-3));
  Const("hi", Tensor::Scalar<int64_t>(4));
  Random("n", "RandomUniformInt", 5, 6, {"lo", "hi"});
  Random("empty", "RandomUniformInt", 5, 6, {"hi", "lo"});
  auto session = NewSession();
  auto out = session->Run({}, {"n:0"}, {});
  ASSERT_TRUE(out.ok()) << out.status();
  for (int64_t v : (*out)[0].flat<int64_t>()) {
    EXPECT_GE(v, -3);
    EXPECT_LT(v, 4);
  }
  EXPECT_THAT(session->Run({}, {"empty:0"}, {}).status(),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("Need minval < maxval, got 4 >= -3")));
}

}  // namespace
}  // namespace tfckpt
