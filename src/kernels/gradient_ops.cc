// Kernels that TF's gradient functions add to a graph: the elementwise
// activation gradients (ReluGrad, SigmoidGrad, ...), DivNoNan, and the shape
// helpers (BroadcastGradientArgs, ShapeN, DynamicStitch, InvertPermutation,
// ConcatOffset, PreventGradient) and UnsortedSegmentSum (Gather's gradient).
#include <cmath>
#include <complex>
#include <cstring>
#include <limits>

#include "src/kernels/kernel_util.h"
#include "src/kernels/kernels.h"
#include "src/kernels/reference.h"

namespace tfckpt::internal {
namespace {

using Fn = FunctionKernel::Fn;

template <typename... Ts>
struct Types {};
using FloatTypes = Types<TFCKPT_FLOAT_TYPES>;
using NumberTypes = Types<TFCKPT_NUMBER_TYPES>;

// out[i] = f(a[i], b[i]) for two inputs of one dtype and shape, with f made
// per node by make(node) (so it can capture attrs).
template <typename... Ts, typename MakeF>
Status RegisterSameShapeBinary(KernelRegistry* r, const char* op, Types<Ts...>,
                               MakeF make) {
  return r->RegisterFn(op, [make](const Node& node) -> StatusOr<Fn> {
    return Fn([f = make(node)](OpKernelContext* ctx) -> Status {
      const Tensor& a = ctx->input(0);
      TFCKPT_RETURN_IF_ERROR(CheckInputs(ctx, {a.dtype(), a.dtype()}));
      const Tensor& b = ctx->input(1);
      if (!(a.shape() == b.shape())) {
        return InvalidArg(ctx, "Inputs to operation " + ctx->node().name() +
                                   " of type " + ctx->node().op() +
                                   " must have the same size and shape.  "
                                   "Input 0: " +
                                   a.shape().DebugString() +
                                   " != input 1: " + b.shape().DebugString());
      }
      return DispatchTypes<Ts...>(ctx, a.dtype(), [&](auto tag) -> Status {
        using T = decltype(tag);
        TFCKPT_ASSIGN_OR_RETURN(Tensor out,
                                ctx->AllocateOutput(0, a.dtype(), a.shape()));
        auto x = a.flat<T>();
        auto y = b.flat<T>();
        auto o = out.mutable_flat<T>();
        for (size_t i = 0; i < o.size(); ++i)
          o[i] = static_cast<T>(f(x[i], y[i]));
        return OkStatus();
      });
    });
  });
}

template <typename TypesT, typename F>
Status RegisterGrad(KernelRegistry* r, const char* op, TypesT types, F f) {
  return RegisterSameShapeBinary(r, op, types, [f](const Node&) { return f; });
}

// The formulas and their operation order are TF's CPU functors', so
// float results match TF's bit for bit where no library call differs.
Status RegisterActivationGrads(KernelRegistry* r) {
  // (gradients, features) -> backprops.
  TFCKPT_RETURN_IF_ERROR(
      RegisterGrad(r, "ReluGrad", NumberTypes{},
                   [](auto g, auto x) { return x > 0 ? g : decltype(g)(0); }));
  TFCKPT_RETURN_IF_ERROR(RegisterGrad(
      r, "Relu6Grad", NumberTypes{},
      [](auto g, auto x) { return x > 0 && x < 6 ? g : decltype(g)(0); }));
  TFCKPT_RETURN_IF_ERROR(RegisterGrad(
      r, "SoftplusGrad", FloatTypes{},
      [](auto g, auto x) { return g / (std::exp(-x) + decltype(g)(1)); }));
  TFCKPT_RETURN_IF_ERROR(RegisterSameShapeBinary(
      r, "LeakyReluGrad", FloatTypes{}, [](const Node& node) {
        const double alpha = GetFloatAttrOr(node, "alpha", 0.2f);
        return [alpha](auto g, auto x) {
          using T = decltype(g);
          return x > 0 ? g : static_cast<T>(alpha) * g;
        };
      }));
  // (gradients, outputs) -> backprops.
  TFCKPT_RETURN_IF_ERROR(RegisterGrad(
      r, "EluGrad", FloatTypes{},
      [](auto g, auto y) { return y < 0 ? g * (y + decltype(g)(1)) : g; }));
  // (y, dy) -> z, where y is the forward op's output.
  TFCKPT_RETURN_IF_ERROR(RegisterGrad(
      r, "SigmoidGrad", FloatTypes{},
      [](auto y, auto dy) { return dy * y * (decltype(y)(1) - y); }));
  TFCKPT_RETURN_IF_ERROR(RegisterGrad(
      r, "TanhGrad", FloatTypes{},
      [](auto y, auto dy) { return dy * (decltype(y)(1) - y * y); }));
  TFCKPT_RETURN_IF_ERROR(
      RegisterGrad(r, "ReciprocalGrad", FloatTypes{},
                   [](auto y, auto dy) { return -dy * y * y; }));
  TFCKPT_RETURN_IF_ERROR(
      RegisterGrad(r, "RsqrtGrad", FloatTypes{}, [](auto y, auto dy) {
        using T = decltype(y);
        return T(-0.5) * (dy * y) * (y * y);
      }));
  TFCKPT_RETURN_IF_ERROR(
      RegisterGrad(r, "SqrtGrad", FloatTypes{}, [](auto y, auto dy) {
        using T = decltype(y);
        return T(0.5) * dy / y;
      }));
  return OkStatus();
}

// x / y with broadcasting, 0 where y == 0.
StatusOr<Fn> MakeDivNoNan(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    const Tensor& a = ctx->input(0);
    TFCKPT_RETURN_IF_ERROR(CheckInputs(ctx, {a.dtype(), a.dtype()}));
    const Tensor& b = ctx->input(1);
    auto dims = reference::BroadcastDims(a.shape().dims(), b.shape().dims());
    if (!dims.has_value()) {
      return InvalidArg(ctx, "Incompatible shapes: " + a.shape().DebugString() +
                                 " vs. " + b.shape().DebugString());
    }
    TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, TensorShape::Create(*dims));
    return DispatchTypes<TFCKPT_FLOAT_TYPES>(
        ctx, a.dtype(), [&](auto tag) -> Status {
          using T = decltype(tag);
          TFCKPT_ASSIGN_OR_RETURN(Tensor out,
                                  ctx->AllocateOutput(0, a.dtype(), shape));
          reference::BinaryBroadcast(
              a.flat<T>().data(), a.shape().dims(), b.flat<T>().data(),
              b.shape().dims(), out.mutable_flat<T>().data(), shape.dims(),
              [](T x, T y) { return y == T(0) ? T(0) : x / y; });
          return OkStatus();
        });
  });
}

