// Elementwise math with TF broadcasting, comparisons, Cast, reductions,
// ArgMax/ArgMin, Range and the matrix products (Eigen).
#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <type_traits>

#include "src/kernels/kernel_util.h"
#include "src/kernels/kernels.h"
#include "src/kernels/reference.h"
#include "src/runtime/thread_pool.h"

namespace tfckpt::internal {
namespace {

using Fn = FunctionKernel::Fn;

template <typename... Ts>
struct Types {};

using FloatTypes = Types<TFCKPT_FLOAT_TYPES>;
using NumberTypes = Types<TFCKPT_NUMBER_TYPES>;
using AllTypes = Types<TFCKPT_ALL_TYPES>;
using BoolTypes = Types<bool>;

// Output element type: the input's, or bool for predicates.
enum class Out { kSame, kBool };

// Integer division and modulo by zero are errors in TF (floats give inf/nan).
enum class ZeroCheck { kNone, kIntDivisor };

Status IncompatibleShapes(const OpKernelContext* ctx, const Tensor& a,
                          const Tensor& b) {
  return InvalidArg(ctx, "Incompatible shapes: " + a.shape().DebugString() +
                             " vs. " + b.shape().DebugString());
}

Status SameDtypes(const OpKernelContext* ctx, int first, int count) {
  for (int i = first + 1; i < first + count; ++i) {
    if (ctx->input(i).dtype() != ctx->input(first).dtype()) {
      const auto& inputs = ctx->node().data_inputs();
      return InvalidArg(
          ctx, "Inputs of node " + ctx->node().name() + " have different " +
                   "dtypes: " + DataTypeString(ctx->input(first).dtype()) +
                   " from " + inputs[static_cast<size_t>(first)].ToString() +
                   " and " + DataTypeString(ctx->input(i).dtype()) + " from " +
                   inputs[static_cast<size_t>(i)].ToString());
    }
  }
  return OkStatus();
}

template <Out kOut, ZeroCheck kZero, typename... Ts, typename F>
Status RegisterBinary(KernelRegistry* r, const char* op, Types<Ts...>, F f) {
  return r->RegisterFn(op, [f](const Node&) -> StatusOr<Fn> {
    return Fn([f](OpKernelContext* ctx) -> Status {
      if (ctx->num_inputs() != 2) return InvalidArg(ctx, "expects 2 inputs");
      TFCKPT_RETURN_IF_ERROR(SameDtypes(ctx, 0, 2));
      const Tensor& a = ctx->input(0);
      const Tensor& b = ctx->input(1);
      auto dims = reference::BroadcastDims(a.shape().dims(), b.shape().dims());
      if (!dims.has_value()) return IncompatibleShapes(ctx, a, b);
      TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, TensorShape::Create(*dims));
      return DispatchTypes<Ts...>(ctx, a.dtype(), [&](auto tag) -> Status {
        using T = decltype(tag);
        using R = std::conditional_t<kOut == Out::kBool, bool, T>;
        if constexpr (kZero == ZeroCheck::kIntDivisor && std::is_integral_v<T>) {
          for (T v : b.flat<T>()) {
            if (v == 0) return InvalidArg(ctx, "Integer division by zero");
          }
        }
        TFCKPT_ASSIGN_OR_RETURN(
            Tensor out, ctx->AllocateOutput(0, DataTypeOf<R>(), shape));
        reference::BinaryBroadcast(
            a.flat<T>().data(), a.shape().dims(), b.flat<T>().data(),
            b.shape().dims(), out.mutable_flat<R>().data(), shape.dims(),
            [&f](T x, T y) -> R { return static_cast<R>(f(x, y)); });
        return OkStatus();
      });
    });
  });
}

template <typename... Ts, typename MakeF>
Status RegisterUnaryWith(KernelRegistry* r, const char* op, Types<Ts...>,
                         MakeF make) {
  return r->RegisterFn(op, [make](const Node& node) -> StatusOr<Fn> {
    auto f = make(node);
    return Fn([f](OpKernelContext* ctx) -> Status {
      if (ctx->num_inputs() != 1) return InvalidArg(ctx, "expects 1 input");
      const Tensor& x = ctx->input(0);
      return DispatchTypes<Ts...>(ctx, x.dtype(), [&](auto tag) -> Status {
        using T = decltype(tag);
        TFCKPT_ASSIGN_OR_RETURN(Tensor out,
                                ctx->AllocateOutput(0, x.dtype(), x.shape()));
        auto in = x.flat<T>();
        auto o = out.mutable_flat<T>();
        for (size_t i = 0; i < o.size(); ++i) o[i] = static_cast<T>(f(in[i]));
        return OkStatus();
      });
    });
  });
}

template <typename TypesT, typename F>
Status RegisterUnary(KernelRegistry* r, const char* op, TypesT types, F f) {
  return RegisterUnaryWith(r, op, types, [f](const Node&) { return f; });
}

template <typename T>
T FloorDivide(T x, T y) {
  if constexpr (std::is_integral_v<T>) {
    const T q = x / y;
    return (x % y != 0 && ((x < 0) != (y < 0))) ? static_cast<T>(q - 1) : q;
  } else {
    return std::floor(x / y);
  }
}

template <typename T>
T FloorModulo(T x, T y) {
  if constexpr (std::is_integral_v<T>) {
    T m = static_cast<T>(x % y);
    if (m != 0 && ((m < 0) != (y < 0))) m = static_cast<T>(m + y);
    return m;
  } else {
    T m = std::fmod(x, y);
    if (m != 0 && ((m < 0) != (y < 0))) m += y;
    return m;
  }
}

// NaN-propagating max/min, as TF's Maximum/Minimum.
template <typename T>
T Max(T x, T y) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<T>::quiet_NaN();
  }
  return x > y ? x : y;
}
template <typename T>
T Min(T x, T y) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<T>::quiet_NaN();
  }
  return x < y ? x : y;
}

