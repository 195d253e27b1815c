#include "src/kernels/kernel_util.h"

namespace tfckpt::internal {

Status CheckInputs(const OpKernelContext* ctx,
                   const std::vector<DataType>& dtypes) {
  if (ctx->num_inputs() != static_cast<int>(dtypes.size())) {
    return InvalidArg(ctx, "Op " + ctx->node().op() + " expects " +
                               std::to_string(dtypes.size()) +
                               " inputs, got " +
                               std::to_string(ctx->num_inputs()));
  }
  for (size_t i = 0; i < dtypes.size(); ++i) {
    const DataType got = ctx->input(static_cast<int>(i)).dtype();
    if (dtypes[i] != DataType::kInvalid && got != dtypes[i]) {
      const TensorId& from = ctx->node().data_inputs()[i];
      return InvalidArg(ctx, "Input " + std::to_string(i) + " of node " +
                                 ctx->node().name() + " was passed " +
                                 DataTypeString(got) + " from " +
                                 from.ToString() + " incompatible with " +
                                 "expected " + DataTypeString(dtypes[i]) +
                                 ".");
    }
  }
  return OkStatus();
}

StatusOr<std::vector<int64_t>> IntValues(const OpKernelContext* ctx,
                                         const Tensor& t,
                                         const std::string& what) {
  if (t.shape().rank() > 1) {
    return InvalidArg(ctx, what + " must be a scalar or vector, got shape " +
                               t.shape().DebugString());
  }
  std::vector<int64_t> values;
  if (t.dtype() == DataType::kInt32) {
    for (int32_t v : t.flat<int32_t>()) values.push_back(v);
  } else if (t.dtype() == DataType::kInt64) {
    for (int64_t v : t.flat<int64_t>()) values.push_back(v);
  } else {
    return InvalidArg(ctx, what + " must be int32 or int64, got " +
                               DataTypeString(t.dtype()));
  }
  return values;
}

StatusOr<int64_t> IntScalar(const OpKernelContext* ctx, const Tensor& t,
                            const std::string& what) {
  if (t.num_elements() != 1) {
    return InvalidArg(ctx, what + " must be a scalar, got shape " +
                               t.shape().DebugString());
  }
  TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> v, IntValues(ctx, t, what));
  return v[0];
}

StatusOr<TensorShape> ComputedShape(const OpKernelContext* ctx,
                                    const std::vector<int64_t>& dims) {
  auto shape = TensorShape::Create(dims);
  if (!shape.ok()) return InvalidArg(ctx, shape.status().message());
  if (shape->num_elements() > kMaxComputedElements) {
    return ctx->NodeError(StatusCode::kResourceExhausted,
                          "OOM when allocating tensor with shape " +
                              shape->DebugString());
  }
  return shape;
}

std::vector<int64_t> Strides(const TensorShape& shape) {
  std::vector<int64_t> strides(static_cast<size_t>(shape.rank()), 1);
  for (int i = shape.rank() - 2; i >= 0; --i) {
    strides[static_cast<size_t>(i)] =
        strides[static_cast<size_t>(i) + 1] * shape.dim(i + 1);
  }
  return strides;
}

StatusOr<int> NormalizeAxis(const OpKernelContext* ctx, int64_t axis,
                            int rank) {
  if (axis < -rank || axis >= std::max(rank, 1)) {
    return InvalidArg(ctx, "Expected axis in the range [" +
                               std::to_string(-rank) + ", " +
                               std::to_string(rank) + "), but got " +
                               std::to_string(axis));
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

}  // namespace tfckpt::internal
