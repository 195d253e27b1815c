#include "src/core/tensor_region.h"

#include <numeric>

#include "tests/testing/testing.h"

namespace tfckpt::internal {
namespace {

Tensor Iota(const TensorShape& shape) {
  Tensor t = *Tensor::Zeros(DataType::kFloat, shape);
  std::span<float> v = t.mutable_flat<float>();
  std::iota(v.begin(), v.end(), 0.0f);
  return t;
}

TEST(TensorRegionTest, CopiesTheIntersectionOfTwoSlices) {
  const TensorShape full{4, 3};
  const Tensor rows_1_to_3 = Iota({3, 3});  // holds rows 1..3 of `full`
  const Region src = ToRegion(*TensorSlice::Parse("1,3:-"), full);
  const Region dst = ToRegion(*TensorSlice::Parse("0,2:1,2"), full);
  Tensor out = *Tensor::Zeros(DataType::kFloat, {2, 2});
  const std::optional<Region> common = Intersect(src, dst);
  ASSERT_TRUE(common.has_value());
  EXPECT_EQ(*common, (Region{{1, 1}, {1, 2}}));
  CopyRegion(rows_1_to_3, src, &out, dst, *common);
  // Row 1, columns 1..2 of `full` are elements 1 and 2 of the source.
  EXPECT_THAT(out.flat<float>(), ::testing::ElementsAre(0, 0, 1, 2));
}

TEST(TensorRegionTest, DisjointRegionsDoNotIntersect) {
  EXPECT_FALSE(Intersect(Region{{0}, {2}}, Region{{2}, {2}}).has_value());
}

// A zero-length leading extent once copied one run of the last dimension
// anyway, past the end of the empty destination.
TEST(TensorRegionTest, EmptyRegionCopiesNothing) {
  const TensorShape full{4, 3};
  const Tensor whole = Iota(full);
  const Region everything = ToRegion(TensorSlice::Full(2), full);
  const Region none = ToRegion(*TensorSlice::Parse("2,0:-"), full);
  Tensor out = *Tensor::Zeros(DataType::kFloat, {0, 3});
  CopyRegion(whole, everything, &out, none, none);
  EXPECT_EQ(out.num_elements(), 0);
}

TEST(TensorRegionTest, CopiesStringsAndScalars) {
  const Tensor src = *Tensor::FromStrings({3}, {"a", "b", "c"});
  Tensor out = *Tensor::Allocate(DataType::kString, {2});
  CopyRegion(src, Region{{0}, {3}}, &out, Region{{1}, {2}}, Region{{1}, {2}});
  EXPECT_THAT(out.strings(), ::testing::ElementsAre("b", "c"));
  const Tensor scalar = *Tensor::FromValues<float>({}, std::vector<float>{7.0f});
  Tensor scalar_out = *Tensor::Zeros(DataType::kFloat, {});
  CopyRegion(scalar, Region{}, &scalar_out, Region{}, Region{});
  EXPECT_EQ(scalar_out.flat<float>()[0], 7.0f);
}

}  // namespace
}  // namespace tfckpt::internal