template <typename T>
T Softplus(T x) {
  const T threshold = std::log(std::numeric_limits<T>::epsilon()) + T(2);
  if (x > -threshold) return x;
  if (x < threshold) return std::exp(x);
  return std::log1p(std::exp(x));
}

Status RegisterElementwise(KernelRegistry* r) {
  constexpr Out S = Out::kSame;
  constexpr Out B = Out::kBool;
  constexpr ZeroCheck N = ZeroCheck::kNone;
  constexpr ZeroCheck Z = ZeroCheck::kIntDivisor;
  auto add = [](auto x, auto y) { return x + y; };
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<S, N>(r, "Add", NumberTypes{}, add)));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<S, N>(r, "AddV2", NumberTypes{}, add)));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<S, N>(
      r, "Sub", NumberTypes{}, [](auto x, auto y) { return x - y; })));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<S, N>(
      r, "Mul", NumberTypes{}, [](auto x, auto y) { return x * y; })));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<S, N>(
      r, "RealDiv", FloatTypes{}, [](auto x, auto y) { return x / y; })));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<S, Z>(
      r, "Div", NumberTypes{}, [](auto x, auto y) { return x / y; })));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<S, Z>(
      r, "FloorDiv", NumberTypes{},
      [](auto x, auto y) { return FloorDivide(x, y); })));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<S, Z>(
      r, "FloorMod", NumberTypes{},
      [](auto x, auto y) { return FloorModulo(x, y); })));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<S, N>(
      r, "Maximum", NumberTypes{}, [](auto x, auto y) { return Max(x, y); })));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<S, N>(
      r, "Minimum", NumberTypes{}, [](auto x, auto y) { return Min(x, y); })));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<S, N>(
      r, "Pow", FloatTypes{}, [](auto x, auto y) { return std::pow(x, y); })));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<S, N>(
      r, "SquaredDifference", NumberTypes{},
      [](auto x, auto y) { return (x - y) * (x - y); })));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<B, N>(
      r, "Equal", AllTypes{}, [](auto x, auto y) { return x == y; })));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<B, N>(
      r, "NotEqual", AllTypes{}, [](auto x, auto y) { return x != y; })));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<B, N>(
      r, "Less", NumberTypes{}, [](auto x, auto y) { return x < y; })));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<B, N>(
      r, "LessEqual", NumberTypes{}, [](auto x, auto y) { return x <= y; })));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<B, N>(
      r, "Greater", NumberTypes{}, [](auto x, auto y) { return x > y; })));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<B, N>(
      r, "GreaterEqual", NumberTypes{}, [](auto x, auto y) { return x >= y; })));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<S, N>(
      r, "LogicalAnd", BoolTypes{}, [](bool x, bool y) { return x && y; })));
  TFCKPT_RETURN_IF_ERROR((RegisterBinary<S, N>(
      r, "LogicalOr", BoolTypes{}, [](bool x, bool y) { return x || y; })));

  TFCKPT_RETURN_IF_ERROR(
      RegisterUnary(r, "LogicalNot", BoolTypes{}, [](bool x) { return !x; }));
  TFCKPT_RETURN_IF_ERROR(
      RegisterUnary(r, "Neg", NumberTypes{}, [](auto x) { return -x; }));
  TFCKPT_RETURN_IF_ERROR(RegisterUnary(r, "Abs", NumberTypes{}, [](auto x) {
    return x < 0 ? -x : x;
  }));
  TFCKPT_RETURN_IF_ERROR(RegisterUnary(r, "Sign", NumberTypes{}, [](auto x) {
    return (x > 0) - (x < 0);
  }));
  TFCKPT_RETURN_IF_ERROR(
      RegisterUnary(r, "Square", NumberTypes{}, [](auto x) { return x * x; }));
  TFCKPT_RETURN_IF_ERROR(RegisterUnary(r, "Sqrt", FloatTypes{},
                                       [](auto x) { return std::sqrt(x); }));
  TFCKPT_RETURN_IF_ERROR(RegisterUnary(
      r, "Rsqrt", FloatTypes{},
      [](auto x) { return decltype(x)(1) / std::sqrt(x); }));
  TFCKPT_RETURN_IF_ERROR(RegisterUnary(r, "Exp", FloatTypes{},
                                       [](auto x) { return std::exp(x); }));
  TFCKPT_RETURN_IF_ERROR(RegisterUnary(r, "Log", FloatTypes{},
                                       [](auto x) { return std::log(x); }));
  TFCKPT_RETURN_IF_ERROR(RegisterUnary(r, "Floor", FloatTypes{},
                                       [](auto x) { return std::floor(x); }));
  TFCKPT_RETURN_IF_ERROR(RegisterUnary(r, "Ceil", FloatTypes{},
                                       [](auto x) { return std::ceil(x); }));
  TFCKPT_RETURN_IF_ERROR(RegisterUnary(
      r, "Reciprocal", FloatTypes{},
      [](auto x) { return decltype(x)(1) / x; }));
  TFCKPT_RETURN_IF_ERROR(RegisterUnary(r, "Sigmoid", FloatTypes{}, [](auto x) {
    using T = decltype(x);
    return T(1) / (T(1) + std::exp(-x));
  }));
  TFCKPT_RETURN_IF_ERROR(RegisterUnary(r, "Tanh", FloatTypes{},
                                       [](auto x) { return std::tanh(x); }));
  TFCKPT_RETURN_IF_ERROR(RegisterUnary(r, "Softplus", FloatTypes{},
                                       [](auto x) { return Softplus(x); }));
  TFCKPT_RETURN_IF_ERROR(RegisterUnary(r, "Relu", NumberTypes{}, [](auto x) {
    return x > 0 ? x : decltype(x)(0);
  }));
  TFCKPT_RETURN_IF_ERROR(RegisterUnary(r, "Relu6", NumberTypes{}, [](auto x) {
    using T = decltype(x);
    return x < 0 ? T(0) : (x > 6 ? T(6) : x);
  }));
  TFCKPT_RETURN_IF_ERROR(RegisterUnary(r, "Elu", FloatTypes{}, [](auto x) {
    return x < 0 ? std::expm1(x) : x;
  }));
  TFCKPT_RETURN_IF_ERROR(
      RegisterUnaryWith(r, "LeakyRelu", FloatTypes{}, [](const Node& node) {
        const double alpha = GetFloatAttrOr(node, "alpha", 0.2f);
        return [alpha](auto x) {
          using T = decltype(x);
          return x < 0 ? static_cast<T>(alpha) * x : x;
        };
      }));
  return OkStatus();
}

