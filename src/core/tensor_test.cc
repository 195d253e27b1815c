#include "tfckpt/tensor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <complex>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "tests/testing/testing.h"

namespace tfckpt {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::tfckpt::testing::StatusIs;

bool IsAligned(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % Tensor::kAlignment == 0;
}

TEST(TensorTest, DefaultIsInvalidPlaceholder) {
  Tensor t;
  EXPECT_EQ(t.dtype(), DataType::kInvalid);
  EXPECT_EQ(t.byte_size(), 0u);
}

TEST(TensorTest, AllocateIsAlignedAndSized) {
  for (DataType dtype : {DataType::kFloat, DataType::kDouble, DataType::kInt8,
                         DataType::kComplex128, DataType::kBool, DataType::kHalf}) {
    for (const TensorShape& shape :
         {TensorShape(), TensorShape({1}), TensorShape({3}), TensorShape({7, 13}),
          TensorShape({2, 3, 4})}) {
      SCOPED_TRACE(DataTypeName(dtype));
      SCOPED_TRACE(shape.DebugString());
      TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, Tensor::Allocate(dtype, shape));
      EXPECT_EQ(t.dtype(), dtype);
      EXPECT_EQ(t.shape(), shape);
      EXPECT_EQ(t.num_elements(), shape.num_elements());
      EXPECT_EQ(t.byte_size(),
                static_cast<size_t>(shape.num_elements()) * DataTypeSize(dtype));
      ASSERT_NE(t.data(), nullptr);
      EXPECT_TRUE(IsAligned(t.data())) << t.data();
      EXPECT_EQ(t.mutable_data(), t.data());
      EXPECT_EQ(t.bytes().size(), t.byte_size());
    }
  }
}

TEST(TensorTest, EmptyShapes) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, Tensor::Allocate(DataType::kFloat, {3, 0}));
  EXPECT_EQ(t.num_elements(), 0);
  EXPECT_EQ(t.byte_size(), 0u);
  EXPECT_TRUE(t.flat<float>().empty());
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor z, Tensor::Zeros(DataType::kInt64, {0}));
  EXPECT_EQ(z.byte_size(), 0u);
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor s, Tensor::FromBytes(DataType::kInt32, {0, 5}, ""));
  EXPECT_EQ(s.byte_size(), 0u);
  EXPECT_TRUE(t.IdenticalTo(t));
}

TEST(TensorTest, ZerosAreZero) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, Tensor::Zeros(DataType::kDouble, {17, 3}));
  EXPECT_TRUE(IsAligned(t.data()));
  ASSERT_EQ(t.byte_size(), 17u * 3u * 8u);
  const std::string_view bytes = t.bytes();
  EXPECT_EQ(bytes, std::string(bytes.size(), '\0'));
}

TEST(TensorTest, AllocateStringGivesEmptyStrings) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, Tensor::Allocate(DataType::kString, {2, 2}));
  EXPECT_EQ(t.dtype(), DataType::kString);
  EXPECT_EQ(t.byte_size(), 0u);
  EXPECT_EQ(t.mutable_data(), nullptr);
  ASSERT_EQ(t.strings().size(), 4u);
  for (const std::string& s : t.strings()) EXPECT_EQ(s, "");
  t.mutable_strings()[1] = "x";
  EXPECT_EQ(t.strings()[1], "x");
}

TEST(TensorTest, AllocateRejectsUnstorableTypes) {
  for (DataType dtype : {DataType::kInvalid, DataType::kResource, DataType::kVariant,
                         static_cast<DataType>(99)}) {
    SCOPED_TRACE(static_cast<int>(dtype));
    EXPECT_THAT(Tensor::Allocate(dtype, {2}), StatusIs(StatusCode::kInvalidArgument));
    EXPECT_THAT(Tensor::Zeros(dtype, {2}), StatusIs(StatusCode::kInvalidArgument));
  }
}

TEST(TensorTest, HugeShapesFailCleanly) {
  const auto huge_error = AnyOf(StatusIs(StatusCode::kResourceExhausted),
                                StatusIs(StatusCode::kInvalidArgument));
  // 2^62 floats: the byte count overflows.
  const std::vector<int64_t> overflow_dims = {int64_t{1} << 62};
  TFCKPT_ASSERT_OK_AND_ASSIGN(TensorShape overflow, TensorShape::Create(overflow_dims));
  EXPECT_THAT(Tensor::Allocate(DataType::kFloat, overflow), huge_error);
  EXPECT_THAT(Tensor::Zeros(DataType::kComplex128, overflow), huge_error);
  EXPECT_THAT(TensorByteSize(DataType::kFloat, overflow), huge_error);
  // 4 TiB: representable but far beyond any sane limit.
  const std::vector<int64_t> tb_dims = {int64_t{1} << 40, 4};
  TFCKPT_ASSERT_OK_AND_ASSIGN(TensorShape tb, TensorShape::Create(tb_dims));
  EXPECT_THAT(Tensor::Allocate(DataType::kUInt8, tb), huge_error);
  EXPECT_THAT(Tensor::Zeros(DataType::kUInt8, tb), huge_error);
  // Huge string tensors must not try to build 2^40 std::strings either.
  EXPECT_THAT(Tensor::Allocate(DataType::kString, tb), huge_error);
  EXPECT_THAT(Tensor::FromBytes(DataType::kFloat, overflow, "abcd"), huge_error);
}