// An int32/int64 vector output holding `values`.
Status SetIntVector(OpKernelContext* ctx, int index, DataType dtype,
                    const std::vector<int64_t>& values) {
  TFCKPT_ASSIGN_OR_RETURN(
      Tensor out,
      ctx->AllocateOutput(index, dtype,
                          TensorShape{static_cast<int64_t>(values.size())}));
  if (dtype == DataType::kInt32) {
    auto o = out.mutable_flat<int32_t>();
    for (size_t i = 0; i < values.size(); ++i)
      o[i] = static_cast<int32_t>(values[i]);
  } else {
    auto o = out.mutable_flat<int64_t>();
    std::copy(values.begin(), values.end(), o.begin());
  }
  return OkStatus();
}

// "[2,3]": the values of a shape vector, as TF prints them.
std::string DimsText(const Tensor& shape) {
  std::string text = "[";
  const auto append = [&text](auto values) {
    for (size_t i = 0; i < values.size(); ++i) {
      text += (i > 0 ? "," : "") + std::to_string(values[i]);
    }
  };
  if (shape.dtype() == DataType::kInt32) {
    append(shape.flat<int32_t>());
  } else {
    append(shape.flat<int64_t>());
  }
  return text + "]";
}

// The axes each of two broadcast operands was stretched along (TF's BCast
// reduction indices): for shapes padded with leading 1s to the same rank,
// axis k belongs to operand i when its padded dim k is 1 (also when both
// are 1), unless the two shapes are equal.
StatusOr<Fn> MakeBroadcastGradientArgs(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    const Tensor& s0 = ctx->input(0);
    TFCKPT_RETURN_IF_ERROR(CheckInputs(ctx, {s0.dtype(), s0.dtype()}));
    TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> a, IntValues(ctx, s0, "s0"));
    TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> b,
                            IntValues(ctx, ctx->input(1), "s1"));
    std::vector<int64_t> r0, r1;
    if (a == b) {
      // Equal shapes were not broadcast: nothing to reduce, even for 1s.
      TFCKPT_RETURN_IF_ERROR(SetIntVector(ctx, 0, s0.dtype(), r0));
      return SetIntVector(ctx, 1, s0.dtype(), r1);
    }
    const size_t rank = std::max(a.size(), b.size());
    a.insert(a.begin(), rank - a.size(), 1);
    b.insert(b.begin(), rank - b.size(), 1);
    for (size_t k = 0; k < rank; ++k) {
      if (a[k] != b[k] && a[k] != 1 && b[k] != 1) {
        return InvalidArg(ctx, "Incompatible shapes: " + DimsText(s0) +
                                   " vs. " + DimsText(ctx->input(1)));
      }
      if (a[k] == 1) r0.push_back(static_cast<int64_t>(k));
      if (b[k] == 1) r1.push_back(static_cast<int64_t>(k));
    }
    TFCKPT_RETURN_IF_ERROR(SetIntVector(ctx, 0, s0.dtype(), r0));
    return SetIntVector(ctx, 1, s0.dtype(), r1);
  });
}