StatusOr<Fn> MakeAddN(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    if (ctx->num_inputs() < 1) return InvalidArg(ctx, "AddN needs inputs");
    TFCKPT_RETURN_IF_ERROR(SameDtypes(ctx, 0, ctx->num_inputs()));
    const Tensor& first = ctx->input(0);
    for (int i = 1; i < ctx->num_inputs(); ++i) {
      if (!(ctx->input(i).shape() == first.shape())) {
        return InvalidArg(ctx, "Inputs to operation " + ctx->node().name() +
                                   " of type AddN must have the same size "
                                   "and shape.  Input 0: " +
                                   first.shape().DebugString() + " != input " +
                                   std::to_string(i) + ": " +
                                   ctx->input(i).shape().DebugString());
      }
    }
    return DispatchTypes<TFCKPT_NUMBER_TYPES>(
        ctx, first.dtype(), [&](auto tag) -> Status {
          using T = decltype(tag);
          TFCKPT_ASSIGN_OR_RETURN(
              Tensor out, ctx->AllocateOutput(0, first.dtype(), first.shape()));
          auto o = out.mutable_flat<T>();
          std::fill(o.begin(), o.end(), T{});
          for (int i = 0; i < ctx->num_inputs(); ++i) {
            auto in = ctx->input(i).flat<T>();
            for (size_t k = 0; k < o.size(); ++k) o[k] += in[k];
          }
          return OkStatus();
        });
  });
}

