#include "tfckpt/op_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/testing.h"

namespace tfckpt {
namespace {

using ::testing::HasSubstr;
using ::tfckpt::testing::StatusIs;

TEST(OpRegistryTest, BuiltInOpsRegister) {
  OpRegistry registry;
  TFCKPT_ASSERT_OK(RegisterOps(&registry));
  for (const char* op :
       {"Const", "Placeholder", "PlaceholderWithDefault", "Identity", "NoOp",
        "VariableV2", "Variable", "Assign", "AssignAdd", "AssignSub",
        "VarHandleOp", "ReadVariableOp", "AssignVariableOp",
        "AssignAddVariableOp", "VarIsInitializedOp", "Add", "AddV2", "Sub",
        "Mul", "RealDiv", "Div", "MatMul", "BiasAdd", "Relu", "Sigmoid",
        "Tanh", "Softmax", "RandomStandardNormal", "TruncatedNormal",
        "RandomUniform", "SaveV2", "RestoreV2", "MergeV2Checkpoints",
        "ShardedFilename", "StringJoin", "Shape", "Reshape", "Fill",
        "ZerosLike", "Sum", "Mean", "ArgMax", "Cast", "StopGradient"}) {
    EXPECT_NE(registry.Find(op), nullptr) << op;
  }
  EXPECT_EQ(registry.ListOps(), OpRegistry::Default().ListOps());
}

TEST(OpRegistryTest, SpecsBecomeOpDefs) {
  const tensorflow::OpDef* matmul = OpRegistry::Default().Find("MatMul");
  ASSERT_NE(matmul, nullptr);
  ASSERT_EQ(matmul->input_arg_size(), 2);
  EXPECT_EQ(matmul->input_arg(0).type_attr(), "T");
  const tensorflow::OpDef* placeholder =
      OpRegistry::Default().Find("Placeholder");
  ASSERT_NE(placeholder, nullptr);
  EXPECT_TRUE(placeholder->attr(1).default_value().shape().unknown_rank());
  const tensorflow::OpDef* save = OpRegistry::Default().Find("SaveV2");
  ASSERT_NE(save, nullptr);
  EXPECT_EQ(save->input_arg(3).type_list_attr(), "dtypes");
  EXPECT_TRUE(save->is_stateful());
  const tensorflow::OpDef* assign = OpRegistry::Default().Find("Assign");
  EXPECT_TRUE(assign->input_arg(0).is_ref());
}

TEST(OpRegistryTest, BadSpecsAreErrors) {
  EXPECT_THAT(OpDefBuilder("X").Input("a: T").Build(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("op X")));
  EXPECT_THAT(OpDefBuilder("X").Attr("N: int >= x").Build(),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(OpDefBuilder("X").Attr("T: blob").Build(),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(OpDefBuilder("X").Attr("T: type").Attr("T: int").Build(),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(OpDefBuilder("X").Attr("N: int").Input("a: N * float").Attr(
                  "b: bool = maybe").Build(),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(OpRegistryTest, DuplicatesAndLookUp) {
  OpRegistry registry;
  TFCKPT_ASSERT_OK(registry.Register(OpDefBuilder("Foo").Output("y: float")));
  EXPECT_THAT(registry.Register(OpDefBuilder("Foo")),
              StatusIs(StatusCode::kAlreadyExists));
  EXPECT_THAT(registry.LookUp("Bar", "node1"),
              StatusIs(StatusCode::kUnimplemented,
                       AllOf(HasSubstr("'Bar'"), HasSubstr("'node1'"))));
}

}  // namespace
}  // namespace tfckpt
