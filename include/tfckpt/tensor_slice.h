// TensorSlice: a rectangular region of a tensor, one extent per dimension,
// as used by partitioned variables and SaveV2's "shape_and_slices" specs.
//
//   auto s = TensorSlice::Parse("0,5:-");  // rows 0..4, every column
//
// Thread safety: value type.
#ifndef TFCKPT_TENSOR_SLICE_H_
#define TFCKPT_TENSOR_SLICE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tfckpt/statusor.h"
#include "tfckpt/tensor_shape.h"

namespace tfckpt {

class TensorSlice {
 public:
  // Length meaning "the whole dimension" (start is then 0).
  static constexpr int64_t kFullLength = -1;

  struct Extent {
    int64_t start = 0;
    int64_t length = kFullLength;
    friend bool operator==(const Extent&, const Extent&) = default;
  };

  // Rank 0: the whole of a scalar.
  TensorSlice() = default;
  // Every dimension full.
  static TensorSlice Full(int rank);
  // INVALID_ARGUMENT for a negative start or length (other than a full
  // extent with start 0), start + length overflowing, or rank > 254.
  static StatusOr<TensorSlice> Create(std::vector<Extent> extents);
  // Parses "start,length:start,length:-" ("-" = full dimension; "" = rank 0).
  static StatusOr<TensorSlice> Parse(std::string_view spec);

  int rank() const { return static_cast<int>(extents_.size()); }
  const std::vector<Extent>& extents() const { return extents_; }
  const Extent& extent(int d) const { return extents_[static_cast<size_t>(d)]; }
  bool IsFullAt(int d) const { return extent(d).length == kFullLength; }
  // True when every dimension is full.
  bool IsFull() const;
  // True when it covers all of a tensor of `shape` (full or explicit extents).
  bool Covers(const TensorShape& shape) const;

  // Shape of the region inside a tensor of `full_shape`. INVALID_ARGUMENT
  // when the ranks differ or an extent leaves the tensor.
  StatusOr<TensorShape> SliceShape(const TensorShape& full_shape) const;

  // The common region, or nullopt when they do not overlap.
  // REQUIRES: equal ranks.
  std::optional<TensorSlice> Intersect(const TensorSlice& other) const;

  // "0,5:-"; "" for rank 0.
  std::string DebugString() const;

  friend bool operator==(const TensorSlice&, const TensorSlice&) = default;

 private:
  explicit TensorSlice(std::vector<Extent> extents)
      : extents_(std::move(extents)) {}
  std::vector<Extent> extents_;
};

// Parses SaveV2's slice spec "d0 d1 ... start,len:start,len..." (full shape,
// then a slice). An empty spec means "the whole tensor" and yields nullopt.
struct ShapeAndSlice {
  TensorShape full_shape;
  TensorSlice slice;
};
StatusOr<std::optional<ShapeAndSlice>> ParseShapeAndSlice(std::string_view spec);

}  // namespace tfckpt

#endif  // TFCKPT_TENSOR_SLICE_H_