// Select (cond same shape, a vector over the first dim, or a scalar) and
// SelectV2 (full broadcasting of all three).
StatusOr<Fn> MakeSelect(const Node&, bool v2) {
  return Fn([v2](OpKernelContext* ctx) -> Status {
    if (ctx->num_inputs() != 3) return InvalidArg(ctx, "expects 3 inputs");
    const Tensor& c = ctx->input(0);
    const Tensor& x = ctx->input(1);
    const Tensor& y = ctx->input(2);
    if (c.dtype() != DataType::kBool) return InvalidArg(ctx, "condition must be bool");
    TFCKPT_RETURN_IF_ERROR(SameDtypes(ctx, 1, 2));
    std::vector<int64_t> dims;
    std::vector<int64_t> ic, ix, iy;
    if (v2) {
      auto xy = reference::BroadcastDims(x.shape().dims(), y.shape().dims());
      if (!xy) return IncompatibleShapes(ctx, x, y);
      auto all = reference::BroadcastDims(c.shape().dims(), *xy);
      if (!all) return IncompatibleShapes(ctx, c, x);
      dims = *all;
      ic = reference::BroadcastIndex(c.shape().dims(), dims);
      ix = reference::BroadcastIndex(x.shape().dims(), dims);
      iy = reference::BroadcastIndex(y.shape().dims(), dims);
    } else {
      if (!(x.shape() == y.shape())) return IncompatibleShapes(ctx, x, y);
      dims.assign(x.shape().dims().begin(), x.shape().dims().end());
      const int64_t n = x.num_elements();
      const int64_t row = x.shape().rank() > 0 && x.shape().dim(0) > 0
                              ? n / x.shape().dim(0) : 1;
      const bool same = c.shape() == x.shape();
      const bool rows = c.shape().rank() == 1 && x.shape().rank() > 1 &&
                        c.shape().dim(0) == x.shape().dim(0);
      if (!same && !rows && c.shape().rank() != 0) {
        return InvalidArg(ctx, "'then' and 'else' must have the same size.  "
                               "but received: " + x.shape().DebugString() +
                                   " vs. " + c.shape().DebugString());
      }
      for (int64_t i = 0; i < n; ++i) {
        ic.push_back(same ? i : (rows ? i / row : 0));
        ix.push_back(i);
        iy.push_back(i);
      }
    }
    TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, TensorShape::Create(dims));
    if (x.dtype() == DataType::kString) {  // the sharded Saver's suffix
      std::vector<std::string> picked(ic.size());
      for (size_t i = 0; i < picked.size(); ++i) {
        picked[i] = c.flat<bool>()[static_cast<size_t>(ic[i])]
                        ? x.strings()[static_cast<size_t>(ix[i])]
                        : y.strings()[static_cast<size_t>(iy[i])];
      }
      TFCKPT_ASSIGN_OR_RETURN(Tensor out,
                              Tensor::FromStrings(shape, std::move(picked)));
      ctx->set_output(0, out);
      return OkStatus();
    }
    return DispatchTypes<TFCKPT_ALL_TYPES>(ctx, x.dtype(), [&](auto tag) -> Status {
      using T = decltype(tag);
      TFCKPT_ASSIGN_OR_RETURN(Tensor out,
                              ctx->AllocateOutput(0, x.dtype(), shape));
      auto o = out.mutable_flat<T>();
      auto cf = c.flat<bool>();
      auto xf = x.flat<T>();
      auto yf = y.flat<T>();
      for (size_t i = 0; i < o.size(); ++i) {
        o[i] = cf[static_cast<size_t>(ic[i])] ? xf[static_cast<size_t>(ix[i])]
                                              : yf[static_cast<size_t>(iy[i])];
      }
      return OkStatus();
    });
  });
}

