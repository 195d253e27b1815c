#include "tfckpt/tensor_slice.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "tests/testing/testing.h"

namespace tfckpt {
namespace {

using ::testing::ElementsAre;
using ::tfckpt::testing::StatusIs;
using Extent = TensorSlice::Extent;

constexpr int64_t kFull = TensorSlice::kFullLength;

TensorSlice MustParse(std::string_view spec) {
  StatusOr<TensorSlice> s = TensorSlice::Parse(spec);
  EXPECT_TRUE(s.ok()) << spec << ": " << s.status();
  return s.ok() ? *s : TensorSlice();
}

TEST(TensorSliceTest, DefaultIsScalar) {
  TensorSlice s;
  EXPECT_EQ(s.rank(), 0);
  EXPECT_TRUE(s.IsFull());
  EXPECT_EQ(s.DebugString(), "");
  EXPECT_TRUE(s.Covers(TensorShape()));
}

TEST(TensorSliceTest, Full) {
  TensorSlice s = TensorSlice::Full(3);
  EXPECT_EQ(s.rank(), 3);
  EXPECT_TRUE(s.IsFull());
  for (int d = 0; d < 3; ++d) {
    EXPECT_TRUE(s.IsFullAt(d));
    EXPECT_EQ(s.extent(d), (Extent{0, kFull}));
  }
  EXPECT_EQ(s.DebugString(), "-:-:-");
}

TEST(TensorSliceTest, ParseAndDebugString) {
  TensorSlice s = MustParse("0,5:-");
  EXPECT_EQ(s.rank(), 2);
  EXPECT_THAT(s.extents(), ElementsAre(Extent{0, 5}, Extent{0, kFull}));
  EXPECT_FALSE(s.IsFullAt(0));
  EXPECT_TRUE(s.IsFullAt(1));
  EXPECT_FALSE(s.IsFull());
  EXPECT_EQ(s.DebugString(), "0,5:-");

  for (const char* spec : {"", "-", "3,4", "-:-", "1,2:3,4:-:0,1", "0,0",
                           "9223372036854775806,1"}) {
    SCOPED_TRACE(spec);
    EXPECT_EQ(MustParse(spec).DebugString(), spec);
  }
  EXPECT_EQ(MustParse("").rank(), 0);
}

TEST(TensorSliceTest, ParseRejectsMalformedSpecs) {
  for (const char* spec : {"a", "0,", ",5", "0,5:", ":", "0,5::-", "-1,5", "0,-2",
                           "1,-1", "0,5,6", "0;5", "x,y", "--",
                           "0,99999999999999999999", "9223372036854775807,1"}) {
    SCOPED_TRACE(spec);
    EXPECT_THAT(TensorSlice::Parse(spec), StatusIs(StatusCode::kInvalidArgument));
  }
}

TEST(TensorSliceTest, CreateValidation) {
  StatusOr<TensorSlice> ok = TensorSlice::Create({{2, 3}, {0, kFull}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, MustParse("2,3:-"));

  EXPECT_THAT(TensorSlice::Create({{-1, 3}}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(TensorSlice::Create({{0, -2}}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(TensorSlice::Create({{4, kFull}}), StatusIs(StatusCode::kInvalidArgument));
  const int64_t max = std::numeric_limits<int64_t>::max();
  EXPECT_THAT(TensorSlice::Create({{max, 1}}), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(TensorSlice::Create({{1, max}}), StatusIs(StatusCode::kInvalidArgument));
  StatusOr<TensorSlice> edge = TensorSlice::Create({{max - 1, 1}});
  EXPECT_TRUE(edge.ok()) << edge.status();

  std::vector<Extent> at_limit(TensorShape::kMaxRank, Extent{0, kFull});
  EXPECT_TRUE(TensorSlice::Create(at_limit).ok());
  std::vector<Extent> too_many(TensorShape::kMaxRank + 1, Extent{0, kFull});
  EXPECT_THAT(TensorSlice::Create(too_many), StatusIs(StatusCode::kInvalidArgument));
}

TEST(TensorSliceTest, SliceShape) {
  const TensorShape full{10, 20};
  TFCKPT_ASSERT_OK_AND_ASSIGN(TensorShape s, MustParse("0,5:-").SliceShape(full));
  EXPECT_EQ(s, TensorShape({5, 20}));
  TFCKPT_ASSERT_OK_AND_ASSIGN(s, MustParse("5,5:3,17").SliceShape(full));
  EXPECT_EQ(s, TensorShape({5, 17}));
  TFCKPT_ASSERT_OK_AND_ASSIGN(s, MustParse("10,0:-").SliceShape(full));
  EXPECT_EQ(s, TensorShape({0, 20}));
  TFCKPT_ASSERT_OK_AND_ASSIGN(s, TensorSlice().SliceShape(TensorShape()));
  EXPECT_EQ(s, TensorShape());

  EXPECT_THAT(MustParse("0,5").SliceShape(full), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(MustParse("6,5:-").SliceShape(full), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(MustParse("-:0,21").SliceShape(full), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(MustParse("11,0:-").SliceShape(full), StatusIs(StatusCode::kInvalidArgument));
}

TEST(TensorSliceTest, Intersect) {
  std::optional<TensorSlice> r = MustParse("0,5:-").Intersect(MustParse("3,4:2,3"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->DebugString(), "3,2:2,3");

  r = MustParse("3,4:2,3").Intersect(MustParse("0,5:-"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->DebugString(), "3,2:2,3");

  r = MustParse("-:-").Intersect(MustParse("-:-"));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->IsFull());

  r = MustParse("-").Intersect(MustParse("2,3"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->DebugString(), "2,3");

  r = MustParse("0,10").Intersect(MustParse("0,10"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->DebugString(), "0,10");

  // Touching but not overlapping.
  EXPECT_FALSE(MustParse("0,5").Intersect(MustParse("5,5")).has_value());
  EXPECT_FALSE(MustParse("0,5:0,5").Intersect(MustParse("0,5:5,1")).has_value());
  EXPECT_FALSE(MustParse("7,1:-").Intersect(MustParse("0,5:-")).has_value());

  r = TensorSlice().Intersect(TensorSlice());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->rank(), 0);
}

TEST(TensorSliceTest, Covers) {
  const TensorShape shape{10, 20};
  EXPECT_TRUE(TensorSlice::Full(2).Covers(shape));
  EXPECT_TRUE(MustParse("0,10:0,20").Covers(shape));
  EXPECT_TRUE(MustParse("-:0,20").Covers(shape));
  EXPECT_FALSE(MustParse("0,5:-").Covers(shape));
  EXPECT_FALSE(MustParse("1,9:-").Covers(shape));
  EXPECT_FALSE(MustParse("0,10:0,19").Covers(shape));
  EXPECT_FALSE(TensorSlice::Full(1).Covers(shape));
  EXPECT_FALSE(TensorSlice::Full(3).Covers(shape));
  EXPECT_TRUE(MustParse("0,0").Covers(TensorShape{0}));
}

TEST(TensorSliceTest, EqualityComparesExtents) {
  EXPECT_EQ(MustParse("0,5:-"), MustParse("0,5:-"));
  EXPECT_FALSE(MustParse("0,5:-") == MustParse("0,5:0,20"));
  EXPECT_FALSE(MustParse("-") == MustParse("-:-"));
}

TEST(ParseShapeAndSliceTest, SaveV2Spec) {
  StatusOr<std::optional<ShapeAndSlice>> r = ParseShapeAndSlice("10 20 0,5:0,20");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->full_shape, TensorShape({10, 20}));
  EXPECT_THAT((*r)->slice.extents(), ElementsAre(Extent{0, 5}, Extent{0, 20}));

  r = ParseShapeAndSlice("7 -");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->full_shape, TensorShape({7}));
  EXPECT_TRUE((*r)->slice.IsFull());
}

TEST(ParseShapeAndSliceTest, EmptyMeansWholeTensor) {
  StatusOr<std::optional<ShapeAndSlice>> r = ParseShapeAndSlice("");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->has_value());
}

TEST(ParseShapeAndSliceTest, RejectsBadSpecs) {
  for (const char* spec : {"10 20", "10 20 0,5", "10 -20 0,5:0,20", "x 20 0,5:0,20",
                           "10 20 0,11:0,20", "10 20 0,5:0,20:-", "10 20 a,b:-",
                           "-5 0,5"}) {
    SCOPED_TRACE(spec);
    EXPECT_THAT(ParseShapeAndSlice(spec), StatusIs(StatusCode::kInvalidArgument));
  }
}

}  // namespace
}  // namespace tfckpt
