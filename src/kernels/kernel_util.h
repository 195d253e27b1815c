// Helpers shared by the CPU kernels: dtype dispatch, checked input access,
// TF-style error messages and checked size arithmetic.
#ifndef TFCKPT_SRC_KERNELS_KERNEL_UTIL_H_
#define TFCKPT_SRC_KERNELS_KERNEL_UTIL_H_

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
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

// Arithmetic on half or bfloat16 the way Eigen does it on CPU: every
// operation runs in float and its result is rounded back to the 16-bit type,
// so a kernel written once for T gives TF's 16-bit results too.
template <typename Storage>
class Rounded16 {
 public:
  Rounded16() = default;
  Rounded16(Storage value) : value_(value) {}  // NOLINT: implicit
  template <typename N>
    requires std::is_arithmetic_v<N>
  explicit Rounded16(N value) : value_(Narrow(static_cast<float>(value))) {}
  operator Storage() const { return value_; }  // NOLINT: implicit

  float ToFloat() const {
    if constexpr (std::is_same_v<Storage, Half>) {
      return HalfToFloat(value_);
    } else {
      return BFloat16ToFloat(value_);
    }
  }
  friend Rounded16 operator+(Rounded16 a, Rounded16 b) {
    return Rounded16(a.ToFloat() + b.ToFloat());
  }
  friend Rounded16 operator-(Rounded16 a, Rounded16 b) {
    return Rounded16(a.ToFloat() - b.ToFloat());
  }
  friend Rounded16 operator*(Rounded16 a, Rounded16 b) {
    return Rounded16(a.ToFloat() * b.ToFloat());
  }
  friend Rounded16 operator/(Rounded16 a, Rounded16 b) {
    return Rounded16(a.ToFloat() / b.ToFloat());
  }
  friend Rounded16 operator-(Rounded16 a) { return Rounded16(-a.ToFloat()); }
  Rounded16& operator+=(Rounded16 b) { return *this = *this + b; }
  Rounded16& operator-=(Rounded16 b) { return *this = *this - b; }
  friend Rounded16 sqrt(Rounded16 a) { return Rounded16(std::sqrt(a.ToFloat())); }

 private:
  static Storage Narrow(float f) {
    if constexpr (std::is_same_v<Storage, Half>) {
      return FloatToHalf(f);
    } else {
      return FloatToBFloat16(f);
    }
  }
  Storage value_{};
};

// The type a kernel computes T's elements in: T itself, or Rounded16.
template <typename T>
struct ArithmeticOf {
  using type = T;
};
template <>
struct ArithmeticOf<Half> {
  using type = Rounded16<Half>;
};
template <>
struct ArithmeticOf<BFloat16> {
  using type = Rounded16<BFloat16>;
};
template <typename T>
using ArithmeticType = typename ArithmeticOf<T>::type;

// A real element's value as a double (arithmetic types, half, bfloat16).
template <typename T>
double AsDouble(T value) {
  if constexpr (std::is_arithmetic_v<T>) {
    return static_cast<double>(value);
  } else {
    return Rounded16<T>(value).ToFloat();
  }
}

// Writes `dtype` values held as doubles or int64s: generic conversion.
template <typename T>
T FromDouble(double v) {
  return static_cast<T>(v);
}

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_KERNELS_KERNEL_UTIL_H_
