#include "src/core/tensor_region.h"

#include <algorithm>
#include <cstring>

namespace tfckpt::internal {

int64_t Region::num_elements() const {
  int64_t n = 1;
  for (const int64_t l : length) n *= l;
  return n;
}

Region ToRegion(const TensorSlice& slice, const TensorShape& shape) {
  Region r;
  for (int d = 0; d < slice.rank(); ++d) {
    r.start.push_back(slice.IsFullAt(d) ? 0 : slice.extent(d).start);
    r.length.push_back(slice.IsFullAt(d) ? shape.dim(d) : slice.extent(d).length);
  }
  return r;
}

std::optional<Region> Intersect(const Region& a, const Region& b) {
  Region r;
  for (size_t d = 0; d < a.start.size(); ++d) {
    const int64_t start = std::max(a.start[d], b.start[d]);
    const int64_t end = std::min(a.start[d] + a.length[d], b.start[d] + b.length[d]);
    if (end <= start) return std::nullopt;
    r.start.push_back(start);
    r.length.push_back(end - start);
  }
  return r;
}

// One run of the last dimension at a time; an empty region copies nothing
// (a zero-length leading extent must not copy its first run).
void CopyRegion(const Tensor& src, const Region& src_region, Tensor* dst,
                const Region& dst_region, const Region& common) {
  const size_t rank = common.start.size();
  if (common.num_elements() == 0) return;
  const auto offset_in = [&](const Region& holder, const std::vector<int64_t>& index) {
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d) {
      offset = offset * holder.length[d] + (index[d] - holder.start[d]);
    }
    return static_cast<size_t>(offset);
  };
  const auto run = static_cast<size_t>(rank == 0 ? 1 : common.length[rank - 1]);
  const size_t element_size = DataTypeSize(src.dtype());
  std::vector<int64_t> index = common.start;
  while (true) {
    const size_t from = offset_in(src_region, index);
    const size_t to = offset_in(dst_region, index);
    if (src.dtype() == DataType::kString) {
      std::copy_n(src.strings().begin() + static_cast<std::ptrdiff_t>(from), run,
                  dst->mutable_strings().begin() + static_cast<std::ptrdiff_t>(to));
    } else {
      std::memcpy(static_cast<char*>(dst->mutable_data()) + to * element_size,
                  static_cast<const char*>(src.data()) + from * element_size,
                  run * element_size);
    }
    // Odometer over every dimension but the last.
    size_t d = rank < 2 ? 0 : rank - 1;
    while (true) {
      if (d == 0) return;
      --d;
      if (++index[d] < common.start[d] + common.length[d]) break;
      index[d] = common.start[d];
    }
  }
}

}  // namespace tfckpt::internal
