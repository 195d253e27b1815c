// Shape and layout kernels. They move elements as raw bytes, so one
// implementation serves every fixed-size dtype.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "src/kernels/kernel_util.h"
#include "src/kernels/kernels.h"

namespace tfckpt::internal {
namespace {

using Fn = FunctionKernel::Fn;

StatusOr<Tensor> Reshaped(const OpKernelContext*, const Tensor& x,
                          const TensorShape& shape) {
  if (x.dtype() == DataType::kString) {
    return Tensor::FromStrings(shape, x.strings());
  }
  return Tensor::FromBytes(x.dtype(), shape, x.bytes());
}

Tensor IntVector(DataType dtype, const std::vector<int64_t>& values,
                 bool scalar) {
  const TensorShape shape =
      scalar ? TensorShape{} : TensorShape{static_cast<int64_t>(values.size())};
  Tensor t = *Tensor::Allocate(dtype, shape);
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == DataType::kInt32) {
      t.mutable_flat<int32_t>()[i] = static_cast<int32_t>(values[i]);
    } else {
      t.mutable_flat<int64_t>()[i] = values[i];
    }
  }
  return t;
}

DataType OutType(const Node& node) {
  const auto* attr = node.FindAttr("out_type");
  return attr != nullptr ? static_cast<DataType>(attr->type()) : DataType::kInt32;
}

StatusOr<Fn> MakeReshape(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    const Tensor& x = ctx->input(0);
    TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> dims,
                            IntValues(ctx, ctx->input(1), "shape"));
    int unknown = -1;
    int64_t known = 1;
    for (size_t i = 0; i < dims.size(); ++i) {
      if (dims[i] == -1 && unknown < 0) {
        unknown = static_cast<int>(i);
      } else if (dims[i] < 0) {
        return InvalidArg(ctx, "Size " + std::to_string(i) +
                                   " must be non-negative, not " +
                                   std::to_string(dims[i]));
      } else if (__builtin_mul_overflow(known, dims[i], &known)) {
        return InvalidArg(ctx, "Reshape: shape overflows");
      }
    }
    if (unknown >= 0) {
      if (known == 0 || x.num_elements() % known != 0) {
        return InvalidArg(ctx, "Input to reshape is a tensor with " +
                                   std::to_string(x.num_elements()) +
                                   " values, but the requested shape cannot "
                                   "infer the missing dimension");
      }
      dims[static_cast<size_t>(unknown)] = x.num_elements() / known;
      known = x.num_elements();
    }
    if (known != x.num_elements()) {
      return InvalidArg(ctx, "Input to reshape is a tensor with " +
                                 std::to_string(x.num_elements()) +
                                 " values, but the requested shape has " +
                                 std::to_string(known));
    }
    TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, ComputedShape(ctx, dims));
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, Reshaped(ctx, x, shape));
    ctx->set_output(0, out);
    return OkStatus();
  });
}

StatusOr<Fn> MakeShapeOp(const Node& node, char what) {
  const DataType out = OutType(node);
  return Fn([out, what](OpKernelContext* ctx) -> Status {
    const TensorShape& s = ctx->input(0).shape();
    if (what == 's') {
      ctx->set_output(0, IntVector(out, {s.dims().begin(), s.dims().end()}, false));
    } else if (what == 'n') {
      ctx->set_output(0, IntVector(out, {s.num_elements()}, true));
    } else {
      ctx->set_output(0, IntVector(DataType::kInt32, {s.rank()}, true));
    }
    return OkStatus();
  });
}

// Fills a new tensor of `shape` with the scalar `value`'s bytes.
StatusOr<Tensor> Filled(const OpKernelContext*, const TensorShape& shape,
                        const Tensor& value) {
  if (value.dtype() == DataType::kString) {
    return Tensor::FromStrings(
        shape, std::vector<std::string>(static_cast<size_t>(shape.num_elements()),
                                        value.strings()[0]));
  }
  TFCKPT_ASSIGN_OR_RETURN(Tensor out, Tensor::Allocate(value.dtype(), shape));
  const size_t size = DataTypeSize(value.dtype());
  auto* dst = static_cast<char*>(out.mutable_data());
  for (int64_t i = 0; i < shape.num_elements(); ++i) {
    std::memcpy(dst + static_cast<size_t>(i) * size, value.data(), size);
  }
  return out;
}

StatusOr<Fn> MakeFill(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> dims,
                            IntValues(ctx, ctx->input(0), "dims"));
    const Tensor& value = ctx->input(1);
    if (value.num_elements() != 1 || value.shape().rank() != 0) {
      return InvalidArg(ctx, "value must be a scalar, got shape " +
                                 value.shape().DebugString());
    }
    TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, ComputedShape(ctx, dims));
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, Filled(ctx, shape, value));
    ctx->set_output(0, out);
    return OkStatus();
  });
}

StatusOr<Fn> MakeLike(const Node&, bool ones) {
  return Fn([ones](OpKernelContext* ctx) -> Status {
    const Tensor& x = ctx->input(0);
    TFCKPT_ASSIGN_OR_RETURN(Tensor one, Tensor::Zeros(x.dtype(), TensorShape{}));
    if (ones) {
      Status s = DispatchTypes<TFCKPT_ALL_TYPES>(ctx, x.dtype(), [&](auto tag) {
        using T = decltype(tag);
        one.mutable_flat<T>()[0] = T(1);
        return OkStatus();
      });
      TFCKPT_RETURN_IF_ERROR(s);
    }
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, Filled(ctx, x.shape(), one));
    ctx->set_output(0, out);
    return OkStatus();
  });
}