TEST(TensorTest, TensorByteSize) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(size_t n, TensorByteSize(DataType::kFloat, {2, 5}));
  EXPECT_EQ(n, 40u);
  TFCKPT_ASSERT_OK_AND_ASSIGN(size_t c, TensorByteSize(DataType::kComplex128, {3}));
  EXPECT_EQ(c, 48u);
  TFCKPT_ASSERT_OK_AND_ASSIGN(size_t zero, TensorByteSize(DataType::kInt8, {0}));
  EXPECT_EQ(zero, 0u);
  EXPECT_THAT(TensorByteSize(DataType::kString, {2}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(TensorByteSize(DataType::kVariant, {2}), StatusIs(StatusCode::kInvalidArgument));
}

TEST(TensorTest, FromBytesCopies) {
  std::string raw(12, '\0');
  const int32_t values[3] = {1, -2, 300000};
  std::memcpy(raw.data(), values, sizeof(values));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, Tensor::FromBytes(DataType::kInt32, {3}, raw));
  raw[0] = 'z';  // the tensor owns a copy
  EXPECT_THAT(t.flat<int32_t>(), ElementsAre(1, -2, 300000));
  EXPECT_TRUE(IsAligned(t.data()));
}

TEST(TensorTest, FromBytesRejectsSizeMismatch) {
  EXPECT_THAT(Tensor::FromBytes(DataType::kInt32, {3}, std::string(11, 'a')),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Tensor::FromBytes(DataType::kInt32, {3}, std::string(13, 'a')),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Tensor::FromBytes(DataType::kFloat, {}, ""),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Tensor::FromBytes(DataType::kString, {1}, "abcd"),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(TensorTest, FromValues) {
  const std::vector<double> v = {1.5, -2.25, 3.0, 4.0};
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t,
                              Tensor::FromValues<double>({2, 2}, std::span<const double>(v)));
  EXPECT_EQ(t.dtype(), DataType::kDouble);
  EXPECT_THAT(t.flat<double>(), ElementsAre(1.5, -2.25, 3.0, 4.0));
  const std::vector<std::complex<float>> c = {{1, 2}, {3, 4}};
  TFCKPT_ASSERT_OK_AND_ASSIGN(
      Tensor ct, Tensor::FromValues<std::complex<float>>({2}, std::span<const std::complex<float>>(c)));
  EXPECT_EQ(ct.dtype(), DataType::kComplex64);
  EXPECT_EQ(ct.flat<std::complex<float>>()[1], std::complex<float>(3, 4));
}

TEST(TensorTest, FromStrings) {
  std::vector<std::string> values = {"", std::string("a\0b", 3), std::string(300, 'x')};
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, Tensor::FromStrings({3}, values));
  EXPECT_EQ(t.dtype(), DataType::kString);
  EXPECT_EQ(t.strings(), values);
  EXPECT_EQ(t.DebugString(), "string [3]");
}

