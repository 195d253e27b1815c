#include "src/core/proto_conversions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/testing/testing.h"

namespace tfckpt::internal {
namespace {

using ::testing::ElementsAre;
using ::tfckpt::testing::StatusIs;

tensorflow::TensorProto StringProto(std::initializer_list<int64_t> dims,
                                    std::initializer_list<const char*> values) {
  tensorflow::TensorProto proto;
  proto.set_dtype(tensorflow::DT_STRING);
  for (int64_t d : dims) proto.mutable_tensor_shape()->add_dim()->set_size(d);
  for (const char* v : values) proto.add_string_val(v);
  return proto;
}

TEST(TensorFromProtoTest, ShortStringListsRepeatTheLastValue) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, TensorFromProto(StringProto({3}, {"a", "b"})));
  EXPECT_THAT(t.strings(), ElementsAre("a", "b", "b"));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor blank, TensorFromProto(StringProto({2}, {})));
  EXPECT_THAT(blank.strings(), ElementsAre("", ""));
}

// An empty string tensor without values once read the last element of an
// empty list.
TEST(TensorFromProtoTest, EmptyStringTensorWithoutValues) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, TensorFromProto(StringProto({0}, {})));
  EXPECT_EQ(t.num_elements(), 0);
  EXPECT_TRUE(t.strings().empty());
  EXPECT_THAT(TensorFromProto(StringProto({0}, {"x"})),
              StatusIs(StatusCode::kInvalidArgument, "TensorProto has too many string values"));
}

TEST(TensorFromProtoTest, NumericValuesAndContentRoundTrip) {
  tensorflow::TensorProto proto;
  proto.set_dtype(tensorflow::DT_FLOAT);
  proto.mutable_tensor_shape()->add_dim()->set_size(3);
  proto.add_float_val(1.5f);
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, TensorFromProto(proto));
  EXPECT_THAT(t.flat<float>(), ElementsAre(1.5f, 1.5f, 1.5f));
  tensorflow::TensorProto back;
  TensorToProto(t, &back);
  EXPECT_EQ(back.tensor_content().size(), 3 * sizeof(float));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor again, TensorFromProto(back));
  EXPECT_TRUE(again.IdenticalTo(t));
}

}  // namespace
}  // namespace tfckpt::internal
