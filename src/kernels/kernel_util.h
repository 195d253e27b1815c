// Helpers shared by the CPU kernels: dtype dispatch, checked input access,
// TF-style error messages and checked size arithmetic.
#ifndef TFCKPT_SRC_KERNELS_KERNEL_UTIL_H_
#define TFCKPT_SRC_KERNELS_KERNEL_UTIL_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "src/runtime/op_kernel.h"
#include "tfckpt/dtype.h"
#include "tfckpt/tensor.h"

namespace tfckpt::internal {

// Element limit for tensors whose size an input decides (Fill, Tile,
// Range, ...): 2^31 elements; larger requests give RESOURCE_EXHAUSTED.
inline constexpr int64_t kMaxComputedElements = int64_t{1} << 31;

// Calls fn(T{}) for the T among Ts whose DataTypeOf<T>() is `dtype`;
// UNIMPLEMENTED naming the node otherwise.
template <typename... Ts, typename Fn>
Status DispatchTypes(const OpKernelContext* ctx, DataType dtype, Fn&& fn) {
  Status result = ctx->NodeError(
      StatusCode::kUnimplemented,
      "Op " + ctx->node().op() + " has no CPU kernel for dtype " +
          DataTypeString(dtype));
  (void)((DataTypeOf<Ts>() == dtype ? (result = fn(Ts{}), true) : false) ||
         ...);
  return result;
}

#define TFCKPT_FLOAT_TYPES float, double
#define TFCKPT_NUMBER_TYPES float, double, int32_t, int64_t
#define TFCKPT_ALL_TYPES float, double, int32_t, int64_t, bool

// INVALID_ARGUMENT with the node suffix.
inline Status InvalidArg(const OpKernelContext* ctx, const std::string& msg) {
  return ctx->NodeError(StatusCode::kInvalidArgument, msg);
}

// Checks the number of inputs and, for each given dtype that is not
// kInvalid, the input's dtype.
Status CheckInputs(const OpKernelContext* ctx,
                   const std::vector<DataType>& dtypes);

// The integer values of a 0-D or 1-D int32/int64 tensor.
StatusOr<std::vector<int64_t>> IntValues(const OpKernelContext* ctx,
                                         const Tensor& t,
                                         const std::string& what);
// A scalar int32/int64.
StatusOr<int64_t> IntScalar(const OpKernelContext* ctx, const Tensor& t,
                            const std::string& what);

// The shape with those dims, checked (negative dims, overflow) and capped
// at kMaxComputedElements (RESOURCE_EXHAUSTED).
StatusOr<TensorShape> ComputedShape(const OpKernelContext* ctx,
                                    const std::vector<int64_t>& dims);

// Row-major strides of a shape.
std::vector<int64_t> Strides(const TensorShape& shape);

// Normalizes an axis in [-rank, rank) to [0, rank).
StatusOr<int> NormalizeAxis(const OpKernelContext* ctx, int64_t axis,
                            int rank);

// Writes `dtype` values held as doubles or int64s: generic conversion.
template <typename T>
T FromDouble(double v) {
  return static_cast<T>(v);
}

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_KERNELS_KERNEL_UTIL_H_