TEST(TensorTest, FromStringsRejectsCountMismatch) {
  EXPECT_THAT(Tensor::FromStrings({2}, {"a"}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Tensor::FromStrings({}, {}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Tensor::FromStrings({0}, {"a"}), StatusIs(StatusCode::kInvalidArgument));
}

TEST(TensorTest, ViewIsReadOnlyAndKeepsOwnerAlive) {
  auto owner = std::make_shared<std::vector<float>>(std::vector<float>{1, 2, 3, 4, 5, 6});
  const void* data = owner->data();
  std::weak_ptr<std::vector<float>> watch = owner;
  StatusOr<Tensor> view = Tensor::View(DataType::kFloat, {2, 3}, data, 24, owner);
  owner.reset();
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_FALSE(watch.expired());
  EXPECT_EQ(view->data(), data);
  EXPECT_EQ(view->mutable_data(), nullptr);
  EXPECT_THAT(view->flat<float>(), ElementsAre(1, 2, 3, 4, 5, 6));
  {
    Tensor copy = *view;
    EXPECT_EQ(copy.mutable_data(), nullptr);
  }
  view = NotFoundError("dropped");
  EXPECT_TRUE(watch.expired());
}

TEST(TensorTest, ViewRejectsSizeMismatch) {
  auto owner = std::make_shared<std::string>(16, 'a');
  EXPECT_THAT(Tensor::View(DataType::kFloat, {3}, owner->data(), 16, owner),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Tensor::View(DataType::kString, {1}, owner->data(), 16, owner),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(TensorTest, MutableViewIsWritableAndKeepsOwnerAlive) {
  void* block = std::aligned_alloc(Tensor::kAlignment, 128);
  ASSERT_NE(block, nullptr);
  std::shared_ptr<void> owner(block, std::free);
  std::weak_ptr<void> watch = owner;
  auto* second = static_cast<char*>(block) + 64;
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor a, Tensor::MutableView(DataType::kFloat, {2}, block, 8, owner));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor b, Tensor::MutableView(DataType::kFloat, {2}, second, 8, owner));
  owner.reset();
  a.mutable_flat<float>()[0] = 1.0f;
  a.mutable_flat<float>()[1] = 2.0f;
  b.mutable_flat<float>()[0] = 3.0f;
  b.mutable_flat<float>()[1] = 4.0f;
  EXPECT_THAT(a.flat<float>(), ElementsAre(1.0f, 2.0f));
  EXPECT_THAT(b.flat<float>(), ElementsAre(3.0f, 4.0f));
  a = Tensor();
  EXPECT_FALSE(watch.expired());  // b still holds the block
  b = Tensor();
  EXPECT_TRUE(watch.expired());
}

TEST(TensorTest, MutableViewRejectsMisalignmentAndSizeMismatch) {
  void* block = std::aligned_alloc(Tensor::kAlignment, 128);
  ASSERT_NE(block, nullptr);
  std::shared_ptr<void> owner(block, std::free);
  EXPECT_THAT(Tensor::MutableView(DataType::kFloat, {1}, static_cast<char*>(block) + 4, 4, owner),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Tensor::MutableView(DataType::kFloat, {3}, block, 8, owner),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(TensorTest, CopiesShareElements) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, Tensor::Zeros(DataType::kFloat, {4}));
  Tensor copy = t;
  t.mutable_flat<float>()[2] = 7.0f;
  EXPECT_EQ(copy.flat<float>()[2], 7.0f);

  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor s, Tensor::FromStrings({1}, {"a"}));
  Tensor scopy = s;
  s.mutable_strings()[0] = "b";
  EXPECT_EQ(scopy.strings()[0], "b");
}

TEST(TensorTest, IdenticalTo) {
  const std::vector<int32_t> v = {1, 2, 3, 4, 5, 6};
  const std::span<const int32_t> span(v);
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor a, Tensor::FromValues<int32_t>({2, 3}, span));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor b, Tensor::FromValues<int32_t>({2, 3}, span));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor transposed, Tensor::FromValues<int32_t>({3, 2}, span));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor as_float,
                              Tensor::FromBytes(DataType::kFloat, {2, 3}, a.bytes()));
  EXPECT_TRUE(a.IdenticalTo(b));
  EXPECT_FALSE(a.IdenticalTo(transposed));
  EXPECT_FALSE(a.IdenticalTo(as_float));
  b.mutable_flat<int32_t>()[5] = 7;
  EXPECT_FALSE(a.IdenticalTo(b));

  // Byte-wise: NaN equals the same NaN, and -0 differs from +0.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor n1, Tensor::FromValues<float>({1}, std::span<const float>(&nan, 1)));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor n2, Tensor::FromValues<float>({1}, std::span<const float>(&nan, 1)));
  EXPECT_TRUE(n1.IdenticalTo(n2));
  const float pz = 0.0f, nz = -0.0f;
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor z1, Tensor::FromValues<float>({1}, std::span<const float>(&pz, 1)));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor z2, Tensor::FromValues<float>({1}, std::span<const float>(&nz, 1)));
  EXPECT_FALSE(z1.IdenticalTo(z2));

  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor s1, Tensor::FromStrings({2}, {"a", ""}));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor s2, Tensor::FromStrings({2}, {"a", ""}));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor s3, Tensor::FromStrings({2}, {"a", std::string(1, '\0')}));
  EXPECT_TRUE(s1.IdenticalTo(s2));
  EXPECT_FALSE(s1.IdenticalTo(s3));
  EXPECT_FALSE(s1.IdenticalTo(a));
}

TEST(TensorTest, DebugString) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, Tensor::Allocate(DataType::kFloat, {2, 5}));
  EXPECT_EQ(t.DebugString(), "float32 [2,5]");
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor s, Tensor::Allocate(DataType::kBFloat16, {}));
  EXPECT_EQ(s.DebugString(), "bfloat16 []");
}

}  // namespace
}  // namespace tfckpt
