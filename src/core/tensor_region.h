// Regions of a tensor in absolute coordinates, and copying elements between
// tensors that hold overlapping regions: how partitioned tensors are
// assembled from their stored slices.
#ifndef TFCKPT_SRC_CORE_TENSOR_REGION_H_
#define TFCKPT_SRC_CORE_TENSOR_REGION_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "tfckpt/tensor.h"
#include "tfckpt/tensor_shape.h"
#include "tfckpt/tensor_slice.h"

namespace tfckpt::internal {

struct Region {
  std::vector<int64_t> start;
  std::vector<int64_t> length;

  int64_t num_elements() const;
  friend bool operator==(const Region&, const Region&) = default;
};

// The region `slice` selects in a tensor of `shape`.
// REQUIRES: slice.SliceShape(shape).ok().
Region ToRegion(const TensorSlice& slice, const TensorShape& shape);

// The common region, or nullopt when it is empty. REQUIRES: equal ranks.
std::optional<Region> Intersect(const Region& a, const Region& b);

// Copies the elements of `common` from `src` (holding `src_region`) into
// `dst` (holding `dst_region`), row-major. REQUIRES: `common` lies inside
// both regions; src and dst have the same dtype; dst is writable.
void CopyRegion(const Tensor& src, const Region& src_region, Tensor* dst,
                const Region& dst_region, const Region& common);

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_CORE_TENSOR_REGION_H_
