#include "src/graph/shape_inference.h"

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "tensorflow/core/framework/types.pb.h"

namespace tfckpt::internal {
namespace {

using tensorflow::AttrValue;
using tensorflow::NodeDef;
constexpr int64_t kUnknown = PartialShape::kUnknownDim;

std::string FloatString(float value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*g", FLT_DIG, static_cast<double>(value));
  if (std::strtof(buffer, nullptr) != value) {
    std::snprintf(buffer, sizeof buffer, "%.*g", FLT_DIG + 3,
                  static_cast<double>(value));
  }
  return buffer;
}

std::string SummarizeAttrValue(const AttrValue& value) {
  switch (value.value_case()) {
    case AttrValue::kS: return "\"" + value.s() + "\"";
    case AttrValue::kI: return std::to_string(value.i());
    case AttrValue::kF: return FloatString(value.f());
    case AttrValue::kB: return value.b() ? "true" : "false";
    case AttrValue::kType: return tensorflow::DataType_Name(value.type());
    case AttrValue::kShape: {
      const PartialShape shape = PartialShape::FromProto(value.shape());
      return shape.rank_known() ? shape.ToString() : "<unknown>";
    }
    case AttrValue::kTensor:
      return "Tensor<type: " +
             std::string(DataTypeName(static_cast<DataType>(value.tensor().dtype()))) +
             " shape: " + PartialShape::FromProto(value.tensor().tensor_shape()).ToString() +
             ">";
    case AttrValue::kList: {
      const auto& list = value.list();
      std::vector<std::string> items;
      for (const auto& s : list.s()) items.push_back("\"" + s + "\"");
      for (int64_t i : list.i()) items.push_back(std::to_string(i));
      for (float f : list.f()) items.push_back(FloatString(f));
      for (bool b : list.b()) items.push_back(b ? "true" : "false");
      for (int t : list.type()) {
        items.push_back(tensorflow::DataType_Name(static_cast<tensorflow::DataType>(t)));
      }
      for (const auto& shape : list.shape()) {
        items.push_back(PartialShape::FromProto(shape).ToString());
      }
      std::string out = "[";
      for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ", ";
        out += items[i];
      }
      return out + "]";
    }
    case AttrValue::kFunc: return value.func().name() + "[]";
    case AttrValue::kPlaceholder: return "$" + value.placeholder();
    case AttrValue::VALUE_NOT_SET: return "<Unknown AttrValue type>";
  }
  return "";
}

// The state of one inference: the node, its inputs, and which constant
// inputs the shape function read (TF names them in its messages).
class Context {
 public:
  Context(const NodeDef& node, std::span<const ShapeInput> inputs)
      : node_(node), inputs_(inputs) {}

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  const PartialShape& input(int i) const { return inputs_[static_cast<size_t>(i)].shape; }
  const ShapeInput& raw_input(int i) const { return inputs_[static_cast<size_t>(i)]; }
  // The value of a constant input, or nullptr.
  const Tensor* InputTensor(int i) {
    const Tensor* value = inputs_[static_cast<size_t>(i)].value;
    if (value != nullptr) requested_tensors_.insert(i);
    return value;
  }
  // A 1-D int32/int64 input taken as a shape (TF's MakeShapeFromShapeTensor):
  // known values where constant, else a shape of unknown dims when its own
  // length is known.
  PartialShape InputAsShape(int i) {
    const Tensor* value = inputs_[static_cast<size_t>(i)].value;
    if (value != nullptr) {
      std::vector<int64_t> dims = IntValues(*value);
      requested_shapes_[i] = PartialShape(dims);
      return PartialShape(std::move(dims));
    }
    const PartialShape& shape = input(i);
    if (shape.rank_known() && shape.rank() == 1 && shape.dim(0) >= 0) {
      return PartialShape(std::vector<int64_t>(static_cast<size_t>(shape.dim(0)), kUnknown));
    }
    return PartialShape::Unknown();
  }
  static std::vector<int64_t> IntValues(const Tensor& value) {
    std::vector<int64_t> out;
    if (value.dtype() == DataType::kInt32) {
      for (int32_t v : value.flat<int32_t>()) out.push_back(v);
    } else if (value.dtype() == DataType::kInt64) {
      for (int64_t v : value.flat<int64_t>()) out.push_back(v);
    }
    return out;
  }

  const std::string& node_op() const { return node_.op(); }
  const AttrValue* attr(std::string_view name) const {
    auto it = node_.attr().find(std::string(name));
    return it == node_.attr().end() ? nullptr : &it->second;
  }
  bool BoolAttr(std::string_view name, bool dflt) const {
    const AttrValue* v = attr(name);
    return v == nullptr ? dflt : v->b();
  }
  std::string StringAttr(std::string_view name, std::string dflt) const {
    const AttrValue* v = attr(name);
    return v == nullptr ? dflt : v->s();
  }
  std::vector<int64_t> IntListAttr(std::string_view name) const {
    const AttrValue* v = attr(name);
    if (v == nullptr) return {};
    return {v->list().i().begin(), v->list().i().end()};
  }

  std::vector<PartialShape>& outputs() { return outputs_; }

