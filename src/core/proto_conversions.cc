#include "src/core/proto_conversions.h"

#include <algorithm>
#include <span>
#include <string>
#include <vector>

namespace tfckpt::internal {
namespace {

// Copies `n` typed values into `out`, repeating the last as TF does for
// short *_val lists.
template <typename T, typename Repeated>
Status FillRepeated(const Repeated& values, Tensor* out) {
  std::span<T> dst = out->mutable_flat<T>();
  if (dst.empty()) return OkStatus();
  if (values.empty()) {
    std::fill(dst.begin(), dst.end(), T{});
    return OkStatus();
  }
  if (static_cast<size_t>(values.size()) > dst.size()) {
    return InvalidArgumentError("TensorProto has " +
                                std::to_string(values.size()) +
                                " values for a tensor of " +
                                std::to_string(dst.size()) + " elements");
  }
  size_t i = 0;
  for (const auto& v : values) dst[i++] = static_cast<T>(v);
  const T last = dst[i - 1];
  for (; i < dst.size(); ++i) dst[i] = last;
  return OkStatus();
}

}  // namespace

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

StatusOr<Tensor> TensorFromProto(const tensorflow::TensorProto& proto) {
  TFCKPT_ASSIGN_OR_RETURN(TensorShape shape,
                          ShapeFromProto(proto.tensor_shape()));
  const auto dtype = static_cast<DataType>(proto.dtype());
  if (dtype == DataType::kString) {
    const auto n = static_cast<size_t>(shape.num_elements());
    if (static_cast<size_t>(proto.string_val_size()) > n) {
      return InvalidArgumentError("TensorProto has too many string values");
    }
    std::vector<std::string> values(proto.string_val().begin(),
                                    proto.string_val().end());
    // A short list repeats its last value; no values means empty strings.
    const std::string last = values.empty() ? std::string() : values.back();
    values.resize(n, last);
    return Tensor::FromStrings(shape, std::move(values));
  }
  if (!proto.tensor_content().empty()) {
    return Tensor::FromBytes(dtype, shape, proto.tensor_content());
  }
  TFCKPT_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(dtype, shape));
  switch (dtype) {
    case DataType::kFloat:
      TFCKPT_RETURN_IF_ERROR(FillRepeated<float>(proto.float_val(), &t));
      break;
    case DataType::kDouble:
      TFCKPT_RETURN_IF_ERROR(FillRepeated<double>(proto.double_val(), &t));
      break;
    case DataType::kInt32:
      TFCKPT_RETURN_IF_ERROR(FillRepeated<int32_t>(proto.int_val(), &t));
      break;
    case DataType::kInt16:
      TFCKPT_RETURN_IF_ERROR(FillRepeated<int16_t>(proto.int_val(), &t));
      break;
    case DataType::kInt8:
      TFCKPT_RETURN_IF_ERROR(FillRepeated<int8_t>(proto.int_val(), &t));
      break;
    case DataType::kUInt8:
      TFCKPT_RETURN_IF_ERROR(FillRepeated<uint8_t>(proto.int_val(), &t));
      break;
    case DataType::kInt64:
      TFCKPT_RETURN_IF_ERROR(FillRepeated<int64_t>(proto.int64_val(), &t));
      break;
    case DataType::kBool:
      TFCKPT_RETURN_IF_ERROR(FillRepeated<bool>(proto.bool_val(), &t));
      break;
    default:
      return UnimplementedError("Const of dtype " +
                                std::string(DataTypeName(dtype)) +
                                " without tensor_content is not supported");
  }
  return t;
}

void TensorToProto(const Tensor& tensor, tensorflow::TensorProto* proto) {
  proto->Clear();
  proto->set_dtype(static_cast<tensorflow::DataType>(tensor.dtype()));
  ShapeToProto(tensor.shape(), proto->mutable_tensor_shape());
  if (tensor.dtype() == DataType::kString) {
    for (const std::string& s : tensor.strings()) proto->add_string_val(s);
  } else {
    proto->set_tensor_content(std::string(tensor.bytes()));
  }
}

}  // namespace tfckpt::internal