template <typename To, typename From>
To CastValue(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From{};
  } else {
    return static_cast<To>(v);
  }
}

StatusOr<Fn> MakeCast(const Node& node) {
  TFCKPT_ASSIGN_OR_RETURN(DataType dst, GetTypeAttr(node, "DstT"));
  return Fn([dst](OpKernelContext* ctx) -> Status {
    const Tensor& x = ctx->input(0);
    if (x.dtype() == dst) {
      ctx->set_output(0, x);
      return OkStatus();
    }
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, ctx->AllocateOutput(0, dst, x.shape()));
    return DispatchTypes<TFCKPT_ALL_TYPES, uint8_t, int8_t, int16_t>(
        ctx, x.dtype(), [&](auto from_tag) -> Status {
          using From = decltype(from_tag);
          return DispatchTypes<TFCKPT_ALL_TYPES, uint8_t, int8_t, int16_t>(
              ctx, dst, [&](auto to_tag) -> Status {
                using To = decltype(to_tag);
                auto in = x.flat<From>();
                auto o = out.mutable_flat<To>();
                for (size_t i = 0; i < o.size(); ++i) {
                  o[i] = CastValue<To>(in[i]);
                }
                return OkStatus();
              });
        });
  });
}

// Reduced axes (sorted, unique) of `x` from the axis input.
StatusOr<std::vector<bool>> ReducedAxes(const OpKernelContext* ctx,
                                        const Tensor& x, const Tensor& axes) {
  TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> values,
                          IntValues(ctx, axes, "reduction_indices"));
  std::vector<bool> reduce(static_cast<size_t>(x.shape().rank()), false);
  for (int64_t a : values) {
    if (a < -x.shape().rank() || a >= x.shape().rank()) {
      return InvalidArg(ctx, "Invalid reduction dimension (" +
                                 std::to_string(a) + " for input with " +
                                 std::to_string(x.shape().rank()) +
                                 " dimension(s)");
    }
    reduce[static_cast<size_t>(a < 0 ? a + x.shape().rank() : a)] = true;
  }
  return reduce;
}

enum class Reduction { kSum, kMean, kProd, kMax, kMin };

StatusOr<Fn> MakeReduction(const Node& node, Reduction kind) {
  const bool keep_dims = GetBoolAttrOr(node, "keep_dims", false);
  return Fn([keep_dims, kind](OpKernelContext* ctx) -> Status {
    if (ctx->num_inputs() != 2) return InvalidArg(ctx, "expects 2 inputs");
    const Tensor& x = ctx->input(0);
    TFCKPT_ASSIGN_OR_RETURN(std::vector<bool> reduce,
                            ReducedAxes(ctx, x, ctx->input(1)));
    std::vector<int64_t> out_dims, kept_dims;
    for (int d = 0; d < x.shape().rank(); ++d) {
      const bool r = reduce[static_cast<size_t>(d)];
      kept_dims.push_back(r ? 1 : x.shape().dim(d));
      if (!r) out_dims.push_back(x.shape().dim(d));
      if (r && keep_dims) out_dims.push_back(1);
    }
    TFCKPT_ASSIGN_OR_RETURN(TensorShape out_shape, TensorShape::Create(out_dims));
    TFCKPT_ASSIGN_OR_RETURN(TensorShape kept, TensorShape::Create(kept_dims));
    // Output position of each input element: broadcast index in reverse.
    const std::vector<int64_t> strides = Strides(kept);
    return DispatchTypes<TFCKPT_NUMBER_TYPES>(ctx, x.dtype(), [&](auto tag) -> Status {
      using T = decltype(tag);
      TFCKPT_ASSIGN_OR_RETURN(Tensor out,
                              ctx->AllocateOutput(0, x.dtype(), out_shape));
      auto o = out.mutable_flat<T>();
      T init{};
      if (kind == Reduction::kProd) init = T(1);
      if (kind == Reduction::kMax) {
        init = std::numeric_limits<T>::has_infinity
                   ? -std::numeric_limits<T>::infinity()
                   : std::numeric_limits<T>::lowest();
      }
      if (kind == Reduction::kMin) {
        init = std::numeric_limits<T>::has_infinity
                   ? std::numeric_limits<T>::infinity()
                   : std::numeric_limits<T>::max();
      }
      std::fill(o.begin(), o.end(), init);
      auto in = x.flat<T>();
      const int rank = x.shape().rank();
      std::vector<int64_t> pos(static_cast<size_t>(rank), 0);
      int64_t offset = 0;
      for (size_t i = 0; i < in.size(); ++i) {
        T& acc = o[static_cast<size_t>(offset)];
        switch (kind) {
          case Reduction::kSum:
          case Reduction::kMean: acc = static_cast<T>(acc + in[i]); break;
          case Reduction::kProd: acc = static_cast<T>(acc * in[i]); break;
          case Reduction::kMax: acc = Max(acc, in[i]); break;
          case Reduction::kMin: acc = Min(acc, in[i]); break;
        }
        for (int d = rank - 1; d >= 0; --d) {
          const auto du = static_cast<size_t>(d);
          const int64_t step = reduce[du] ? 0 : strides[du];
          ++pos[du];
          offset += step;
          if (pos[du] < x.shape().dim(d)) break;
          offset -= step * pos[du];
          pos[du] = 0;
        }
      }
      if (kind == Reduction::kMean) {
        const int64_t count = out_shape.num_elements() == 0
                                  ? 0 : x.num_elements() / out_shape.num_elements();
        for (T& v : o) v = static_cast<T>(v / static_cast<T>(count));
      }
      return OkStatus();
    });
  });
}