  // TF's message: "<what> for '<node summary>' with input shapes: ...".
  Status Error(const std::string& what) const {
    std::string message = what + " for '" + SummarizeNodeDef(node_) +
                          "' with input shapes: ";
    for (int i = 0; i < num_inputs(); ++i) {
      if (i > 0) message += ", ";
      message += input(i).ToString();
    }
    if (!requested_tensors_.empty()) {
      message += " and with computed input tensors: ";
      bool first = true;
      for (int i : requested_tensors_) {
        if (!first) message += ", ";
        first = false;
        message += "input[" + std::to_string(i) + "] = <";
        const std::vector<int64_t> values = IntValues(*inputs_[static_cast<size_t>(i)].value);
        for (size_t k = 0; k < values.size(); ++k) {
          if (k > 0) message += " ";
          message += std::to_string(values[k]);
        }
        message += ">";
      }
    }
    if (!requested_shapes_.empty()) {
      message += " and with input tensors computed as partial shapes: ";
      bool first = true;
      for (const auto& [i, shape] : requested_shapes_) {
        if (!first) message += ", ";
        first = false;
        message += "input[" + std::to_string(i) + "] = " + shape.ToString();
      }
    }
    return InvalidArgumentError(message + ".");
  }

 private:
  const NodeDef& node_;
  std::span<const ShapeInput> inputs_;
  std::set<int> requested_tensors_;
  std::map<int, PartialShape> requested_shapes_;
  std::vector<PartialShape> outputs_;
};

std::string RankError(const PartialShape& shape, int rank, bool at_least) {
  return std::string("Shape must be ") + (at_least ? "at least " : "") +
         "rank " + std::to_string(rank) + " but is rank " +
         std::to_string(shape.rank());
}

// Checks the rank; OK for an unknown rank.
Status WithRank(Context& c, int input, int rank) {
  const PartialShape& shape = c.input(input);
  if (shape.rank_known() && shape.rank() != rank) {
    return c.Error(RankError(shape, rank, false));
  }
  return OkStatus();
}
Status WithRankAtLeast(Context& c, int input, int rank) {
  const PartialShape& shape = c.input(input);
  if (shape.rank_known() && shape.rank() < rank) {
    return c.Error(RankError(shape, rank, true));
  }
  return OkStatus();
}

// Merges two dims that must be equal; false when both are known and differ.
bool MergeDim(int64_t a, int64_t b, int64_t* out) {
  if (a >= 0 && b >= 0 && a != b) return false;
  *out = a >= 0 ? a : b;
  return true;
}
Status MergeDimOrError(Context& c, int64_t a, int64_t b, int64_t* out) {
  if (!MergeDim(a, b, out)) {
    return c.Error("Dimensions must be equal, but are " + std::to_string(a) +
                   " and " + std::to_string(b));
  }
  return OkStatus();
}

Status Unchanged(Context& c) {
  c.outputs().push_back(c.input(0));
  return OkStatus();
}

Status Scalar(Context& c) {
  c.outputs().push_back(PartialShape::Scalar());
  return OkStatus();
}

// The first value of a constant integer input (an axis); false when the
// input is not constant.
bool ConstantAxis(Context& c, int input, int64_t* axis) {
  const Tensor* value = c.InputTensor(input);
  if (value == nullptr) return false;
  const std::vector<int64_t> values = Context::IntValues(*value);
  *axis = values.empty() ? 0 : values[0];
  return true;
}

// Numpy broadcasting, as TF's BroadcastBinaryOpOutputShapeFn.
Status Broadcast(Context& c) {
  const PartialShape& x = c.input(0);
  const PartialShape& y = c.input(1);
  if (!x.rank_known() || !y.rank_known()) {
    c.outputs().push_back(PartialShape::Unknown());
    return OkStatus();
  }
  const int rank = std::max(x.rank(), y.rank());
  std::vector<int64_t> dims(static_cast<size_t>(rank));
  for (int i = 0; i < rank; ++i) {
    const int xi = i - (rank - x.rank());
    const int yi = i - (rank - y.rank());
    const int64_t a = xi < 0 ? 1 : x.dim(xi);
    const int64_t b = yi < 0 ? 1 : y.dim(yi);
    int64_t out;
    if (a == 1) {
      out = b;
    } else if (b == 1) {
      out = a;
    } else if (a < 0 || b < 0) {
      out = a < 0 ? (b > 1 ? b : kUnknown) : (a > 1 ? a : kUnknown);
    } else if (a == b) {
      out = a;
    } else {
      return c.Error("Dimensions must be equal, but are " + std::to_string(a) +
                     " and " + std::to_string(b));
    }
    dims[static_cast<size_t>(i)] = out;
  }
  c.outputs().push_back(PartialShape(std::move(dims)));
  return OkStatus();
}

Status MatMul(Context& c) {
  TFCKPT_RETURN_IF_ERROR(WithRank(c, 0, 2));
  TFCKPT_RETURN_IF_ERROR(WithRank(c, 1, 2));
  const PartialShape& a = c.input(0);
  const PartialShape& b = c.input(1);
  const bool ta = c.BoolAttr("transpose_a", false);
  const bool tb = c.BoolAttr("transpose_b", false);
  const int64_t rows = a.rank_known() ? a.dim(ta ? 1 : 0) : kUnknown;
  const int64_t inner_a = a.rank_known() ? a.dim(ta ? 0 : 1) : kUnknown;
  const int64_t inner_b = b.rank_known() ? b.dim(tb ? 1 : 0) : kUnknown;
  const int64_t cols = b.rank_known() ? b.dim(tb ? 0 : 1) : kUnknown;
  int64_t inner;
  TFCKPT_RETURN_IF_ERROR(MergeDimOrError(c, inner_a, inner_b, &inner));
  c.outputs().push_back(PartialShape({rows, cols}));
  return OkStatus();
}

Status BiasAdd(Context& c) {
  TFCKPT_RETURN_IF_ERROR(WithRankAtLeast(c, 0, 2));
  TFCKPT_RETURN_IF_ERROR(WithRank(c, 1, 1));
  PartialShape value = c.input(0);
  const PartialShape& bias = c.input(1);
  if (!value.rank_known()) {
    c.outputs().push_back(value);
    return OkStatus();
  }
  const int channel = c.StringAttr("data_format", "NHWC") == "NCHW" ? 1 : value.rank() - 1;
  std::vector<int64_t> dims = value.dims();
  if (bias.rank_known()) {
    TFCKPT_RETURN_IF_ERROR(MergeDimOrError(c, dims[static_cast<size_t>(channel)],
                                           bias.dim(0), &dims[static_cast<size_t>(channel)]));
  }
  c.outputs().push_back(PartialShape(std::move(dims)));
  return OkStatus();
}

Status Reduction(Context& c) {
  const PartialShape& input = c.input(0);
  const bool keep_dims = c.BoolAttr("keep_dims", false);
  const Tensor* axes_value = c.InputTensor(1);
  if (axes_value == nullptr || !input.rank_known()) {
    if (keep_dims && input.rank_known()) {
      c.outputs().push_back(PartialShape(std::vector<int64_t>(input.dims().size(), kUnknown)));
    } else {
      c.outputs().push_back(PartialShape::Unknown());
    }
    return OkStatus();
  }
  const int rank = input.rank();
  std::set<int64_t> reduced;
  for (int64_t axis : Context::IntValues(*axes_value)) {
    if (axis < -rank || axis >= rank) {
      return c.Error("Invalid reduction dimension " + std::to_string(axis) +
                     " for input with " + std::to_string(rank) + " dimensions.");
    }
    reduced.insert(axis < 0 ? axis + rank : axis);
  }
  std::vector<int64_t> dims;
  for (int i = 0; i < rank; ++i) {
    if (!reduced.contains(i)) {
      dims.push_back(input.dim(i));
    } else if (keep_dims) {
      dims.push_back(1);
    }
  }
  c.outputs().push_back(PartialShape(std::move(dims)));
  return OkStatus();
}

Status ArgMax(Context& c) {
  const PartialShape& input = c.input(0);
  int64_t axis = 0;
  if (!ConstantAxis(c, 1, &axis) || !input.rank_known()) {
    c.outputs().push_back(PartialShape::Unknown());
    return OkStatus();
  }
  const int rank = input.rank();
  if (axis < -rank || axis >= rank) {
    return c.Error("Expected dimension in the range [" + std::to_string(-rank) +
                   ", " + std::to_string(rank) + "), but got " + std::to_string(axis));
  }
  std::vector<int64_t> dims = input.dims();
  dims.erase(dims.begin() + (axis < 0 ? axis + rank : axis));
  c.outputs().push_back(PartialShape(std::move(dims)));
  return OkStatus();
}

Status Reshape(Context& c) {
  const PartialShape& input = c.input(0);
  PartialShape target = c.InputAsShape(1);
  if (!target.rank_known()) {
    c.outputs().push_back(target);
    return OkStatus();
  }
  std::vector<int64_t> dims = target.dims();
  int64_t known_product = 1;
  int unknown_index = -1;
  int unknown_count = 0;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0) {
      ++unknown_count;
      unknown_index = static_cast<int>(i);
    } else {
      known_product *= dims[i];
    }
  }
  const int64_t input_elements = input.num_elements();
  if (input_elements >= 0 && unknown_count == 0 && input_elements != known_product) {
    return c.Error("Cannot reshape a tensor with " + std::to_string(input_elements) +
                   " elements to shape " + target.ToString() + " (" +
                   std::to_string(known_product) + " elements)");
  }
  if (input_elements >= 0 && unknown_count == 1 && c.raw_input(1).value != nullptr) {
    if (known_product == 0 || input_elements % known_product != 0) {
      return c.Error("Cannot reshape a tensor with " + std::to_string(input_elements) +
                     " elements to shape " + target.ToString() +
                     " (? elements)");
    }
    dims[static_cast<size_t>(unknown_index)] = input_elements / known_product;
  }
  c.outputs().push_back(PartialShape(std::move(dims)));
  return OkStatus();
}