StatusOr<Fn> MakeShapeN(const Node& node) {
  const DataType out_type =
      node.FindAttr("out_type") != nullptr
          ? static_cast<DataType>(node.FindAttr("out_type")->type())
          : DataType::kInt32;
  if (out_type != DataType::kInt32 && out_type != DataType::kInt64) {
    return InvalidArgumentError("Node '" + node.name() +
                                "': out_type must be int32 or int64");
  }
  return Fn([out_type](OpKernelContext* ctx) -> Status {
    for (int i = 0; i < ctx->num_inputs(); ++i) {
      const auto dims = ctx->input(i).shape().dims();
      if (out_type == DataType::kInt32) {
        for (int64_t d : dims) {
          if (d > std::numeric_limits<int32_t>::max()) {
            return InvalidArg(ctx, "ShapeN output type is 32-bit but dim " +
                                       std::to_string(d) + " of input " +
                                       std::to_string(i) + " is too large");
          }
        }
      }
      TFCKPT_RETURN_IF_ERROR(SetIntVector(
          ctx, i, out_type, std::vector<int64_t>(dims.begin(), dims.end())));
    }
    return OkStatus();
  });
}

// merged[indices[m][i], ...] = data[m][i, ...]; later pairs win. Rows no
// index names are zero.
StatusOr<Fn> MakeDynamicStitch(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    const int n = ctx->num_inputs() / 2;
    if (n < 1 || ctx->num_inputs() != 2 * n) {
      return InvalidArg(ctx, "DynamicStitch needs N indices and N data inputs");
    }
    const Tensor& first = ctx->input(n);
    const Tensor& first_indices = ctx->input(0);
    if (first.dtype() == DataType::kString) {
      return ctx->NodeError(StatusCode::kUnimplemented,
                            "DynamicStitch of strings is not supported");
    }
    if (first.shape().rank() < first_indices.shape().rank()) {
      return InvalidArg(ctx, "data[0].shape = " + first.shape().DebugString() +
                                 " does not start with indices[0].shape = " +
                                 first_indices.shape().DebugString());
    }
    // Element shape: data[0]'s dims after those of indices[0].
    const auto first_dims = first.shape().dims();
    const std::vector<int64_t> element(
        first_dims.begin() + first_indices.shape().rank(), first_dims.end());
    int64_t element_size = 1;
    for (int64_t d : element) element_size *= d;
    int64_t max_index = -1;
    for (int m = 0; m < n; ++m) {
      const Tensor& indices = ctx->input(m);
      const Tensor& data = ctx->input(n + m);
      if (indices.dtype() != DataType::kInt32) {
        return InvalidArg(ctx,
                          "indices[" + std::to_string(m) + "] must be int32");
      }
      if (data.dtype() != first.dtype()) {
        return InvalidArg(ctx, "data[" + std::to_string(m) + "] has dtype " +
                                   DataTypeString(data.dtype()) +
                                   ", expected " +
                                   DataTypeString(first.dtype()));
      }
      std::vector<int64_t> expected(indices.shape().dims().begin(),
                                    indices.shape().dims().end());
      expected.insert(expected.end(), element.begin(), element.end());
      const auto got = data.shape().dims();
      if (!std::equal(expected.begin(), expected.end(), got.begin(),
                      got.end())) {
        return InvalidArg(
            ctx, "data[" + std::to_string(m) +
                     "].shape = " + data.shape().DebugString() +
                     " does not start with indices[" + std::to_string(m) +
                     "].shape = " + indices.shape().DebugString());
      }
      for (int32_t index : indices.flat<int32_t>()) {
        if (index < 0) {
          return InvalidArg(ctx, "DynamicStitch: index " +
                                     std::to_string(index) + " in indices[" +
                                     std::to_string(m) + "] is negative");
        }
        max_index = std::max<int64_t>(max_index, index);
      }
    }
    std::vector<int64_t> out_dims = {max_index + 1};
    out_dims.insert(out_dims.end(), element.begin(), element.end());
    TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, ComputedShape(ctx, out_dims));
    TFCKPT_ASSIGN_OR_RETURN(Tensor out,
                            ctx->AllocateOutput(0, first.dtype(), shape));
    const size_t row_bytes =
        static_cast<size_t>(element_size) * DataTypeSize(first.dtype());
    auto* dst = static_cast<char*>(out.mutable_data());
    if (out.byte_size() > 0) std::memset(dst, 0, out.byte_size());
    for (int m = 0; m < n; ++m) {
      const auto* src = static_cast<const char*>(ctx->input(n + m).data());
      size_t row = 0;
      for (int32_t index : ctx->input(m).flat<int32_t>()) {
        if (row_bytes > 0) {
          std::memcpy(dst + static_cast<size_t>(index) * row_bytes,
                      src + row * row_bytes, row_bytes);
        }
        ++row;
      }
    }
    return OkStatus();
  });
}