StatusOr<Fn> MakeArgMinMax(const Node& node, bool is_max) {
  const DataType out_type = node.FindAttr("output_type") != nullptr
                                ? static_cast<DataType>(node.FindAttr("output_type")->type())
                                : DataType::kInt64;
  return Fn([is_max, out_type](OpKernelContext* ctx) -> Status {
    const Tensor& x = ctx->input(0);
    TFCKPT_ASSIGN_OR_RETURN(int64_t axis_value,
                            IntScalar(ctx, ctx->input(1), "dimension"));
    const int rank = x.shape().rank();
    if (rank == 0) return InvalidArg(ctx, "ArgMax/ArgMin need rank >= 1");
    TFCKPT_ASSIGN_OR_RETURN(int axis, NormalizeAxis(ctx, axis_value, rank));
    if (x.shape().dim(axis) == 0) {
      return InvalidArg(ctx, "Reduction axis " + std::to_string(axis) +
                                 " is empty in shape " + x.shape().DebugString());
    }
    std::vector<int64_t> out_dims;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < rank; ++d) {
      if (d != axis) out_dims.push_back(x.shape().dim(d));
      if (d < axis) outer *= x.shape().dim(d);
      if (d > axis) inner *= x.shape().dim(d);
    }
    const int64_t len = x.shape().dim(axis);
    TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, TensorShape::Create(out_dims));
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, ctx->AllocateOutput(0, out_type, shape));
    return DispatchTypes<TFCKPT_NUMBER_TYPES>(ctx, x.dtype(), [&](auto tag) -> Status {
      using T = decltype(tag);
      auto in = x.flat<T>();
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
          int64_t best = 0;
          for (int64_t k = 1; k < len; ++k) {
            const T v = in[static_cast<size_t>((o * len + k) * inner + i)];
            const T b = in[static_cast<size_t>((o * len + best) * inner + i)];
            if (is_max ? v > b : v < b) best = k;
          }
          const auto at = static_cast<size_t>(o * inner + i);
          if (out_type == DataType::kInt32) {
            out.mutable_flat<int32_t>()[at] = static_cast<int32_t>(best);
          } else {
            out.mutable_flat<int64_t>()[at] = best;
          }
        }
      }
      return OkStatus();
    });
  });
}

template <typename T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// c[m,n] = op(a) * op(b) with Eigen, rows split across the intra-op pool.
template <typename T>
void EigenMatMul(ThreadPool* pool, const T* a, const T* b, T* c, int64_t m,
                 int64_t k, int64_t n, bool ta, bool tb) {
  using Map = Eigen::Map<const RowMatrix<T>>;
  const Map am(a, ta ? k : m, ta ? m : k);
  const Map bm(b, tb ? n : k, tb ? k : n);
  Eigen::Map<RowMatrix<T>> cm(c, m, n);
  auto rows = [&](int64_t begin, int64_t end) {
    const Eigen::Index count = static_cast<Eigen::Index>(end - begin);
    if (ta) {
      if (tb) {
        cm.middleRows(begin, count).noalias() =
            am.transpose().middleRows(begin, count) * bm.transpose();
      } else {
        cm.middleRows(begin, count).noalias() =
            am.transpose().middleRows(begin, count) * bm;
      }
    } else if (tb) {
      cm.middleRows(begin, count).noalias() =
          am.middleRows(begin, count) * bm.transpose();
    } else {
      cm.middleRows(begin, count).noalias() = am.middleRows(begin, count) * bm;
    }
  };
  // Split only when each block has enough multiply-adds to pay for a hop.
  const int64_t min_rows = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(1, k * n));
  if (pool == nullptr) {
    rows(0, m);
  } else {
    pool->ParallelFor(m, min_rows, rows);
  }
}

