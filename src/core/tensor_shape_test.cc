#include "tfckpt/tensor_shape.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "tests/testing/testing.h"

namespace tfckpt {
namespace {

using ::testing::ElementsAre;
using ::tfckpt::testing::StatusIs;

TEST(TensorShapeTest, DefaultIsScalar) {
  TensorShape s;
  EXPECT_EQ(s.rank(), 0);
  EXPECT_EQ(s.num_elements(), 1);
  EXPECT_TRUE(s.dims().empty());
  EXPECT_EQ(s.DebugString(), "[]");
}

TEST(TensorShapeTest, InitializerList) {
  TensorShape s{2, 3, 4};
  EXPECT_EQ(s.rank(), 3);
  EXPECT_EQ(s.dim(0), 2);
  EXPECT_EQ(s.dim(2), 4);
  EXPECT_THAT(s.dims(), ElementsAre(2, 3, 4));
  EXPECT_EQ(s.num_elements(), 24);
  EXPECT_EQ(s.DebugString(), "[2,3,4]");
}

TEST(TensorShapeTest, ZeroDims) {
  TensorShape s{3, 0};
  EXPECT_EQ(s.num_elements(), 0);
  EXPECT_EQ(s.DebugString(), "[3,0]");
  EXPECT_EQ(TensorShape{0}.num_elements(), 0);
}

TEST(TensorShapeTest, Equality) {
  EXPECT_EQ(TensorShape({2, 5}), TensorShape({2, 5}));
  EXPECT_FALSE(TensorShape({2, 5}) == TensorShape({5, 2}));
  EXPECT_FALSE(TensorShape({1}) == TensorShape());
  EXPECT_FALSE(TensorShape({0}) == TensorShape({0, 0}));
}

TEST(TensorShapeTest, CreateValid) {
  const std::vector<int64_t> dims = {21, 1};
  StatusOr<TensorShape> s = TensorShape::Create(dims);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s, TensorShape({21, 1}));
  EXPECT_EQ(s->num_elements(), 21);

  StatusOr<TensorShape> scalar = TensorShape::Create({});
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(scalar->rank(), 0);

  const std::vector<int64_t> big = {int64_t{1} << 31, int64_t{1} << 31};
  StatusOr<TensorShape> b = TensorShape::Create(big);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->num_elements(), int64_t{1} << 62);

  const std::vector<int64_t> max_dim = {std::numeric_limits<int64_t>::max()};
  StatusOr<TensorShape> m = TensorShape::Create(max_dim);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->num_elements(), std::numeric_limits<int64_t>::max());
}

TEST(TensorShapeTest, CreateRejectsNegativeDims) {
  for (int64_t bad : {int64_t{-1}, int64_t{-2}, std::numeric_limits<int64_t>::min()}) {
    const std::vector<int64_t> dims = {3, bad};
    EXPECT_THAT(TensorShape::Create(dims), StatusIs(StatusCode::kInvalidArgument));
  }
}

TEST(TensorShapeTest, CreateRejectsOverflow) {
  const std::vector<int64_t> dims = {int64_t{1} << 32, int64_t{1} << 32};
  EXPECT_THAT(TensorShape::Create(dims), StatusIs(StatusCode::kInvalidArgument));
  const std::vector<int64_t> three = {int64_t{1} << 21, int64_t{1} << 21, int64_t{1} << 21};
  EXPECT_THAT(TensorShape::Create(three), StatusIs(StatusCode::kInvalidArgument));
  const std::vector<int64_t> max2 = {std::numeric_limits<int64_t>::max(), 2};
  EXPECT_THAT(TensorShape::Create(max2), StatusIs(StatusCode::kInvalidArgument));
}

TEST(TensorShapeTest, ZeroDimSuppressesOverflow) {
  // A zero anywhere makes the element count 0, so huge other dims are fine.
  const std::vector<int64_t> dims = {0, std::numeric_limits<int64_t>::max(),
                                     std::numeric_limits<int64_t>::max()};
  StatusOr<TensorShape> s = TensorShape::Create(dims);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->num_elements(), 0);
}

TEST(TensorShapeTest, RankLimit) {
  const std::vector<int64_t> max_rank(TensorShape::kMaxRank, 1);
  StatusOr<TensorShape> ok = TensorShape::Create(max_rank);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->rank(), 254);
  const std::vector<int64_t> too_many(TensorShape::kMaxRank + 1, 1);
  EXPECT_THAT(TensorShape::Create(too_many), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tfckpt
