#include "tfckpt/partial_shape.h"

#include <algorithm>
#include <utility>

namespace tfckpt {

PartialShape::PartialShape(std::initializer_list<int64_t> dims)
    : rank_known_(true), dims_(dims) {}
PartialShape::PartialShape(std::vector<int64_t> dims)
    : rank_known_(true), dims_(std::move(dims)) {}

PartialShape PartialShape::FromProto(const tensorflow::TensorShapeProto& proto) {
  if (proto.unknown_rank()) return PartialShape();
  std::vector<int64_t> dims;
  for (const auto& dim : proto.dim()) dims.push_back(dim.size() < 0 ? kUnknownDim : dim.size());
  return PartialShape(std::move(dims));
}

void PartialShape::ToProto(tensorflow::TensorShapeProto* proto) const {
  proto->Clear();
  if (!rank_known_) {
    proto->set_unknown_rank(true);
    return;
  }
  for (int64_t d : dims_) proto->add_dim()->set_size(d);
}

bool PartialShape::fully_defined() const {
  return rank_known_ && std::all_of(dims_.begin(), dims_.end(), [](int64_t d) { return d >= 0; });
}

int64_t PartialShape::num_elements() const {
  if (!fully_defined()) return -1;
  int64_t n = 1;
  for (int64_t d : dims_) n *= d;
  return n;
}

std::string PartialShape::ToString() const {
  if (!rank_known_) return "?";
  std::string out = "[";
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (i > 0) out += ",";
    out += dims_[i] < 0 ? "?" : std::to_string(dims_[i]);
  }
  return out + "]";
}

}  // namespace tfckpt
