#include "src/core/proto_conversions.h"

#include <string>
#include <vector>

namespace tfckpt::internal {

StatusOr<TensorShape> ShapeFromProto(const tensorflow::TensorShapeProto& proto) {
  if (proto.unknown_rank()) {
    return InvalidArgumentError("shape has unknown rank");
  }
  if (proto.dim_size() > TensorShape::kMaxRank) {
    return InvalidArgumentError("shape has " + std::to_string(proto.dim_size()) +
                                " dimensions; at most " +
                                std::to_string(TensorShape::kMaxRank) + " are allowed");
  }
  std::vector<int64_t> dims;
  dims.reserve(static_cast<size_t>(proto.dim_size()));
  for (const auto& dim : proto.dim()) dims.push_back(dim.size());
  return TensorShape::Create(dims);
}

void ShapeToProto(const TensorShape& shape, tensorflow::TensorShapeProto* proto) {
  proto->Clear();
  for (const int64_t d : shape.dims()) proto->add_dim()->set_size(d);
}

StatusOr<TensorSlice> SliceFromProto(const tensorflow::TensorSliceProto& proto) {
  if (proto.extent_size() > TensorShape::kMaxRank) {
    return InvalidArgumentError("slice has too many dimensions: " +
                                std::to_string(proto.extent_size()));
  }
  std::vector<TensorSlice::Extent> extents;
  for (const auto& e : proto.extent()) {
    extents.push_back(e.has_length()
                          ? TensorSlice::Extent{e.start(), e.length()}
                          : TensorSlice::Extent{e.start(), TensorSlice::kFullLength});
  }
  return TensorSlice::Create(std::move(extents));
}

void SliceToProto(const TensorSlice& slice, tensorflow::TensorSliceProto* proto) {
  proto->Clear();
  for (const auto& e : slice.extents()) {
    auto* extent = proto->add_extent();
    if (e.length == TensorSlice::kFullLength) continue;
    extent->set_start(e.start);
    extent->set_length(e.length);
  }
}

}  // namespace tfckpt::internal