Status ExpandDims(Context& c) {
  const PartialShape& input = c.input(0);
  int64_t axis = 0;
  if (!ConstantAxis(c, 1, &axis) || !input.rank_known()) {
    c.outputs().push_back(PartialShape::Unknown());
    return OkStatus();
  }
  const int rank = input.rank();
  if (axis < -1 - rank || axis > rank) {
    return c.Error("Dimension size must be in the range [" + std::to_string(-1 - rank) +
                   ", " + std::to_string(rank + 1) + ")");
  }
  if (axis < 0) axis += rank + 1;
  std::vector<int64_t> dims = input.dims();
  dims.insert(dims.begin() + axis, 1);
  c.outputs().push_back(PartialShape(std::move(dims)));
  return OkStatus();
}

Status Transpose(Context& c) {
  const PartialShape& input = c.input(0);
  const Tensor* perm_value = c.InputTensor(1);
  if (perm_value == nullptr || !input.rank_known()) {
    c.outputs().push_back(input.rank_known()
                              ? PartialShape(std::vector<int64_t>(input.dims().size(), kUnknown))
                              : PartialShape::Unknown());
    return OkStatus();
  }
  const std::vector<int64_t> perm = Context::IntValues(*perm_value);
  if (static_cast<int>(perm.size()) != input.rank()) {
    return c.Error(RankError(input, static_cast<int>(perm.size()), false));
  }
  std::vector<int64_t> dims;
  for (int64_t p : perm) {
    if (p < 0 || p >= input.rank()) {
      return c.Error("perm dim " + std::to_string(p) +
                     " is out of range of input rank " + std::to_string(input.rank()));
    }
    dims.push_back(input.dim(static_cast<int>(p)));
  }
  c.outputs().push_back(PartialShape(std::move(dims)));
  return OkStatus();
}

