// TensorShape: the dimensions of a dense tensor, all known and non-negative.
//
//   TensorShape s{2, 5};            // trusted dims (asserted)
//   auto t = TensorShape::Create(dims_from_a_file);  // checked dims
//
// Thread safety: value type.
#ifndef TFCKPT_TENSOR_SHAPE_H_
#define TFCKPT_TENSOR_SHAPE_H_

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "tfckpt/statusor.h"

namespace tfckpt {

class TensorShape {
 public:
  // TensorFlow's limit on the number of dimensions.
  static constexpr int kMaxRank = 254;

  // A scalar (rank 0, one element).
  TensorShape() = default;
  // REQUIRES: every dim >= 0, rank <= kMaxRank, element count fits int64.
  TensorShape(std::initializer_list<int64_t> dims);

  // INVALID_ARGUMENT for a negative dim, too many dims, or an element count
  // that overflows int64.
  static StatusOr<TensorShape> Create(std::span<const int64_t> dims);

  int rank() const { return static_cast<int>(dims_.size()); }
  // REQUIRES: 0 <= i < rank().
  int64_t dim(int i) const { return dims_[static_cast<size_t>(i)]; }
  std::span<const int64_t> dims() const { return dims_; }
  int64_t num_elements() const { return num_elements_; }

  // "[2,5]"; "[]" for a scalar.
  std::string DebugString() const;

  friend bool operator==(const TensorShape& a, const TensorShape& b) {
    return a.dims_ == b.dims_;
  }

 private:
  std::vector<int64_t> dims_;
  int64_t num_elements_ = 1;
};

}  // namespace tfckpt

#endif  // TFCKPT_TENSOR_SHAPE_H_