StatusOr<Fn> MakeInvertPermutation(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    const Tensor& x = ctx->input(0);
    if (x.shape().rank() != 1) {
      return InvalidArg(ctx, "invert_permutation expects a 1D vector.");
    }
    TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> perm, IntValues(ctx, x, "x"));
    const auto n = static_cast<int64_t>(perm.size());
    std::vector<int64_t> inverse(perm.size(), -1);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t d = perm[static_cast<size_t>(i)];
      if (d < 0 || d >= n) {
        return InvalidArg(ctx, std::to_string(d) + " is not between 0 and " +
                                   std::to_string(n));
      }
      if (inverse[static_cast<size_t>(d)] != -1) {
        return InvalidArg(ctx,
                          std::to_string(d) + " is duplicated in the input.");
      }
      inverse[static_cast<size_t>(d)] = i;
    }
    return SetIntVector(ctx, 0, x.dtype(), inverse);
  });
}

// The offset of each input of a concatenation along concat_dim: zeros but
// at the axis, where each offset sums the sizes of the inputs before it.
StatusOr<Fn> MakeConcatOffset(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    const int n = ctx->num_inputs() - 1;
    TFCKPT_ASSIGN_OR_RETURN(int64_t axis_value,
                            IntScalar(ctx, ctx->input(0), "concat_dim"));
    if (n < 2) return InvalidArg(ctx, "ConcatOffset needs at least 2 shapes");
    std::vector<std::vector<int64_t>> shapes;
    for (int i = 0; i < n; ++i) {
      const Tensor& shape = ctx->input(i + 1);
      if (shape.shape().rank() != 1) {
        return InvalidArg(ctx, "input " + std::to_string(i) +
                                   " should be a vector, but got shape " +
                                   shape.shape().DebugString());
      }
      TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> dims,
                              IntValues(ctx, shape, "shape"));
      if (!shapes.empty() && dims.size() != shapes[0].size()) {
        return InvalidArg(ctx, "input " + std::to_string(i) +
                                   " should contain " +
                                   std::to_string(shapes[0].size()) +
                                   " elements, but got " +
                                   std::to_string(dims.size()));
      }
      shapes.push_back(std::move(dims));
    }
    const auto rank = static_cast<int64_t>(shapes[0].size());
    const int64_t axis = axis_value < 0 ? axis_value + rank : axis_value;
    if (axis < 0 || axis >= rank) {
      return InvalidArg(ctx, "Concat dim is out of range: " +
                                 std::to_string(axis_value) + " vs. " +
                                 std::to_string(rank));
    }
    int64_t offset = 0;
    for (int i = 0; i < n; ++i) {
      const auto& dims = shapes[static_cast<size_t>(i)];
      for (int64_t d = 0; d < rank; ++d) {
        const auto ud = static_cast<size_t>(d);
        if (d != axis && dims[ud] != shapes[0][ud]) {
          return InvalidArg(ctx, "All dimensions except " +
                                     std::to_string(axis) +
                                     " must match. Input " + std::to_string(i) +
                                     " has shape " + DimsText(ctx->input(i + 1)) +
                                     " and doesn't match input 0 with shape " +
                                     DimsText(ctx->input(1)) + ".");
        }
      }
      std::vector<int64_t> offsets(dims.size(), 0);
      offsets[static_cast<size_t>(axis)] = offset;
      offset += dims[static_cast<size_t>(axis)];
      TFCKPT_RETURN_IF_ERROR(
          SetIntVector(ctx, i, ctx->input(i + 1).dtype(), offsets));
    }
    return OkStatus();
  });
}