StatusOr<Fn> MakeExpandDims(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    const Tensor& x = ctx->input(0);
    TFCKPT_ASSIGN_OR_RETURN(int64_t axis, IntScalar(ctx, ctx->input(1), "dim"));
    const int rank = x.shape().rank();
    if (axis < -rank - 1 || axis > rank) {
      return InvalidArg(ctx, "Tried to expand dim index " + std::to_string(axis) +
                                 " for tensor with " + std::to_string(rank) +
                                 " dimensions.");
    }
    if (axis < 0) axis += rank + 1;
    std::vector<int64_t> dims(x.shape().dims().begin(), x.shape().dims().end());
    dims.insert(dims.begin() + axis, 1);
    TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, TensorShape::Create(dims));
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, Reshaped(ctx, x, shape));
    ctx->set_output(0, out);
    return OkStatus();
  });
}

StatusOr<Fn> MakeSqueeze(const Node& node) {
  auto listed = GetIntListAttr(node, "squeeze_dims");
  std::vector<int64_t> axes = listed.ok() ? *listed : std::vector<int64_t>{};
  return Fn([axes](OpKernelContext* ctx) -> Status {
    const Tensor& x = ctx->input(0);
    const int rank = x.shape().rank();
    std::vector<bool> drop(static_cast<size_t>(rank), axes.empty());
    for (int64_t a : axes) {
      TFCKPT_ASSIGN_OR_RETURN(int axis, NormalizeAxis(ctx, a, rank));
      if (x.shape().dim(axis) != 1) {
        return InvalidArg(ctx, "Can not squeeze dim[" + std::to_string(axis) +
                                   "], expected a dimension of 1, got " +
                                   std::to_string(x.shape().dim(axis)));
      }
      drop[static_cast<size_t>(axis)] = true;
    }
    std::vector<int64_t> dims;
    for (int d = 0; d < rank; ++d) {
      if (!(drop[static_cast<size_t>(d)] && x.shape().dim(d) == 1)) {
        dims.push_back(x.shape().dim(d));
      }
    }
    TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, TensorShape::Create(dims));
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, Reshaped(ctx, x, shape));
    ctx->set_output(0, out);
    return OkStatus();
  });
}

// Concatenates `parts` along `axis` (Pack first reshapes each to add it).
StatusOr<Tensor> Concat(const OpKernelContext* ctx,
                        const std::vector<Tensor>& parts, int axis) {
  const Tensor& first = parts[0];
  std::vector<int64_t> dims(first.shape().dims().begin(), first.shape().dims().end());
  int64_t total = 0;
  for (const Tensor& p : parts) {
    if (p.dtype() != first.dtype() || p.shape().rank() != first.shape().rank()) {
      return InvalidArg(ctx, "ConcatOp : Ranks or dtypes of all input tensors "
                             "should match: shape[0] = " +
                                 first.shape().DebugString() + " vs. " +
                                 p.shape().DebugString());
    }
    for (int d = 0; d < first.shape().rank(); ++d) {
      if (d != axis && p.shape().dim(d) != first.shape().dim(d)) {
        return InvalidArg(ctx, "ConcatOp : Dimension " + std::to_string(d) +
                                   " in both shapes must be equal: shape[0] = " +
                                   first.shape().DebugString() + " vs. " +
                                   p.shape().DebugString());
      }
    }
    total += p.shape().dim(axis);
  }
  dims[static_cast<size_t>(axis)] = total;
  TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, ComputedShape(ctx, dims));
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= shape.dim(d);
  if (first.dtype() == DataType::kString) {  // e.g. the sharded Saver's Pack
    std::vector<std::string> joined;
    for (int64_t o = 0; o < outer; ++o) {
      for (const Tensor& p : parts) {
        const int64_t chunk = p.num_elements() / outer;
        const auto begin = p.strings().begin() + o * chunk;
        joined.insert(joined.end(), begin, begin + chunk);
      }
    }
    return Tensor::FromStrings(shape, std::move(joined));
  }
  TFCKPT_ASSIGN_OR_RETURN(Tensor out, Tensor::Allocate(first.dtype(), shape));
  const size_t size = DataTypeSize(first.dtype());
  auto* dst = static_cast<char*>(out.mutable_data());
  for (int64_t o = 0; o < outer; ++o) {
    for (const Tensor& p : parts) {
      const int64_t chunk = outer == 0 ? 0 : p.num_elements() / outer;
      const size_t bytes = static_cast<size_t>(chunk) * size;
      std::memcpy(dst, static_cast<const char*>(p.data()) + static_cast<size_t>(o) * bytes,
                  bytes);
      dst += bytes;
    }
  }
  return out;
}

StatusOr<Fn> MakeConcatV2(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    const int n = ctx->num_inputs() - 1;
    if (n < 1) return InvalidArg(ctx, "ConcatV2 needs inputs");
    TFCKPT_ASSIGN_OR_RETURN(int64_t axis_value,
                            IntScalar(ctx, ctx->input(n), "axis"));
    TFCKPT_ASSIGN_OR_RETURN(
        int axis, NormalizeAxis(ctx, axis_value, ctx->input(0).shape().rank()));
    std::vector<Tensor> parts;
    for (int i = 0; i < n; ++i) parts.push_back(ctx->input(i));
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, Concat(ctx, parts, axis));
    ctx->set_output(0, out);
    return OkStatus();
  });
}