Status ConcatV2(Context& c) {
  const int n = c.num_inputs() - 1;
  int64_t axis = 0;
  const bool axis_known = ConstantAxis(c, n, &axis);
  int rank = -1;
  for (int i = 0; i < n; ++i) {
    if (c.input(i).rank_known()) rank = c.input(i).rank();
  }
  if (!axis_known || rank < 0) {
    c.outputs().push_back(rank < 0 ? PartialShape::Unknown()
                                   : PartialShape(std::vector<int64_t>(static_cast<size_t>(rank), kUnknown)));
    return OkStatus();
  }
  if (axis < -rank || axis >= rank) {
    return c.Error("Expected concatenating dimensions in the range [" +
                   std::to_string(-rank) + ", " + std::to_string(rank) +
                   "), but got " + std::to_string(axis));
  }
  if (axis < 0) axis += rank;
  std::vector<int64_t> dims(static_cast<size_t>(rank), kUnknown);
  int64_t concat_dim = 0;
  for (int i = 0; i < n; ++i) {
    const PartialShape& s = c.input(i);
    if (!s.rank_known()) {
      concat_dim = kUnknown;
      continue;
    }
    if (s.rank() != rank) {
      return c.Error("Shape must be rank " + std::to_string(rank) + " but is rank " +
                     std::to_string(s.rank()));
    }
    for (int d = 0; d < rank; ++d) {
      if (d == axis) continue;
      TFCKPT_RETURN_IF_ERROR(MergeDimOrError(c, dims[static_cast<size_t>(d)], s.dim(d),
                                             &dims[static_cast<size_t>(d)]));
    }
    const int64_t along = s.dim(static_cast<int>(axis));
    concat_dim = (concat_dim < 0 || along < 0) ? kUnknown : concat_dim + along;
  }
  dims[static_cast<size_t>(axis)] = concat_dim;
  c.outputs().push_back(PartialShape(std::move(dims)));
  return OkStatus();
}

Status ShapeOp(Context& c) {
  const PartialShape& input = c.input(0);
  c.outputs().push_back(PartialShape({input.rank_known() ? input.rank() : kUnknown}));
  return OkStatus();
}

// Random ops and Fill: the output shape is the value of input 0.
Status ShapeFromInput0(Context& c) {
  c.outputs().push_back(c.InputAsShape(0));
  return OkStatus();
}

// Output spatial size of a convolution or pool window.
StatusOr<int64_t> WindowedSize(Context& c, int64_t in, int64_t window, int64_t stride,
                               const std::string& padding) {
  if (in < 0) return kUnknown;
  if (stride <= 0) return c.Error("Stride must be > 0, but got " + std::to_string(stride));
  if (padding == "VALID") {
    if (in < window) {
      return c.Error("Negative dimension size caused by subtracting " +
                     std::to_string(window) + " from " + std::to_string(in));
    }
    return (in - window + stride) / stride;
  }
  return (in + stride - 1) / stride;
}