StatusOr<Fn> MakeMatMul(const Node& node) {
  const bool ta = GetBoolAttrOr(node, "transpose_a", false);
  const bool tb = GetBoolAttrOr(node, "transpose_b", false);
  return Fn([ta, tb](OpKernelContext* ctx) -> Status {
    if (ctx->num_inputs() != 2) return InvalidArg(ctx, "expects 2 inputs");
    TFCKPT_RETURN_IF_ERROR(SameDtypes(ctx, 0, 2));
    const Tensor& a = ctx->input(0);
    const Tensor& b = ctx->input(1);
    if (a.shape().rank() != 2 || b.shape().rank() != 2) {
      return InvalidArg(ctx, "In[0] and In[1] must be matrices: In[0]: " +
                                 a.shape().DebugString() + ", In[1]: " +
                                 b.shape().DebugString());
    }
    const int64_t m = a.shape().dim(ta ? 1 : 0);
    const int64_t k = a.shape().dim(ta ? 0 : 1);
    const int64_t k2 = b.shape().dim(tb ? 1 : 0);
    const int64_t n = b.shape().dim(tb ? 0 : 1);
    if (k != k2) {
      return InvalidArg(ctx, "Matrix size-incompatible: In[0]: " +
                                 a.shape().DebugString() + ", In[1]: " +
                                 b.shape().DebugString());
    }
    return DispatchTypes<TFCKPT_NUMBER_TYPES>(ctx, a.dtype(), [&](auto tag) -> Status {
      using T = decltype(tag);
      TFCKPT_ASSIGN_OR_RETURN(Tensor out,
                              ctx->AllocateOutput(0, a.dtype(), TensorShape{m, n}));
      EigenMatMul<T>(ctx->intra_op_pool(), a.flat<T>().data(),
                     b.flat<T>().data(), out.mutable_flat<T>().data(), m, k, n,
                     ta, tb);
      return OkStatus();
    });
  });
}

StatusOr<Fn> MakeBatchMatMul(const Node& node) {
  const bool adj_x = GetBoolAttrOr(node, "adj_x", false);
  const bool adj_y = GetBoolAttrOr(node, "adj_y", false);
  return Fn([adj_x, adj_y](OpKernelContext* ctx) -> Status {
    TFCKPT_RETURN_IF_ERROR(SameDtypes(ctx, 0, 2));
    const Tensor& a = ctx->input(0);
    const Tensor& b = ctx->input(1);
    const int ra = a.shape().rank();
    const int rb = b.shape().rank();
    if (ra < 2 || rb < 2) {
      return InvalidArg(ctx, "In[0] and In[1] must have rank >= 2: " +
                                 a.shape().DebugString() + " vs. " +
                                 b.shape().DebugString());
    }
    auto a_dims = a.shape().dims();
    auto b_dims = b.shape().dims();
    const std::vector<int64_t> a_batch(a_dims.begin(), a_dims.end() - 2);
    const std::vector<int64_t> b_batch(b_dims.begin(), b_dims.end() - 2);
    auto batch = reference::BroadcastDims(a_batch, b_batch);
    if (!batch) return IncompatibleShapes(ctx, a, b);
    const int64_t m = a.shape().dim(adj_x ? ra - 1 : ra - 2);
    const int64_t k = a.shape().dim(adj_x ? ra - 2 : ra - 1);
    const int64_t k2 = b.shape().dim(adj_y ? rb - 1 : rb - 2);
    const int64_t n = b.shape().dim(adj_y ? rb - 2 : rb - 1);
    if (k != k2) {
      return InvalidArg(ctx, "Matrix size-incompatible: In[0]: " +
                                 a.shape().DebugString() + ", In[1]: " +
                                 b.shape().DebugString());
    }
    std::vector<int64_t> out_dims = *batch;
    out_dims.push_back(m);
    out_dims.push_back(n);
    TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, TensorShape::Create(out_dims));
    const std::vector<int64_t> ia = reference::BroadcastIndex(a_batch, *batch);
    const std::vector<int64_t> ib = reference::BroadcastIndex(b_batch, *batch);
    return DispatchTypes<TFCKPT_NUMBER_TYPES>(ctx, a.dtype(), [&](auto tag) -> Status {
      using T = decltype(tag);
      TFCKPT_ASSIGN_OR_RETURN(Tensor out, ctx->AllocateOutput(0, a.dtype(), shape));
      for (size_t i = 0; i < ia.size(); ++i) {
        EigenMatMul<T>(ctx->intra_op_pool(), a.flat<T>().data() + ia[i] * m * k,
                       b.flat<T>().data() + ib[i] * k * n,
                       out.mutable_flat<T>().data() + static_cast<int64_t>(i) * m * n,
                       m, k, n, adj_x, adj_y);
      }
      return OkStatus();
    });
  });
}

