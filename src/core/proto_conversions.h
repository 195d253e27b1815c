// Conversions between tfckpt value types and their TensorFlow protos. The
// From* direction validates untrusted input.
#ifndef TFCKPT_SRC_CORE_PROTO_CONVERSIONS_H_
#define TFCKPT_SRC_CORE_PROTO_CONVERSIONS_H_

#include "tensorflow/core/framework/tensor.pb.h"
#include "tensorflow/core/framework/tensor_shape.pb.h"
#include "tensorflow/core/framework/tensor_slice.pb.h"
#include "tfckpt/statusor.h"
#include "tfckpt/tensor.h"
#include "tfckpt/tensor_shape.h"
#include "tfckpt/tensor_slice.h"

namespace tfckpt::internal {

// INVALID_ARGUMENT for unknown rank, unknown (-1) or negative dims, too many
// dims, or an element count that overflows.
StatusOr<TensorShape> ShapeFromProto(const tensorflow::TensorShapeProto& proto);
void ShapeToProto(const TensorShape& shape, tensorflow::TensorShapeProto* proto);

// A missing length means a full extent.
StatusOr<TensorSlice> SliceFromProto(const tensorflow::TensorSliceProto& proto);
void SliceToProto(const TensorSlice& slice, tensorflow::TensorSliceProto* proto);

// A TensorProto (Const's value) as a Tensor: tensor_content or the typed
// *_val fields, a short list repeating its last value as TF does.
// INVALID_ARGUMENT for a bad shape, a content size that does not match, or a
// dtype without a conversion.
StatusOr<Tensor> TensorFromProto(const tensorflow::TensorProto& proto);
// The inverse, with tensor_content for fixed-size types.
void TensorToProto(const Tensor& tensor, tensorflow::TensorProto* proto);

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_CORE_PROTO_CONVERSIONS_H_