Status Conv2D(Context& c) {
  TFCKPT_RETURN_IF_ERROR(WithRank(c, 0, 4));
  TFCKPT_RETURN_IF_ERROR(WithRank(c, 1, 4));
  const PartialShape& input = c.input(0);
  const PartialShape& filter = c.input(1);
  const std::vector<int64_t> strides = c.IntListAttr("strides");
  if (strides.size() != 4) {
    return c.Error("Conv2D requires the stride attribute to contain 4 values, but got: " +
                   std::to_string(strides.size()));
  }
  if (!input.rank_known() || !filter.rank_known()) {
    c.outputs().push_back(PartialShape({kUnknown, kUnknown, kUnknown, kUnknown}));
    return OkStatus();
  }
  if (input.dim(3) >= 0 && filter.dim(2) > 0 && input.dim(3) % filter.dim(2) != 0) {
    return c.Error("Depth of input (" + std::to_string(input.dim(3)) +
                   ") is not a multiple of input depth of filter (" +
                   std::to_string(filter.dim(2)) + ")");
  }
  const std::string padding = c.StringAttr("padding", "VALID");
  TFCKPT_ASSIGN_OR_RETURN(int64_t rows,
                          WindowedSize(c, input.dim(1), filter.dim(0), strides[1], padding));
  TFCKPT_ASSIGN_OR_RETURN(int64_t cols,
                          WindowedSize(c, input.dim(2), filter.dim(1), strides[2], padding));
  c.outputs().push_back(PartialShape({input.dim(0), rows, cols, filter.dim(3)}));
  return OkStatus();
}

Status Pool(Context& c) {
  TFCKPT_RETURN_IF_ERROR(WithRank(c, 0, 4));
  const PartialShape& input = c.input(0);
  const std::vector<int64_t> ksize = c.IntListAttr("ksize");
  const std::vector<int64_t> strides = c.IntListAttr("strides");
  if (ksize.size() != 4 || strides.size() != 4) {
    return c.Error("Pooling requires ksize and strides of 4 values");
  }
  if (!input.rank_known()) {
    c.outputs().push_back(PartialShape({kUnknown, kUnknown, kUnknown, kUnknown}));
    return OkStatus();
  }
  const std::string padding = c.StringAttr("padding", "VALID");
  TFCKPT_ASSIGN_OR_RETURN(int64_t rows,
                          WindowedSize(c, input.dim(1), ksize[1], strides[1], padding));
  TFCKPT_ASSIGN_OR_RETURN(int64_t cols,
                          WindowedSize(c, input.dim(2), ksize[2], strides[2], padding));
  c.outputs().push_back(PartialShape({input.dim(0), rows, cols, input.dim(3)}));
  return OkStatus();
}

Status SoftmaxCrossEntropy(Context& c) {
  TFCKPT_RETURN_IF_ERROR(Broadcast(c));
  const PartialShape both = c.outputs().back();
  c.outputs().clear();
  if (both.rank_known() && both.rank() != 2) {
    return c.Error("Shape must be rank 2 but is rank " + std::to_string(both.rank()));
  }
  const int64_t batch = both.rank_known() ? both.dim(0) : kUnknown;
  c.outputs().push_back(PartialShape({batch}));
  c.outputs().push_back(both.rank_known() ? both : PartialShape({kUnknown, kUnknown}));
  return OkStatus();
}

// Assign/AssignAdd/AssignSub: the variable's shape, which the value must
// match when validate_shape holds.
Status AssignShape(Context& c) {
  const PartialShape& ref = c.input(0);
  const PartialShape& value = c.input(1);
  if (!c.BoolAttr("validate_shape", true)) {
    c.outputs().push_back(value);
    return OkStatus();
  }
  if (ref.rank_known() && value.rank_known()) {
    if (ref.rank() != value.rank()) {
      return c.Error("Shapes must be equal rank, but are " + std::to_string(ref.rank()) +
                     " and " + std::to_string(value.rank()));
    }
    std::vector<int64_t> dims = ref.dims();
    for (int i = 0; i < ref.rank(); ++i) {
      TFCKPT_RETURN_IF_ERROR(MergeDimOrError(c, ref.dim(i), value.dim(i),
                                             &dims[static_cast<size_t>(i)]));
    }
    c.outputs().push_back(PartialShape(std::move(dims)));
    return OkStatus();
  }
  c.outputs().push_back(ref.rank_known() ? ref : value);
  return OkStatus();
}

Status ShapeAttr(Context& c) {
  const AttrValue* shape = c.attr("shape");
  c.outputs().push_back(shape == nullptr ? PartialShape::Unknown()
                                         : PartialShape::FromProto(shape->shape()));
  return OkStatus();
}

Status ConstShape(Context& c) {
  const AttrValue* value = c.attr("value");
  c.outputs().push_back(value == nullptr
                            ? PartialShape::Unknown()
                            : PartialShape::FromProto(value->tensor().tensor_shape()));
  return OkStatus();
}

Status ReadVariable(Context& c) {
  c.outputs().push_back(c.raw_input(0).handle_shape);
  return OkStatus();
}

// Tile: each known dim times its known multiple.
Status Tile(Context& c) {
  const PartialShape multiples = c.InputAsShape(1);
  const PartialShape& input = c.input(0);
  if (!multiples.rank_known()) {
    c.outputs().push_back(input.rank_known()
                              ? PartialShape(std::vector<int64_t>(
                                    static_cast<size_t>(input.rank()), kUnknown))
                              : PartialShape::Unknown());
    return OkStatus();
  }
  std::vector<int64_t> dims(static_cast<size_t>(multiples.rank()), kUnknown);
  for (int i = 0; i < multiples.rank(); ++i) {
    if (input.rank_known() && i < input.rank() && input.dim(i) >= 0 && multiples.dim(i) >= 0) {
      dims[static_cast<size_t>(i)] = input.dim(i) * multiples.dim(i);
    }
  }
  c.outputs().push_back(PartialShape(std::move(dims)));
  return OkStatus();
}

