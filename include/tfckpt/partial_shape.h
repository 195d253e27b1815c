// PartialShape: a tensor shape as far as it is known before the graph runs
// (TF's TensorShape([None, 3]) in Python, a shape with unknown dims or an
// unknown rank). Build-time shape inference and the "_output_shapes" attrs
// of exported meta graphs use it.
#ifndef TFCKPT_PARTIAL_SHAPE_H_
#define TFCKPT_PARTIAL_SHAPE_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "tensorflow/core/framework/tensor_shape.pb.h"

namespace tfckpt {

// A shape as far as it is known before the graph runs: an unknown rank, or dims of
// which some may be unknown (kUnknownDim), as TF's TensorShape([None, 3]).
class PartialShape {
 public:
  static constexpr int64_t kUnknownDim = -1;

  // Unknown rank.
  PartialShape() = default;
  // Known rank; -1 marks an unknown dim. `{}` would mean unknown rank (the
  // default constructor), so a scalar is Scalar().
  PartialShape(std::initializer_list<int64_t> dims);
  explicit PartialShape(std::vector<int64_t> dims);
  static PartialShape Unknown() { return PartialShape(); }
  static PartialShape Scalar() { return PartialShape(std::vector<int64_t>{}); }
  static PartialShape FromProto(const tensorflow::TensorShapeProto& proto);
  void ToProto(tensorflow::TensorShapeProto* proto) const;

  bool rank_known() const { return rank_known_; }
  // REQUIRES: rank_known().
  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t dim(int i) const { return dims_[static_cast<size_t>(i)]; }
  const std::vector<int64_t>& dims() const { return dims_; }
  bool fully_defined() const;
  // -1 unless fully defined.
  int64_t num_elements() const;
  // TF's notation in messages: "[2,?]", "?" for an unknown rank.
  std::string ToString() const;
  friend bool operator==(const PartialShape&, const PartialShape&) = default;

 private:
  bool rank_known_ = false;
  std::vector<int64_t> dims_;
};

}  // namespace tfckpt

#endif  // TFCKPT_PARTIAL_SHAPE_H_