StatusOr<Fn> MakePack(const Node& node) {
  const int64_t axis_attr = GetIntAttrOr(node, "axis", 0);
  return Fn([axis_attr](OpKernelContext* ctx) -> Status {
    const int rank = ctx->input(0).shape().rank();
    TFCKPT_ASSIGN_OR_RETURN(int axis, NormalizeAxis(ctx, axis_attr, rank + 1));
    std::vector<Tensor> parts;
    for (int i = 0; i < ctx->num_inputs(); ++i) {
      const Tensor& x = ctx->input(i);
      if (!(x.shape() == ctx->input(0).shape())) {
        return InvalidArg(ctx, "Shapes of all inputs must match: values[0].shape = " +
                                   ctx->input(0).shape().DebugString() + " != values[" +
                                   std::to_string(i) + "].shape = " +
                                   x.shape().DebugString());
      }
      std::vector<int64_t> dims(x.shape().dims().begin(), x.shape().dims().end());
      dims.insert(dims.begin() + axis, 1);
      TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, TensorShape::Create(dims));
      TFCKPT_ASSIGN_OR_RETURN(Tensor p, Reshaped(ctx, x, shape));
      parts.push_back(p);
    }
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, Concat(ctx, parts, axis));
    ctx->set_output(0, out);
    return OkStatus();
  });
}

StatusOr<Fn> MakeTranspose(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    const Tensor& x = ctx->input(0);
    TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> perm,
                            IntValues(ctx, ctx->input(1), "perm"));
    const int rank = x.shape().rank();
    if (static_cast<int>(perm.size()) != rank) {
      return InvalidArg(ctx, "transpose expects a vector of size " +
                                 std::to_string(rank) +
                                 ". But input(1) is a vector of size " +
                                 std::to_string(perm.size()));
    }
    std::vector<bool> seen(static_cast<size_t>(rank), false);
    std::vector<int64_t> dims;
    for (int64_t p : perm) {
      if (p < 0 || p >= rank || seen[static_cast<size_t>(p)]) {
        return InvalidArg(ctx, std::to_string(p) + " is missing from or "
                               "repeated in the permutation");
      }
      seen[static_cast<size_t>(p)] = true;
      dims.push_back(x.shape().dim(static_cast<int>(p)));
    }
    TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, TensorShape::Create(dims));
    if (x.dtype() == DataType::kString) return UnimplementedError("Transpose of strings");
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, ctx->AllocateOutput(0, x.dtype(), shape));
    const std::vector<int64_t> in_strides = Strides(x.shape());
    const size_t size = DataTypeSize(x.dtype());
    const auto* src = static_cast<const char*>(x.data());
    auto* dst = static_cast<char*>(out.mutable_data());
    std::vector<int64_t> pos(static_cast<size_t>(rank), 0);
    for (int64_t i = 0; i < shape.num_elements(); ++i) {
      int64_t offset = 0;
      for (size_t d = 0; d < pos.size(); ++d) {
        offset += pos[d] * in_strides[static_cast<size_t>(perm[d])];
      }
      std::memcpy(dst + static_cast<size_t>(i) * size,
                  src + static_cast<size_t>(offset) * size, size);
      for (int d = rank - 1; d >= 0; --d) {
        if (++pos[static_cast<size_t>(d)] < shape.dim(d)) break;
        pos[static_cast<size_t>(d)] = 0;
      }
    }
    return OkStatus();
  });
}

StatusOr<Fn> MakeTile(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    const Tensor& x = ctx->input(0);
    TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> multiples,
                            IntValues(ctx, ctx->input(1), "multiples"));
    const int rank = x.shape().rank();
    if (static_cast<int>(multiples.size()) != rank) {
      return InvalidArg(ctx, "Expected multiples argument to be a vector of "
                             "length " + std::to_string(rank) + " but got length " +
                                 std::to_string(multiples.size()));
    }
    std::vector<int64_t> dims;
    for (int d = 0; d < rank; ++d) {
      int64_t v = 0;
      if (multiples[static_cast<size_t>(d)] < 0 ||
          __builtin_mul_overflow(x.shape().dim(d), multiples[static_cast<size_t>(d)], &v)) {
        return InvalidArg(ctx, "Expected multiples[" + std::to_string(d) +
                                   "] >= 0, and no overflow");
      }
      dims.push_back(v);
    }
    TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, ComputedShape(ctx, dims));
    if (x.dtype() == DataType::kString) return UnimplementedError("Tile of strings");
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, ctx->AllocateOutput(0, x.dtype(), shape));
    const std::vector<int64_t> in_strides = Strides(x.shape());
    const size_t size = DataTypeSize(x.dtype());
    const auto* src = static_cast<const char*>(x.data());
    auto* dst = static_cast<char*>(out.mutable_data());
    std::vector<int64_t> pos(static_cast<size_t>(rank), 0);
    for (int64_t i = 0; i < shape.num_elements(); ++i) {
      int64_t offset = 0;
      for (int d = 0; d < rank; ++d) {
        offset += (pos[static_cast<size_t>(d)] % x.shape().dim(d)) *
                  in_strides[static_cast<size_t>(d)];
      }
      std::memcpy(dst + static_cast<size_t>(i) * size,
                  src + static_cast<size_t>(offset) * size, size);
      for (int d = rank - 1; d >= 0; --d) {
        if (++pos[static_cast<size_t>(d)] < shape.dim(d)) break;
        pos[static_cast<size_t>(d)] = 0;
      }
    }
    return OkStatus();
  });
}


// Copies runs of elements between tensors of one dtype: bytes for
// fixed-size types, strings for DT_STRING.
class ElementCopier {
 public:
  ElementCopier(const Tensor& src, Tensor* dst)
      : src_(src), dst_(dst), size_(DataTypeSize(src.dtype())) {}

  // Copies `count` elements from flat index `from` of src to `to` of dst.
  void Copy(int64_t from, int64_t to, int64_t count) {
    if (count <= 0) return;
    if (src_.dtype() == DataType::kString) {
      const auto& in = src_.strings();
      std::copy_n(in.begin() + from, count,
                  dst_->mutable_strings().begin() + to);
      return;
    }
    std::memcpy(static_cast<char*>(dst_->mutable_data()) +
                    static_cast<size_t>(to) * size_,
                static_cast<const char*>(src_.data()) +
                    static_cast<size_t>(from) * size_,
                static_cast<size_t>(count) * size_);
  }