// The constant integer values of an input, or nullopt.
std::optional<std::vector<int64_t>> ConstantInts(Context& c, int input) {
  const Tensor* value = c.InputTensor(input);
  if (value == nullptr) return std::nullopt;
  return Context::IntValues(*value);
}

// Gather (axis 0) and GatherV2 without batch dims: params' dims with the
// axis replaced by the indices' dims.
Status Gather(Context& c) {
  const PartialShape& params = c.input(0);
  const PartialShape& indices = c.input(1);
  int64_t axis = 0;
  const bool has_axis = c.num_inputs() > 2;
  const AttrValue* batch_dims = c.attr("batch_dims");
  if ((has_axis && !ConstantAxis(c, 2, &axis)) || !params.rank_known() ||
      !indices.rank_known() || (batch_dims != nullptr && batch_dims->i() != 0) ||
      axis < -params.rank() || axis >= params.rank()) {
    c.outputs().push_back(PartialShape::Unknown());
    return OkStatus();
  }
  if (axis < 0) axis += params.rank();
  std::vector<int64_t> dims(params.dims().begin(), params.dims().begin() + axis);
  dims.insert(dims.end(), indices.dims().begin(), indices.dims().end());
  dims.insert(dims.end(), params.dims().begin() + axis + 1, params.dims().end());
  c.outputs().push_back(PartialShape(std::move(dims)));
  return OkStatus();
}

// Split and SplitV: the value's shape with the split dim's size replaced by
// each part's, known where the axis (and SplitV's sizes) are constant.
Status Split(Context& c) {
  const bool sized = c.node_op() == "SplitV";
  const PartialShape& value = c.input(sized ? 0 : 1);
  const AttrValue* num_split = c.attr("num_split");
  // Nodes are checked before their shapes are inferred; a count below 1
  // would get no shapes.
  if (num_split == nullptr || num_split->i() < 1) return OkStatus();
  const auto count = static_cast<size_t>(num_split->i());
  int64_t axis = 0;
  if (!value.rank_known() || !ConstantAxis(c, sized ? 2 : 0, &axis) ||
      axis < -value.rank() || axis >= value.rank()) {
    const PartialShape unknown =
        value.rank_known() ? PartialShape(std::vector<int64_t>(value.dims().size(), kUnknown))
                           : PartialShape::Unknown();
    c.outputs().assign(count, unknown);
    return OkStatus();
  }
  if (axis < 0) axis += value.rank();
  const int64_t dim = value.dim(static_cast<int>(axis));
  std::vector<int64_t> sizes(count, kUnknown);
  if (!sized) {
    if (dim >= 0) sizes.assign(count, dim / static_cast<int64_t>(count));
  } else if (std::optional<std::vector<int64_t>> given = ConstantInts(c, 1);
             given.has_value() && given->size() == count) {
    sizes = *given;
    const auto rest = std::find(sizes.begin(), sizes.end(), -1);
    if (rest != sizes.end()) {
      // The rest of the dim, where the other sizes fit in it (checked
      // before adding, so that no sum overflows).
      bool fits = dim >= 0;
      int64_t known = 0;
      for (auto it = sizes.begin(); fits && it != sizes.end(); ++it) {
        if (it == rest) continue;
        fits = *it >= 0 && *it <= dim - known;
        if (fits) known += *it;
      }
      *rest = fits ? dim - known : kUnknown;
    }
  }
  for (int64_t size : sizes) {
    std::vector<int64_t> dims = value.dims();
    dims[static_cast<size_t>(axis)] = size < 0 ? kUnknown : size;
    c.outputs().push_back(PartialShape(std::move(dims)));
  }
  return OkStatus();
}

// Pad/PadV2: each dim grows by its constant paddings.
Status Pad(Context& c) {
  const PartialShape& input = c.input(0);
  const std::optional<std::vector<int64_t>> pads = ConstantInts(c, 1);
  if (!input.rank_known() || !pads.has_value() ||
      pads->size() != 2 * static_cast<size_t>(input.rank())) {
    c.outputs().push_back(PartialShape::Unknown());
    return OkStatus();
  }
  std::vector<int64_t> dims = input.dims();
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] >= 0) dims[d] += (*pads)[2 * d] + (*pads)[2 * d + 1];
  }
  c.outputs().push_back(PartialShape(std::move(dims)));
  return OkStatus();
}

// Slice with constant begin and size (-1: to the end of the dim).
Status Slice(Context& c) {
  const PartialShape& input = c.input(0);
  const std::optional<std::vector<int64_t>> begin = ConstantInts(c, 1);
  const std::optional<std::vector<int64_t>> size = ConstantInts(c, 2);
  if (!input.rank_known() || !begin.has_value() || !size.has_value() ||
      size->size() != static_cast<size_t>(input.rank()) ||
      begin->size() != size->size()) {
    c.outputs().push_back(size.has_value()
                              ? PartialShape(std::vector<int64_t>(size->size(), kUnknown))
                              : PartialShape::Unknown());
    return OkStatus();
  }
  std::vector<int64_t> dims = *size;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] == -1) {
      const int64_t dim = input.dim(static_cast<int>(d));
      dims[d] = dim < 0 ? kUnknown : dim - (*begin)[d];
    }
  }
  c.outputs().push_back(PartialShape(std::move(dims)));
  return OkStatus();
}