// output[segment_ids[i], ...] = sum of data[i, ...]: segment_ids covers the
// leading dims of data; negative ids are dropped, as TF's CPU kernel does.
StatusOr<Fn> MakeUnsortedSegmentSum(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    const Tensor& data = ctx->input(0);
    const Tensor& ids = ctx->input(1);
    TFCKPT_ASSIGN_OR_RETURN(int64_t num_segments,
                            IntScalar(ctx, ctx->input(2), "num_segments"));
    if (num_segments < 0) {
      return InvalidArg(ctx, "Input num_segments == " +
                                 std::to_string(num_segments) +
                                 " must not be negative.");
    }
    const int id_rank = ids.shape().rank();
    bool prefix = id_rank <= data.shape().rank();
    for (int d = 0; prefix && d < id_rank; ++d)
      prefix = ids.shape().dim(d) == data.shape().dim(d);
    if (!prefix) {
      return InvalidArg(ctx, "data.shape = " + data.shape().DebugString() +
                                 " does not start with segment_ids.shape = " +
                                 ids.shape().DebugString());
    }
    std::vector<int64_t> dims = {num_segments};
    for (int d = id_rank; d < data.shape().rank(); ++d)
      dims.push_back(data.shape().dim(d));
    TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, ComputedShape(ctx, dims));
    TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> segment_of,
                            IntValues(ctx, ids, "segment_ids"));
    return DispatchTypes<float, double, int32_t, int64_t, Half, BFloat16,
                         std::complex<float>, std::complex<double>>(
        ctx, data.dtype(), [&](auto tag) -> Status {
          using T = decltype(tag);
          using A = ArithmeticType<T>;
          TFCKPT_ASSIGN_OR_RETURN(Tensor out,
                                  Tensor::Zeros(data.dtype(), shape));
          auto o = out.mutable_flat<T>();
          auto in = data.flat<T>();
          const size_t row = segment_of.empty() ? 0 : in.size() / segment_of.size();
          for (size_t i = 0; i < segment_of.size(); ++i) {
            const int64_t segment = segment_of[i];
            if (segment < 0) continue;
            if (segment >= num_segments) {
              return InvalidArg(ctx, "segment_ids[" + std::to_string(i) +
                                         "] = " + std::to_string(segment) +
                                         " is out of range [0, " +
                                         std::to_string(num_segments) + ")");
            }
            T* target = o.data() + static_cast<size_t>(segment) * row;
            for (size_t k = 0; k < row; ++k)
              target[k] = T(A(target[k]) + A(in[i * row + k]));
          }
          ctx->set_output(0, out);
          return OkStatus();
        });
  });
}

StatusOr<Fn> MakePreventGradient(const Node&) {
  return Fn([](OpKernelContext* ctx) {
    ctx->set_output(0, ctx->input(0));
    return OkStatus();
  });
}

}  // namespace

Status RegisterGradientKernels(KernelRegistry* r) {
  TFCKPT_RETURN_IF_ERROR(RegisterActivationGrads(r));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("DivNoNan", MakeDivNoNan));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("BroadcastGradientArgs", MakeBroadcastGradientArgs));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("ShapeN", MakeShapeN));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("DynamicStitch", MakeDynamicStitch));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("InvertPermutation", MakeInvertPermutation));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("PreventGradient", MakePreventGradient));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("ConcatOffset", MakeConcatOffset));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("UnsortedSegmentSum", MakeUnsortedSegmentSum));
  return OkStatus();
}

}  // namespace tfckpt::internal