 private:
  const Tensor& src_;
  Tensor* dst_;
  size_t size_;
};

StatusOr<Tensor> AllocateLike(const OpKernelContext* ctx, DataType dtype,
                              const std::vector<int64_t>& dims) {
  TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, ComputedShape(ctx, dims));
  return Tensor::Allocate(dtype, shape);
}

// Calls visit(x_offset, i) for each position p (over x's rank, p[d] <
// size[d]) in row-major order: i counts the positions, x_offset is the flat
// index of x's element at begin[d] + p[d] * stride[d].
template <typename Visit>
void ForEachStridedElement(const TensorShape& x_shape,
                           const std::vector<int64_t>& begin,
                           const std::vector<int64_t>& stride,
                           const std::vector<int64_t>& size, int64_t count,
                           Visit visit) {
  const int rank = x_shape.rank();
  const std::vector<int64_t> in_strides = Strides(x_shape);
  std::vector<int64_t> pos(static_cast<size_t>(rank), 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t offset = 0;
    for (size_t d = 0; d < pos.size(); ++d) {
      offset += (begin[d] + pos[d] * stride[d]) * in_strides[d];
    }
    visit(offset, i);
    for (int d = rank - 1; d >= 0; --d) {
      const auto ud = static_cast<size_t>(d);
      if (++pos[ud] < size[ud]) break;
      pos[ud] = 0;
    }
  }
}

// The tensor whose element at position p (over x's rank, p[d] < size[d])
// is x's element at begin[d] + p[d] * stride[d]: what Slice, StridedSlice
// and Unpack compute before reshaping.
StatusOr<Tensor> StridedCopy(const OpKernelContext* ctx, const Tensor& x,
                             const std::vector<int64_t>& begin,
                             const std::vector<int64_t>& stride,
                             const std::vector<int64_t>& size) {
  TFCKPT_ASSIGN_OR_RETURN(Tensor out, AllocateLike(ctx, x.dtype(), size));
  ElementCopier copier(x, &out);
  ForEachStridedElement(x.shape(), begin, stride, size, out.num_elements(),
                        [&](int64_t from, int64_t to) { copier.Copy(from, to, 1); });
  return out;
}

StatusOr<Fn> MakeSlice(const Node&) {
  return Fn([](OpKernelContext* ctx) -> Status {
    const Tensor& x = ctx->input(0);
    TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> begin,
                            IntValues(ctx, ctx->input(1), "begin"));
    TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> size,
                            IntValues(ctx, ctx->input(2), "size"));
    const int rank = x.shape().rank();
    if (ctx->input(1).shape().rank() != 1 || ctx->input(2).shape().rank() != 1 ||
        static_cast<int>(begin.size()) != rank ||
        static_cast<int>(size.size()) != rank) {
      return InvalidArg(ctx, "Expected begin and size arguments to be 1-D "
                             "tensors of size " + std::to_string(rank) +
                                 ", but got shapes " +
                                 ctx->input(1).shape().DebugString() + " and " +
                                 ctx->input(2).shape().DebugString() +
                                 " instead.");
    }
    for (int d = 0; d < rank; ++d) {
      const auto ud = static_cast<size_t>(d);
      const int64_t dim = x.shape().dim(d);
      if (size[ud] == -1) size[ud] = dim - begin[ud];
      if (begin[ud] < 0 || begin[ud] > dim) {
        return InvalidArg(ctx, "Expected begin[" + std::to_string(d) +
                                   "] in [0, " + std::to_string(dim) +
                                   "], but got " + std::to_string(begin[ud]));
      }
      if (size[ud] < 0 || size[ud] > dim - begin[ud]) {
        return InvalidArg(ctx, "Expected size[" + std::to_string(d) +
                                   "] in [0, " +
                                   std::to_string(dim - begin[ud]) +
                                   "], but got " + std::to_string(size[ud]));
      }
    }
    TFCKPT_ASSIGN_OR_RETURN(
        Tensor out,
        StridedCopy(ctx, x, begin,
                    std::vector<int64_t>(static_cast<size_t>(rank), 1), size));
    ctx->set_output(0, out);
    return OkStatus();
  });
}

struct StridedSliceMasks {
  int64_t begin = 0, end = 0, ellipsis = 0, new_axis = 0, shrink = 0;
};

// A strided slice resolved against an input shape: per input dim the first
// index, the stride and the number of elements taken, and the output dims.
struct ResolvedStridedSlice {
  std::vector<int64_t> begin, strides, size;
  std::vector<int64_t> final_dims;
};