// StridedSlice with constant bounds and no ellipsis or new axis (the forms
// Python's basic slicing makes most); anything else: unknown.
Status StridedSlice(Context& c) {
  const PartialShape& input = c.input(0);
  const std::optional<std::vector<int64_t>> begin = ConstantInts(c, 1);
  const std::optional<std::vector<int64_t>> end = ConstantInts(c, 2);
  const std::optional<std::vector<int64_t>> strides = ConstantInts(c, 3);
  auto mask = [&c](const char* name) {
    const AttrValue* v = c.attr(name);
    return v == nullptr ? int64_t{0} : v->i();
  };
  if (!input.rank_known() || !begin || !end || !strides ||
      mask("ellipsis_mask") != 0 || mask("new_axis_mask") != 0 ||
      begin->size() > static_cast<size_t>(input.rank()) ||
      end->size() != begin->size() || strides->size() != begin->size()) {
    c.outputs().push_back(PartialShape::Unknown());
    return OkStatus();
  }
  std::vector<int64_t> dims;
  for (int d = 0; d < input.rank(); ++d) {
    const auto ud = static_cast<size_t>(d);
    const int64_t dim = input.dim(d);
    if (ud >= begin->size()) {
      dims.push_back(dim);
      continue;
    }
    if ((mask("shrink_axis_mask") >> d) & 1) continue;
    const int64_t stride = (*strides)[ud];
    if (dim < 0 || stride == 0) {
      dims.push_back(kUnknown);
      continue;
    }
    const int64_t lo = stride > 0 ? 0 : -1;
    const int64_t hi = stride > 0 ? dim : dim - 1;
    auto bound = [&](int64_t v, bool masked, bool is_end) {
      if (masked) return (stride > 0) == is_end ? hi : lo;
      return std::clamp(v < 0 ? dim + v : v, lo, hi);
    };
    const int64_t first = bound((*begin)[ud], (mask("begin_mask") >> d) & 1, false);
    const int64_t last = bound((*end)[ud], (mask("end_mask") >> d) & 1, true);
    const int64_t length = last - first;
    dims.push_back((length == 0 || (length < 0) != (stride < 0))
                       ? 0
                       : length / stride + (length % stride != 0 ? 1 : 0));
  }
  c.outputs().push_back(PartialShape(std::move(dims)));
  return OkStatus();
}

// FusedBatchNorm(V3), NHWC: y like x; the statistics one value per channel.
Status FusedBatchNorm(Context& c) {
  const PartialShape& x = c.input(0);
  c.outputs().push_back(x);
  const int64_t channels = x.rank_known() && x.rank() == 4 ? x.dim(3) : kUnknown;
  for (int i = 0; i < 4; ++i) c.outputs().push_back(PartialShape({channels}));
  return OkStatus();
}

// Select/SelectV2 where the branches and the condition agree: their shape.
Status Select(Context& c) {
  const PartialShape& branch = c.input(1);
  const bool agree = branch == c.input(2) &&
                     (c.input(0) == branch || c.node_op() == "Select");
  c.outputs().push_back(agree ? branch : PartialShape::Unknown());
  return OkStatus();
}

// UnsortedSegmentSum: [num_segments] + data's dims past segment_ids' rank.
Status UnsortedSegmentSum(Context& c) {
  const PartialShape& data = c.input(0);
  const PartialShape& ids = c.input(1);
  int64_t segments = 0;
  if (!ConstantAxis(c, 2, &segments)) segments = kUnknown;
  if (!data.rank_known() || !ids.rank_known() || ids.rank() > data.rank()) {
    c.outputs().push_back(PartialShape::Unknown());
    return OkStatus();
  }
  std::vector<int64_t> dims = {segments};
  dims.insert(dims.end(), data.dims().begin() + ids.rank(), data.dims().end());
  c.outputs().push_back(PartialShape(std::move(dims)));
  return OkStatus();
}

using ShapeFn = std::function<Status(Context&)>;