StatusOr<Fn> MakeRange(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    if (ctx->num_inputs() != 3) return InvalidArg(ctx, "expects 3 inputs");
    TFCKPT_RETURN_IF_ERROR(SameDtypes(ctx, 0, 3));
    for (int i = 0; i < 3; ++i) {
      if (ctx->input(i).num_elements() != 1) {
        return InvalidArg(ctx, "start, limit and delta must be scalars");
      }
    }
    return DispatchTypes<TFCKPT_NUMBER_TYPES>(
        ctx, ctx->input(0).dtype(), [&](auto tag) -> Status {
          using T = decltype(tag);
          const T start = ctx->input(0).flat<T>()[0];
          const T limit = ctx->input(1).flat<T>()[0];
          const T delta = ctx->input(2).flat<T>()[0];
          if (delta == 0) return InvalidArg(ctx, "Requires delta != 0: 0");
          if (delta > 0 ? start > limit : start < limit) {
            return InvalidArg(ctx, delta > 0
                                       ? "Requires start <= limit when delta > 0"
                                       : "Requires start >= limit when delta < 0");
          }
          const double count =
              std::is_integral_v<T>
                  ? std::ceil(std::abs(static_cast<double>(limit) -
                                       static_cast<double>(start)) /
                              std::abs(static_cast<double>(delta)))
                  : std::ceil(std::abs((static_cast<double>(limit) -
                                        static_cast<double>(start)) /
                                       static_cast<double>(delta)));
          if (!(count <= static_cast<double>(kMaxComputedElements))) {
            return ctx->NodeError(StatusCode::kResourceExhausted,
                                  "Range of " + std::to_string(count) +
                                      " elements is too large");
          }
          const auto size = static_cast<int64_t>(count);
          TFCKPT_ASSIGN_OR_RETURN(
              Tensor out, ctx->AllocateOutput(0, ctx->input(0).dtype(),
                                              TensorShape{size}));
          auto o = out.mutable_flat<T>();
          T v = start;
          for (T& e : o) {
            e = v;
            v = static_cast<T>(v + delta);
          }
          return OkStatus();
        });
  });
}

}  // namespace

Status RegisterMathKernels(KernelRegistry* r) {
  TFCKPT_RETURN_IF_ERROR(RegisterElementwise(r));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("AddN", MakeAddN));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("Select", [](const Node& n) { return MakeSelect(n, false); }));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("SelectV2", [](const Node& n) { return MakeSelect(n, true); }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("Cast", MakeCast));
  const std::pair<const char*, Reduction> reductions[] = {
      {"Sum", Reduction::kSum}, {"Mean", Reduction::kMean},
      {"Prod", Reduction::kProd}, {"Max", Reduction::kMax},
      {"Min", Reduction::kMin}};
  for (const auto& [op, kind] : reductions) {
    TFCKPT_RETURN_IF_ERROR(r->RegisterFn(
        op, [kind = kind](const Node& n) { return MakeReduction(n, kind); }));
  }
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn(
      "ArgMax", [](const Node& n) { return MakeArgMinMax(n, true); }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn(
      "ArgMin", [](const Node& n) { return MakeArgMinMax(n, false); }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("MatMul", MakeMatMul));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("BatchMatMulV2", MakeBatchMatMul));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("BatchMatMul", MakeBatchMatMul));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("Range", MakeRange));
  return OkStatus();
}

}  // namespace tfckpt::internal