// TF's ValidateStridedSliceOp: expands the sparse spec (with ellipsis and
// new axes) to one (begin, stride, size) per input dim, and the output
// shape.
StatusOr<ResolvedStridedSlice> ResolveStridedSlice(
    const OpKernelContext* ctx, const TensorShape& input_shape,
    const std::vector<int64_t>& sparse_begin,
    const std::vector<int64_t>& sparse_end,
    const std::vector<int64_t>& sparse_strides, StridedSliceMasks m) {
  constexpr int64_t kNewAxis = -1;
  constexpr int64_t kShrinkAxis = -2;
  const int rank = input_shape.rank();
  if (m.ellipsis & (m.ellipsis - 1)) {
    return InvalidArg(ctx, "Multiple ellipses in slice spec not allowed");
  }
  auto sparse_dims = static_cast<int>(sparse_begin.size());
  // Without an ellipsis, an implicit one at the end keeps the rest.
  if (m.ellipsis == 0) m.ellipsis = int64_t{1} << sparse_dims++;
  int new_axis_after_ellipsis = 0;
  bool seen_ellipsis = false;
  for (int i = 0; i < sparse_dims; ++i) {
    if (seen_ellipsis && ((m.new_axis >> i) & 1)) ++new_axis_after_ellipsis;
    if ((m.ellipsis >> i) & 1) seen_ellipsis = true;
  }
  const auto n = static_cast<size_t>(rank);
  std::vector<int64_t> begin(n, 0), end(n, 0), strides(n, 1);
  std::vector<bool> begin_masked(n, false), end_masked(n, false),
      shrink(n, false);
  std::vector<int64_t> gather;  // final dims: a dense dim or kNewAxis/kShrinkAxis
  int full = 0;
  for (int i = 0; i < sparse_dims; ++i) {
    const auto ui = static_cast<size_t>(i);
    if ((m.ellipsis >> i) & 1) {
      const int next = std::min(
          rank - (sparse_dims - i) + 1 + new_axis_after_ellipsis, rank);
      for (; full < next; ++full) {
        const auto uf = static_cast<size_t>(full);
        begin_masked[uf] = end_masked[uf] = true;
        gather.push_back(full);
      }
    } else if ((m.new_axis >> i) & 1) {
      gather.push_back(kNewAxis);
    } else {
      if (full == rank) {
        return InvalidArg(ctx, "Index out of range using input dim " +
                                   std::to_string(full) +
                                   "; input has only " + std::to_string(rank) +
                                   " dims");
      }
      const auto uf = static_cast<size_t>(full);
      begin[uf] = sparse_begin[ui];
      end[uf] = sparse_end[ui];
      strides[uf] = sparse_strides[ui];
      begin_masked[uf] = (m.begin >> i) & 1;
      end_masked[uf] = (m.end >> i) & 1;
      shrink[uf] = (m.shrink >> i) & 1;
      gather.push_back(shrink[uf] ? kShrinkAxis : full);
      ++full;
    }
  }
  std::vector<int64_t> size(n, 1);
  for (size_t d = 0; d < n; ++d) {
    const int64_t dim = input_shape.dim(static_cast<int>(d));
    const int64_t stride = strides[d];
    if (stride == 0) {
      return InvalidArg(ctx, "strides[" + std::to_string(d) +
                                 "] must be non-zero");
    }
    if (shrink[d]) {
      const int64_t fwd = begin[d] < 0 ? dim + begin[d] : begin[d];
      if (fwd < 0 || fwd >= dim) {
        // TF names the forward index.
        return InvalidArg(ctx, "slice index " + std::to_string(fwd) +
                                   " of dimension " + std::to_string(d) +
                                   " out of bounds.");
      }
      begin[d] = fwd;
      strides[d] = 1;
      continue;
    }
    // The valid range of an index: [0, dim] forward, [-1, dim - 1] back.
    const int64_t lo = stride > 0 ? 0 : -1;
    const int64_t hi = stride > 0 ? dim : dim - 1;
    auto canonical = [&](int64_t v, bool masked, bool is_end) {
      if (masked) return (stride > 0) == is_end ? hi : lo;
      const int64_t fwd = v < 0 ? dim + v : v;
      return std::clamp(fwd, lo, hi);
    };
    begin[d] = canonical(begin[d], begin_masked[d], false);
    end[d] = canonical(end[d], end_masked[d], true);
    const int64_t length = end[d] - begin[d];
    size[d] = (length == 0 || (length < 0) != (stride < 0))
                  ? 0
                  : length / stride + (length % stride != 0 ? 1 : 0);
  }
  std::vector<int64_t> final_dims;
  for (int64_t g : gather) {
    if (g == kNewAxis) {
      final_dims.push_back(1);
    } else if (g != kShrinkAxis) {
      final_dims.push_back(size[static_cast<size_t>(g)]);
    }
  }
  return ResolvedStridedSlice{std::move(begin), std::move(strides),
                              std::move(size), std::move(final_dims)};
}

StridedSliceMasks MasksOf(const Node& node) {
  StridedSliceMasks masks;
  masks.begin = GetIntAttrOr(node, "begin_mask", 0);
  masks.end = GetIntAttrOr(node, "end_mask", 0);
  masks.ellipsis = GetIntAttrOr(node, "ellipsis_mask", 0);
  masks.new_axis = GetIntAttrOr(node, "new_axis_mask", 0);
  masks.shrink = GetIntAttrOr(node, "shrink_axis_mask", 0);
  return masks;
}

// The slice that inputs 1-3 (begin, end, strides) of a StridedSlice or
// StridedSliceGrad node describe, resolved against `input_shape`.
StatusOr<ResolvedStridedSlice> ResolveStridedSliceInputs(
    const OpKernelContext* ctx, const TensorShape& input_shape,
    const StridedSliceMasks& masks) {
  TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> begin,
                          IntValues(ctx, ctx->input(1), "begin"));
  TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> end,
                          IntValues(ctx, ctx->input(2), "end"));
  TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> strides,
                          IntValues(ctx, ctx->input(3), "strides"));
  if (ctx->input(1).shape().rank() != 1 || end.size() != begin.size() ||
      strides.size() != begin.size() || begin.size() > 32) {
    return InvalidArg(ctx, "Expected begin, end, and strides to be 1D "
                           "equal size tensors, but got shapes " +
                               ctx->input(1).shape().DebugString() + ", " +
                               ctx->input(2).shape().DebugString() + ", and " +
                               ctx->input(3).shape().DebugString() +
                               " instead.");
  }
  return ResolveStridedSlice(ctx, input_shape, begin, end, strides, masks);
}