const std::map<std::string, ShapeFn, std::less<>>& ShapeFunctions() {
  static const auto* functions = [] {
    auto* m = new std::map<std::string, ShapeFn, std::less<>>;
    for (const char* op :
         {"Identity", "StopGradient", "Snapshot", "Relu", "Relu6", "Elu", "Selu",
          "Softplus", "LeakyRelu", "Sigmoid", "Tanh", "Neg", "Abs", "Sign",
          "Square", "Sqrt", "Rsqrt", "Exp", "Log", "Reciprocal", "Floor", "Ceil",
          "LogicalNot", "ZerosLike", "OnesLike", "Cast", "PlaceholderWithDefault"}) {
      (*m)[op] = Unchanged;
    }
    for (const char* op : {"Softmax", "LogSoftmax"}) {
      (*m)[op] = [](Context& c) {
        TFCKPT_RETURN_IF_ERROR(WithRankAtLeast(c, 0, 1));
        return Unchanged(c);
      };
    }
    for (const char* op :
         {"Add", "AddV2", "Sub", "Mul", "RealDiv", "Div", "FloorDiv", "FloorMod",
          "Maximum", "Minimum", "Pow", "SquaredDifference", "Equal", "NotEqual",
          "Less", "LessEqual", "Greater", "GreaterEqual", "LogicalAnd",
          "LogicalOr"}) {
      (*m)[op] = Broadcast;
    }
    for (const char* op : {"Sum", "Mean", "Max", "Min", "Prod"}) (*m)[op] = Reduction;
    for (const char* op : {"ArgMax", "ArgMin"}) (*m)[op] = ArgMax;
    for (const char* op : {"Assign", "AssignAdd", "AssignSub"}) (*m)[op] = AssignShape;
    for (const char* op : {"RandomStandardNormal", "TruncatedNormal", "RandomUniform",
                           "Fill"}) {
      (*m)[op] = ShapeFromInput0;
    }
    for (const char* op : {"MaxPool", "AvgPool"}) (*m)[op] = Pool;
    for (const char* op : {"Placeholder", "VariableV2", "Variable"}) (*m)[op] = ShapeAttr;
    (*m)["Const"] = ConstShape;
    (*m)["VarHandleOp"] = Scalar;
    (*m)["VarIsInitializedOp"] = Scalar;
    (*m)["IsVariableInitialized"] = Scalar;
    (*m)["L2Loss"] = Scalar;
    (*m)["ReadVariableOp"] = ReadVariable;
    (*m)["MatMul"] = MatMul;
    (*m)["BiasAdd"] = BiasAdd;
    (*m)["Reshape"] = Reshape;
    (*m)["ExpandDims"] = ExpandDims;
    (*m)["Transpose"] = Transpose;
    (*m)["ConcatV2"] = ConcatV2;
    (*m)["Shape"] = ShapeOp;
    (*m)["Conv2D"] = Conv2D;
    (*m)["SoftmaxCrossEntropyWithLogits"] = SoftmaxCrossEntropy;
    // Ops Gradients() adds: shaped like their first input, or by a shape
    // input.
    for (const char* op : {"ReluGrad", "Relu6Grad", "SigmoidGrad", "TanhGrad", "SqrtGrad",
                           "MaxPoolGrad", "AddN"}) {
      (*m)[op] = Unchanged;
    }
    for (const char* op : {"Conv2DBackpropInput", "AvgPoolGrad"}) (*m)[op] = ShapeFromInput0;
    (*m)["Conv2DBackpropFilter"] = [](Context& c) {
      c.outputs().push_back(c.InputAsShape(1));
      return OkStatus();
    };
    (*m)["Tile"] = Tile;
    for (const char* op : {"Gather", "GatherV2"}) (*m)[op] = Gather;
    for (const char* op : {"Pad", "PadV2"}) (*m)[op] = Pad;
    for (const char* op : {"Split", "SplitV"}) (*m)[op] = Split;
    for (const char* op : {"FusedBatchNorm", "FusedBatchNormV3"}) (*m)[op] = FusedBatchNorm;
    for (const char* op : {"Select", "SelectV2"}) (*m)[op] = Select;
    (*m)["Slice"] = Slice;
    (*m)["StridedSlice"] = StridedSlice;
    (*m)["UnsortedSegmentSum"] = UnsortedSegmentSum;
    (*m)["StridedSliceGrad"] = [](Context& c) {
      c.outputs().push_back(c.InputAsShape(0));
      return OkStatus();
    };
    return m;
  }();
  return *functions;
}

}  // namespace

std::string SummarizeNodeDef(const NodeDef& node) {
  std::vector<std::string> names;
  for (const auto& [name, value] : node.attr()) names.push_back(name);
  std::sort(names.begin(), names.end());
  std::string out = "{{node " + node.name() + "}} = " + node.op() + "[";
  bool first = true;
  for (const std::string& name : names) {
    if (!first) out += ", ";
    first = false;
    out += name + "=" + SummarizeAttrValue(node.attr().at(name));
  }
  if (!node.device().empty()) {
    out += std::string(first ? "" : ", ") + "_device=\"" + node.device() + "\"";
  }
  out += "](";
  for (int i = 0; i < node.input_size(); ++i) {
    if (i > 0) out += ", ";
    out += node.input(i);
  }
  return out + ")";
}

StatusOr<std::vector<PartialShape>> InferOutputShapes(
    const NodeDef& node, int num_outputs, std::span<const ShapeInput> inputs) {
  const auto& functions = ShapeFunctions();
  auto it = functions.find(node.op());
  if (it == functions.end()) {
    return std::vector<PartialShape>(static_cast<size_t>(std::max(num_outputs, 0)));
  }
  Context context(node, inputs);
  TFCKPT_RETURN_IF_ERROR(it->second(context));
  std::vector<PartialShape>& outputs = context.outputs();
  outputs.resize(static_cast<size_t>(std::max(num_outputs, 0)));
  return std::move(outputs);
}

}  // namespace tfckpt::internal
