#include "tfckpt/tensor_shape.h"

#include <cassert>
#include <limits>

namespace tfckpt {
namespace {

// Product of dims, or -1 when a dim is negative or the product overflows.
int64_t CheckedNumElements(std::span<const int64_t> dims) {
  int64_t product = 1;
  for (const int64_t d : dims) {
    if (d < 0) return -1;
    if (d != 0 && product > std::numeric_limits<int64_t>::max() / d) {
      // Overflow only matters if no later dim is zero.
      for (const int64_t rest : dims) {
        if (rest == 0) return 0;
      }
      return -1;
    }
    product *= d;
  }
  return product;
}

}  // namespace

TensorShape::TensorShape(std::initializer_list<int64_t> dims) : dims_(dims) {
  num_elements_ = CheckedNumElements(dims_);
  assert(num_elements_ >= 0 && dims_.size() <= kMaxRank);
}

StatusOr<TensorShape> TensorShape::Create(std::span<const int64_t> dims) {
  if (dims.size() > static_cast<size_t>(kMaxRank)) {
    return InvalidArgumentError("shape has " + std::to_string(dims.size()) +
                                " dimensions; at most " +
                                std::to_string(kMaxRank) + " are allowed");
  }
  TensorShape shape;
  shape.dims_.assign(dims.begin(), dims.end());
  for (const int64_t d : dims) {
    if (d < 0) {
      return InvalidArgumentError("shape " + shape.DebugString() +
                                  " has a negative dimension");
    }
  }
  shape.num_elements_ = CheckedNumElements(dims);
  if (shape.num_elements_ < 0) {
    return InvalidArgumentError("shape " + shape.DebugString() +
                                " has more elements than fit in int64");
  }
  return shape;
}

std::string TensorShape::DebugString() const {
  std::string out = "[";
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (i > 0) out += ",";
    out += std::to_string(dims_[i]);
  }
  out += "]";
  return out;
}

}  // namespace tfckpt