StatusOr<Fn> MakeStridedSlice(const Node& node) {
  return Fn([masks = MasksOf(node)](OpKernelContext* ctx) -> Status {
    const Tensor& x = ctx->input(0);
    TFCKPT_ASSIGN_OR_RETURN(ResolvedStridedSlice slice,
                            ResolveStridedSliceInputs(ctx, x.shape(), masks));
    TFCKPT_ASSIGN_OR_RETURN(
        Tensor sliced, StridedCopy(ctx, x, slice.begin, slice.strides, slice.size));
    TFCKPT_ASSIGN_OR_RETURN(TensorShape shape,
                            TensorShape::Create(slice.final_dims));
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, Reshaped(ctx, sliced, shape));
    ctx->set_output(0, out);
    return OkStatus();
  });
}

// The gradient of StridedSlice: zeros shaped like the sliced input (input
// 0, a shape vector) with dy written back where the slice took elements.
StatusOr<Fn> MakeStridedSliceGrad(const Node& node) {
  return Fn([masks = MasksOf(node)](OpKernelContext* ctx) -> Status {
    TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> dims,
                            IntValues(ctx, ctx->input(0), "shape"));
    TFCKPT_ASSIGN_OR_RETURN(TensorShape input_shape, ComputedShape(ctx, dims));
    TFCKPT_ASSIGN_OR_RETURN(ResolvedStridedSlice slice,
                            ResolveStridedSliceInputs(ctx, input_shape, masks));
    const Tensor& dy = ctx->input(4);
    TFCKPT_ASSIGN_OR_RETURN(TensorShape sliced_shape,
                            TensorShape::Create(slice.final_dims));
    if (!(dy.shape() == sliced_shape)) {
      return InvalidArg(ctx, "shape of dy was " + dy.shape().DebugString() +
                                 " instead of " + sliced_shape.DebugString());
    }
    if (dy.dtype() == DataType::kString) {
      return InvalidArg(ctx, "StridedSliceGrad of strings is not supported");
    }
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, Tensor::Zeros(dy.dtype(), input_shape));
    ElementCopier copier(dy, &out);
    ForEachStridedElement(input_shape, slice.begin, slice.strides, slice.size,
                          dy.num_elements(),
                          [&](int64_t to, int64_t from) { copier.Copy(from, to, 1); });
    ctx->set_output(0, out);
    return OkStatus();
  });
}

StatusOr<Fn> MakeUnpack(const Node& node) {
  TFCKPT_ASSIGN_OR_RETURN(int64_t num, GetIntAttr(node, "num"));
  const int64_t axis_attr = GetIntAttrOr(node, "axis", 0);
  return Fn([num, axis_attr](OpKernelContext* ctx) -> Status {
    const Tensor& x = ctx->input(0);
    const int rank = x.shape().rank();
    if (axis_attr < -rank || axis_attr >= rank) {
      return InvalidArg(ctx, "axis = " + std::to_string(axis_attr) +
                                 " not in [" + std::to_string(-rank) + ", " +
                                 std::to_string(rank) + ")");
    }
    const int axis = static_cast<int>(axis_attr < 0 ? axis_attr + rank
                                                    : axis_attr);
    if (x.shape().dim(axis) != num) {
      return InvalidArg(ctx, "Input shape axis " + std::to_string(axis) +
                                 " must equal " + std::to_string(num) +
                                 ", got shape " + x.shape().DebugString());
    }
    std::vector<int64_t> size(x.shape().dims().begin(), x.shape().dims().end());
    std::vector<int64_t> out_dims = size;
    out_dims.erase(out_dims.begin() + axis);
    size[static_cast<size_t>(axis)] = 1;
    TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, TensorShape::Create(out_dims));
    std::vector<int64_t> begin(static_cast<size_t>(rank), 0);
    for (int64_t i = 0; i < num; ++i) {
      begin[static_cast<size_t>(axis)] = i;
      TFCKPT_ASSIGN_OR_RETURN(
          Tensor part,
          StridedCopy(ctx, x, begin,
                      std::vector<int64_t>(static_cast<size_t>(rank), 1), size));
      TFCKPT_ASSIGN_OR_RETURN(Tensor out, Reshaped(ctx, part, shape));
      ctx->set_output(static_cast<int>(i), out);
    }
    return OkStatus();
  });
}

// Split (equal parts) and SplitV (the sizes given, at most one -1 for the
// rest): consecutive ranges of `value` along the split dim. The checks and
// their messages follow TF's, in its order.
StatusOr<Fn> MakeSplit(const Node& node, bool sized) {
  TFCKPT_ASSIGN_OR_RETURN(int64_t num_split, GetIntAttr(node, "num_split"));
  return Fn([num_split, sized](OpKernelContext* ctx) -> Status {
    const Tensor& value = ctx->input(sized ? 0 : 1);
    std::vector<int64_t> sizes;
    if (sized) {
      const Tensor& size_splits = ctx->input(1);
      if (size_splits.shape().rank() != 1 || size_splits.num_elements() != num_split) {
        return InvalidArg(ctx, "size of the split_tensor must be 1-D and have the same "
                               "elements as outputs got " +
                                   std::to_string(size_splits.shape().rank()) + " -D and " +
                                   std::to_string(size_splits.num_elements()) + " elements");
      }
      TFCKPT_ASSIGN_OR_RETURN(sizes, IntValues(ctx, size_splits, "size_splits"));
    }
    TFCKPT_ASSIGN_OR_RETURN(int64_t axis,
                            IntScalar(ctx, ctx->input(sized ? 2 : 0), "split_dim"));
    const int rank = value.shape().rank();
    if (axis < -rank || axis >= rank) {
      return InvalidArg(ctx, "-input rank(-" + std::to_string(rank) +
                                 ") <= split_dim < input rank (" + std::to_string(rank) +
                                 "), but got " + std::to_string(axis));
    }
    if (axis < 0) axis += rank;
    const int64_t dim = value.shape().dim(static_cast<int>(axis));
    if (sized) {
      std::optional<size_t> rest;
      int64_t determined = 0;
      bool overflow = false;
      for (size_t i = 0; i < sizes.size(); ++i) {
        if (sizes[i] != -1) {
          overflow = overflow || __builtin_add_overflow(determined, sizes[i], &determined);
        } else if (rest.has_value()) {
          return InvalidArg(ctx, "There can only be one -1 in the input.");
        } else {
          rest = i;
        }
      }
      if (overflow || (rest.has_value() ? determined > dim : determined != dim)) {
        return InvalidArg(ctx, "Determined shape must either match input shape along "
                               "split_dim exactly if fully specified, or be less than the "
                               "size of the input along split_dim if not fully specified.  "
                               "Got: " +
                                   (overflow ? std::string("a sum past 2^63")
                                             : std::to_string(determined)));
      }
      if (rest.has_value()) sizes[*rest] = dim - determined;
      for (size_t i = 0; i < sizes.size(); ++i) {
        if (sizes[i] < 0) {
          return InvalidArg(ctx, "Split size at index " + std::to_string(i) +
                                     " must be >= 0. Got: " + std::to_string(sizes[i]));
        }
      }
    } else {
      if (dim % num_split != 0) {
        return InvalidArg(ctx, "Number of ways to split should evenly divide the split "
                               "dimension, but got split_dim " + std::to_string(axis) +
                                   " (size = " + std::to_string(dim) + ") and num_split " +
                                   std::to_string(num_split));
      }
      sizes.assign(static_cast<size_t>(num_split), dim / num_split);
    }
    std::vector<int64_t> begin(static_cast<size_t>(rank), 0);
    std::vector<int64_t> size(value.shape().dims().begin(), value.shape().dims().end());
    const std::vector<int64_t> strides(static_cast<size_t>(rank), 1);
    for (size_t i = 0; i < sizes.size(); ++i) {
      size[static_cast<size_t>(axis)] = sizes[i];
      TFCKPT_ASSIGN_OR_RETURN(Tensor part, StridedCopy(ctx, value, begin, strides, size));
      ctx->set_output(static_cast<int>(i), part);
      begin[static_cast<size_t>(axis)] += sizes[i];
    }
    return OkStatus();
  });
}

// Pad and PadV2 (with_value): the input placed at each dim's "before"
// padding inside a tensor filled with the constant (zero for Pad).
StatusOr<Fn> MakePad(const Node&, bool with_value) {
  return Fn([with_value](OpKernelContext* ctx) -> Status {
    const Tensor& x = ctx->input(0);
    const Tensor& paddings = ctx->input(1);
    const int rank = x.shape().rank();
    if (paddings.shape().rank() != 2 || paddings.shape().dim(0) != rank ||
        paddings.shape().dim(1) != 2) {
      return InvalidArg(ctx, "The first dimension of paddings must be the "
                             "rank of inputs" + paddings.shape().DebugString() +
                                 " " + x.shape().DebugString());
    }
    Tensor value;
    if (with_value) {
      value = ctx->input(2);
      if (value.shape().rank() != 0) {
        return InvalidArg(ctx, "constant_values must be a scalar. Got: " +
                                   value.shape().DebugString());
      }
    } else {
      TFCKPT_ASSIGN_OR_RETURN(value, Tensor::Zeros(x.dtype(), TensorShape{}));
    }
    TFCKPT_ASSIGN_OR_RETURN(
        Tensor flat_paddings,
        Reshaped(ctx, paddings, TensorShape{2 * int64_t{rank}}));
    TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> pads,
                            IntValues(ctx, flat_paddings, "paddings"));
    std::vector<int64_t> dims;
    for (int d = 0; d < rank; ++d) {
      const int64_t before = pads[2 * static_cast<size_t>(d)];
      const int64_t after = pads[2 * static_cast<size_t>(d) + 1];
      if (before < 0 || after < 0) {
        return InvalidArg(ctx, "Paddings must be non-negative: " +
                                   std::to_string(before) + " " +
                                   std::to_string(after));
      }
      dims.push_back(x.shape().dim(d) + before + after);
    }
    TFCKPT_ASSIGN_OR_RETURN(TensorShape shape, ComputedShape(ctx, dims));
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, Filled(ctx, shape, value));
    const std::vector<int64_t> out_strides = Strides(shape);
    ElementCopier copier(x, &out);
    // One row (innermost dim) at a time.
    const int64_t row = rank == 0 ? 1 : x.shape().dim(rank - 1);
    const int64_t rows = row == 0 ? 0 : x.num_elements() / row;
    std::vector<int64_t> pos(static_cast<size_t>(std::max(rank - 1, 0)), 0);
    for (int64_t r = 0; r < rows; ++r) {
      int64_t offset = rank == 0 ? 0 : pads[2 * static_cast<size_t>(rank - 1)];
      for (size_t d = 0; d < pos.size(); ++d) {
        offset += (pos[d] + pads[2 * d]) * out_strides[d];
      }
      copier.Copy(r * row, offset, row);
      for (int d = rank - 2; d >= 0; --d) {
        const auto ud = static_cast<size_t>(d);
        if (++pos[ud] < x.shape().dim(d)) break;
        pos[ud] = 0;
      }
    }
    ctx->set_output(0, out);
    return OkStatus();
  });
}

// TF's SliceDebugString: "[i,j]" for a flat index into `shape`.
std::string IndexString(const TensorShape& shape, int64_t flat) {
  if (shape.rank() == 0) return "";
  std::vector<int64_t> pos(static_cast<size_t>(shape.rank()));
  for (int d = shape.rank() - 1; d >= 0; --d) {
    const int64_t dim = shape.dim(d);
    pos[static_cast<size_t>(d)] = flat % dim;
    flat /= dim;
  }
  std::string s = "[";
  for (size_t d = 0; d < pos.size(); ++d) {
    s += (d == 0 ? "" : ",") + std::to_string(pos[d]);
  }
  return s + "]";
}

// Gather (axis 0) and GatherV2 (axis input, batch_dims attr).
StatusOr<Fn> MakeGather(const Node& node, bool has_axis) {
  const int64_t batch_dims_attr = GetIntAttrOr(node, "batch_dims", 0);
  return Fn([has_axis, batch_dims_attr](OpKernelContext* ctx) -> Status {
    const Tensor& params = ctx->input(0);
    const Tensor& indices = ctx->input(1);
    TFCKPT_ASSIGN_OR_RETURN(
        Tensor flat_indices,
        Reshaped(ctx, indices, TensorShape{indices.num_elements()}));
    TFCKPT_ASSIGN_OR_RETURN(std::vector<int64_t> idx,
                            IntValues(ctx, flat_indices, "indices"));
    int64_t axis_value = 0;
    if (has_axis) {
      TFCKPT_ASSIGN_OR_RETURN(axis_value, IntScalar(ctx, ctx->input(2), "axis"));
    }
    const int rank = params.shape().rank();
    if (axis_value < -rank || axis_value >= rank) {
      return InvalidArg(ctx, "Expected axis in the range [" +
                                 std::to_string(-rank) + ", " +
                                 std::to_string(rank) + "), but got " +
                                 std::to_string(axis_value));
    }
    const int axis = static_cast<int>(axis_value < 0 ? axis_value + rank
                                                     : axis_value);
    int64_t batch_dims = batch_dims_attr;
    if (batch_dims < 0) batch_dims += indices.shape().rank();
    if (batch_dims < 0 || batch_dims > indices.shape().rank() ||
        batch_dims > axis) {
      return InvalidArg(ctx, "batch_dims = " + std::to_string(batch_dims_attr) +
                                 " must be in [0, min(axis = " +
                                 std::to_string(axis) + ", rank(indices) = " +
                                 std::to_string(indices.shape().rank()) + ")]");
    }
    const int bd = static_cast<int>(batch_dims);
    std::vector<int64_t> dims;
    int64_t batch = 1, outer = 1, inner = 1, count = 1;
    for (int d = 0; d < bd; ++d) {
      if (params.shape().dim(d) != indices.shape().dim(d)) {
        return InvalidArg(ctx, "params.shape[" + std::to_string(d) + "]: " +
                                   std::to_string(params.shape().dim(d)) +
                                   " should be equal to indices.shape[" +
                                   std::to_string(d) + "]: " +
                                   std::to_string(indices.shape().dim(d)));
      }
      batch *= params.shape().dim(d);
    }
    for (int d = 0; d < axis; ++d) dims.push_back(params.shape().dim(d));
    for (int d = bd; d < axis; ++d) outer *= params.shape().dim(d);
    for (int d = bd; d < indices.shape().rank(); ++d) {
      dims.push_back(indices.shape().dim(d));
      count *= indices.shape().dim(d);
    }
    for (int d = axis + 1; d < rank; ++d) {
      dims.push_back(params.shape().dim(d));
      inner *= params.shape().dim(d);
    }
    const int64_t limit = params.shape().dim(axis);
    for (size_t i = 0; i < idx.size(); ++i) {
      if (idx[i] < 0 || idx[i] >= limit) {
        return InvalidArg(ctx, "indices" +
                                   IndexString(indices.shape(),
                                               static_cast<int64_t>(i)) +
                                   " = " + std::to_string(idx[i]) +
                                   " is not in [0, " + std::to_string(limit) +
                                   ")");
      }
    }
    TFCKPT_ASSIGN_OR_RETURN(Tensor out, AllocateLike(ctx, params.dtype(), dims));
    ElementCopier copier(params, &out);
    int64_t to = 0;
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t n = 0; n < count; ++n) {
          const int64_t index = idx[static_cast<size_t>(b * count + n)];
          copier.Copy(((b * outer + o) * limit + index) * inner, to, inner);
          to += inner;
        }
      }
    }
    ctx->set_output(0, out);
    return OkStatus();
  });
}

}  // namespace

Status RegisterArrayKernels(KernelRegistry* r) {
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("Reshape", MakeReshape));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("Shape", [](const Node& n) { return MakeShapeOp(n, 's'); }));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("Size", [](const Node& n) { return MakeShapeOp(n, 'n'); }));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("Rank", [](const Node& n) { return MakeShapeOp(n, 'r'); }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("Fill", MakeFill));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("ZerosLike", [](const Node& n) { return MakeLike(n, false); }));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("OnesLike", [](const Node& n) { return MakeLike(n, true); }));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("ExpandDims", MakeExpandDims));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("Squeeze", MakeSqueeze));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("ConcatV2", MakeConcatV2));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("Pack", MakePack));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("Transpose", MakeTranspose));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("Tile", MakeTile));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("Slice", MakeSlice));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("StridedSlice", MakeStridedSlice));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("StridedSliceGrad", MakeStridedSliceGrad));
  TFCKPT_RETURN_IF_ERROR(r->RegisterFn("Unpack", MakeUnpack));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("Split", [](const Node& n) { return MakeSplit(n, false); }));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("SplitV", [](const Node& n) { return MakeSplit(n, true); }));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("Pad", [](const Node& n) { return MakePad(n, false); }));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("PadV2", [](const Node& n) { return MakePad(n, true); }));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("Gather", [](const Node& n) { return MakeGather(n, false); }));
  TFCKPT_RETURN_IF_ERROR(
      r->RegisterFn("GatherV2", [](const Node& n) { return MakeGather(n, true); }));
  return OkStatus();
}

}  // namespace tfckpt::internal
