// Gradients: reverse-mode differentiation over the graph, following TF's
// gradients_util: the ops between xs and ys are visited from ys back, each
// once every consumer has passed its gradient back; gradients that meet are
// summed by AddN; each op's gradient ops live in the scope "<op>_grad".
#include "tfckpt/gradients.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tfckpt/tensor.h"

namespace tfckpt {
namespace {

using tensorflow::AttrValue;
using AttrMap = std::map<std::string, AttrValue>;

AttrValue BoolAttr(bool value) {
  AttrValue attr;
  attr.set_b(value);
  return attr;
}

AttrValue IntAttr(int64_t value) {
  AttrValue attr;
  attr.set_i(value);
  return attr;
}

AttrValue TypeAttr(DataType dtype) {
  AttrValue attr;
  attr.set_type(static_cast<tensorflow::DataType>(dtype));
  return attr;
}

// The attrs `keys` of `node`, copied to a gradient op (strides, padding...).
AttrMap CopyAttrs(const Node* node, std::initializer_list<const char*> keys) {
  AttrMap attrs;
  for (const char* key : keys) {
    if (const AttrValue* value = node->FindAttr(key)) attrs[key] = *value;
  }
  return attrs;
}

bool IsFloatingPoint(DataType dtype) {
  return dtype == DataType::kFloat || dtype == DataType::kDouble ||
         dtype == DataType::kHalf || dtype == DataType::kBFloat16;
}

// The first output of an op, or an invalid one when it was not added.
Output First(const std::vector<Output>& outputs) {
  return outputs.empty() ? Output() : outputs[0];
}

// An int32 vector constant (shapes, axes), or a scalar when `scalar`.
Tensor Int32Tensor(const std::vector<int64_t>& values, bool scalar = false) {
  std::vector<int32_t> narrow(values.begin(), values.end());
  const TensorShape shape =
      scalar ? TensorShape()
             : TensorShape({static_cast<int64_t>(narrow.size())});
  auto tensor = Tensor::FromValues(shape, std::span<const int32_t>(narrow));
  return tensor.ok() ? *std::move(tensor) : Tensor();
}

// Ops whose inputs get no gradient (TF's NotDifferentiable) or that have no
// inputs to pass one to.
bool PassesNoGradient(const Node* node) {
  static const std::set<std::string, std::less<>> kNotDifferentiable = {
      "StopGradient",
      "PreventGradient",
      "Shape",
      "ShapeN",
      "Size",
      "Rank",
      "ArgMax",
      "ArgMin",
      "Equal",
      "NotEqual",
      "Less",
      "LessEqual",
      "Greater",
      "GreaterEqual",
      "ZerosLike",
      "OnesLike",
      "BroadcastGradientArgs",
      "Fill",
      "Range",
      "RandomStandardNormal",
      "TruncatedNormal",
      "RandomUniform",
      "Assign",
      "AssignAdd",
      "AssignSub",
      "AssignVariableOp",
      "VarIsInitializedOp",
      "IsVariableInitialized"};
  return node->data_inputs().empty() || kNotDifferentiable.contains(node->op());
}

// The state of one Gradients call.
class GradientBuilder {
 public:
  GradientBuilder(GraphBuilder& tf, const GradientsOptions& options)
      : tf_(tf), options_(options) {}

  std::vector<Output> Run(const std::vector<Output>& ys,
                          const std::vector<Output>& xs,
                          const std::vector<Output>& grad_ys);

 private:
  using GradFn = std::vector<Output> (GradientBuilder::*)(
      const Node*, const std::vector<Output>&);

  // Output `index` of `node`.
  Output OutputOf(const Node* node, int index) {
    return tf_.GetTensorByName(node->name() + ":" + std::to_string(index));
  }
  Output In(const Node* node, int index) {
    const TensorId& id = node->data_inputs()[static_cast<size_t>(index)];
    return tf_.GetTensorByName(id.node + ":" + std::to_string(id.index));
  }
  const Node* Producer(const TensorId& id) const {
    return tf_.graph()->FindNode(id.node);
  }
  Output Const(const Tensor& value, std::string_view name) {
    return tf_.Constant(value, name);
  }
  // TF's array_ops.shape: a Const when the shape is known while building.
  Output ShapeOf(const Output& x);
  std::optional<GradFn> FindGradFn(std::string_view op) const;

  // Sums the gradients of each output of `node` (AddN in the gradients
  // scope where there are several).
  std::vector<Output> AggregatedGrads(const Node* node);
  // TF's control_flow_ops.tuple over the non-null gradients.
  void Gate(std::vector<Output>* grads);

  // Broadcasting binary ops: reduces each gradient to its input's shape.
  std::vector<Output> ReduceBroadcast(const Output& x, const Output& y,
                                      Output gx, Output gy);

  std::vector<Output> AddGrad(const Node* op, const std::vector<Output>& grads);
  std::vector<Output> SubGrad(const Node* op, const std::vector<Output>& grads);
  std::vector<Output> MulGrad(const Node* op, const std::vector<Output>& grads);
  std::vector<Output> RealDivGrad(const Node* op,
                                  const std::vector<Output>& grads);
  std::vector<Output> NegGrad(const Node* op, const std::vector<Output>& grads);
  std::vector<Output> SquareGrad(const Node* op,
                                 const std::vector<Output>& grads);
  std::vector<Output> SqrtGrad(const Node* op,
                               const std::vector<Output>& grads);
  std::vector<Output> ExpGrad(const Node* op, const std::vector<Output>& grads);
  std::vector<Output> LogGrad(const Node* op, const std::vector<Output>& grads);
  std::vector<Output> MatMulGrad(const Node* op,
                                 const std::vector<Output>& grads);
  std::vector<Output> BiasAddGrad(const Node* op,
                                  const std::vector<Output>& grads);
  std::vector<Output> ReluGrad(const Node* op,
                               const std::vector<Output>& grads);
  std::vector<Output> Relu6Grad(const Node* op,
                                const std::vector<Output>& grads);
  std::vector<Output> SigmoidGrad(const Node* op,
                                  const std::vector<Output>& grads);
  std::vector<Output> TanhGrad(const Node* op,
                               const std::vector<Output>& grads);
  std::vector<Output> SoftmaxGrad(const Node* op,
                                  const std::vector<Output>& grads);
  std::vector<Output> SoftmaxXentGrad(const Node* op,
                                      const std::vector<Output>& grads);
  std::vector<Output> L2LossGrad(const Node* op,
                                 const std::vector<Output>& grads);
  std::vector<Output> SumGrad(const Node* op, const std::vector<Output>& grads);
  std::vector<Output> MeanGrad(const Node* op,
                               const std::vector<Output>& grads);
  std::vector<Output> ReshapeGrad(const Node* op,
                                  const std::vector<Output>& grads);
  std::vector<Output> IdentityGrad(const Node* op,
                                   const std::vector<Output>& grads);
  std::vector<Output> CastGrad(const Node* op,
                               const std::vector<Output>& grads);
  std::vector<Output> ConcatGrad(const Node* op,
                                 const std::vector<Output>& grads);
  std::vector<Output> Conv2DGrad(const Node* op,
                                 const std::vector<Output>& grads);
  std::vector<Output> MaxPoolGrad(const Node* op,
                                  const std::vector<Output>& grads);
  std::vector<Output> AvgPoolGrad(const Node* op,
                                  const std::vector<Output>& grads);
  std::vector<Output> MaximumGrad(const Node* op,
                                  const std::vector<Output>& grads);
  std::vector<Output> MinimumGrad(const Node* op,
                                  const std::vector<Output>& grads);
  std::vector<Output> PowGrad(const Node* op, const std::vector<Output>& grads);
  std::vector<Output> AbsGrad(const Node* op, const std::vector<Output>& grads);
  std::vector<Output> SquaredDifferenceGrad(const Node* op,
                                            const std::vector<Output>& grads);
  std::vector<Output> LogSoftmaxGrad(const Node* op,
                                     const std::vector<Output>& grads);
  std::vector<Output> TransposeGrad(const Node* op,
                                    const std::vector<Output>& grads);
  std::vector<Output> GatherGrad(const Node* op,
                                 const std::vector<Output>& grads);
  std::vector<Output> StridedSliceGrad(const Node* op,
                                       const std::vector<Output>& grads);
  std::vector<Output> PadGrad(const Node* op, const std::vector<Output>& grads);
  std::vector<Output> FusedBatchNormGrad(const Node* op,
                                         const std::vector<Output>& grads);

  // Maximum and Minimum: the gradient goes to x where selector(x, y) holds
  // (GreaterEqual, LessEqual), else to y.
  std::vector<Output> SelectedInputGrad(const Node* op, const Output& grad,
                                        std::string_view selector);
  // TF's `with name_scope(name) as scope`: make_inputs() adds the op's
  // inputs under "<name>/", then the op itself takes the name "<name>".
  std::vector<Output> ScopedOp(std::string_view op, std::string_view name,
                               const std::function<std::vector<Input>()>& make_inputs,
                               AttrMap attrs = {});
  // TF's zeros_like / ones_like of `x` in graph mode.
  Output ZerosLike(const Output& x);
  Output OnesLike(const Output& x);
  // One bound of a slice: constants, or one scalar tensor (an index only
  // known when run), which TF's slicing operator packs into a vector.
  struct SliceBound {
    SliceBound(std::initializer_list<int64_t> constants) : values(constants) {}
    SliceBound(const Output& scalar) : tensor(scalar) {}  // NOLINT: implicit
    std::vector<int64_t> values;
    Output tensor;
  };
  // x[begin:end:strides] as TF's slicing operator builds it ("strided_slice"
  // with "stack", "stack_1", "stack_2": a Const, or a Pack of a tensor).
  Output StridedSlice(const Output& x, const SliceBound& begin, const SliceBound& end,
                      const SliceBound& strides, AttrMap masks);
  // The number of elements of `x` as TF's array_ops.size: a Const "Size"
  // when the shape is known while building.
  Output SizeOf(const Output& x);
  // GatherV2's gradient along a nonzero axis: the gathered axis moved first,
  // summed into its rows, moved back.
  Output GatherGradAlongAxis(const Node* op, const Output& grad, const Output& params_shape,
                             int64_t axis);

  GraphBuilder& tf_;
  const GradientsOptions& options_;
  // Gradients received so far: node id -> per output, every contribution.
  std::map<int, std::vector<std::vector<Output>>> grads_;
};

Output GradientBuilder::ShapeOf(const Output& x) {
  const PartialShape shape = tf_.ShapeOf(x);
  if (shape.fully_defined()) return Const(Int32Tensor(shape.dims()), "Shape");
  return tf_.Shape(x, "Shape");
}

std::optional<GradientBuilder::GradFn> GradientBuilder::FindGradFn(
    std::string_view op) const {
  static const std::map<std::string, GradFn, std::less<>> kGradients = {
      {"Add", &GradientBuilder::AddGrad},
      {"AddV2", &GradientBuilder::AddGrad},
      {"Sub", &GradientBuilder::SubGrad},
      {"Mul", &GradientBuilder::MulGrad},
      {"RealDiv", &GradientBuilder::RealDivGrad},
      {"Neg", &GradientBuilder::NegGrad},
      {"Square", &GradientBuilder::SquareGrad},
      {"Sqrt", &GradientBuilder::SqrtGrad},
      {"Exp", &GradientBuilder::ExpGrad},
      {"Log", &GradientBuilder::LogGrad},
      {"MatMul", &GradientBuilder::MatMulGrad},
      {"BiasAdd", &GradientBuilder::BiasAddGrad},
      {"Relu", &GradientBuilder::ReluGrad},
      {"Relu6", &GradientBuilder::Relu6Grad},
      {"Sigmoid", &GradientBuilder::SigmoidGrad},
      {"Tanh", &GradientBuilder::TanhGrad},
      {"Softmax", &GradientBuilder::SoftmaxGrad},
      {"SoftmaxCrossEntropyWithLogits", &GradientBuilder::SoftmaxXentGrad},
      {"L2Loss", &GradientBuilder::L2LossGrad},
      {"Sum", &GradientBuilder::SumGrad},
      {"Mean", &GradientBuilder::MeanGrad},
      {"Reshape", &GradientBuilder::ReshapeGrad},
      {"Identity", &GradientBuilder::IdentityGrad},
      {"ReadVariableOp", &GradientBuilder::IdentityGrad},
      {"Cast", &GradientBuilder::CastGrad},
      {"ConcatV2", &GradientBuilder::ConcatGrad},
      {"Conv2D", &GradientBuilder::Conv2DGrad},
      {"MaxPool", &GradientBuilder::MaxPoolGrad},
      {"AvgPool", &GradientBuilder::AvgPoolGrad},
      {"Maximum", &GradientBuilder::MaximumGrad},
      {"Minimum", &GradientBuilder::MinimumGrad},
      {"Pow", &GradientBuilder::PowGrad},
      {"Abs", &GradientBuilder::AbsGrad},
      {"SquaredDifference", &GradientBuilder::SquaredDifferenceGrad},
      {"LogSoftmax", &GradientBuilder::LogSoftmaxGrad},
      {"Transpose", &GradientBuilder::TransposeGrad},
      {"ExpandDims", &GradientBuilder::ReshapeGrad},
      {"Gather", &GradientBuilder::GatherGrad},
      {"GatherV2", &GradientBuilder::GatherGrad},
      {"StridedSlice", &GradientBuilder::StridedSliceGrad},
      {"Pad", &GradientBuilder::PadGrad},
      {"PadV2", &GradientBuilder::PadGrad},
      {"FusedBatchNorm", &GradientBuilder::FusedBatchNormGrad},
      {"FusedBatchNormV3", &GradientBuilder::FusedBatchNormGrad},
  };
  auto it = kGradients.find(op);
  if (it == kGradients.end()) return std::nullopt;
  return it->second;
}

std::vector<Output> GradientBuilder::Run(const std::vector<Output>& ys,
                                         const std::vector<Output>& xs,
                                         const std::vector<Output>& grad_ys) {
  if (!tf_.status().ok()) return {};
  if (!grad_ys.empty() && grad_ys.size() != ys.size()) {
    tf_.RecordError(InvalidArgumentError(
        "Gradients: " + std::to_string(grad_ys.size()) + " grad_ys for " +
        std::to_string(ys.size()) + " ys"));
    return {};
  }
  for (const std::vector<Output>* list : {&ys, &xs, &options_.stop_gradients}) {
    for (const Output& t : *list) {
      if (!t.valid() || t.builder() != &tf_) {
        tf_.RecordError(
            InvalidArgumentError("Gradients: a y, x or stop_gradients tensor "
                                 "is invalid or from another builder"));
        return {};
      }
    }
  }
  const Graph& graph = *tf_.graph();
  // Consumers of each node, over data edges, as the graph is now.
  std::map<int, std::vector<const Node*>> consumers;
  for (int id = 0; id < graph.num_nodes(); ++id) {
    const Node& node = graph.node(id);
    for (const TensorId& input : node.data_inputs()) {
      if (const Node* producer = Producer(input))
        consumers[producer->id()].push_back(&node);
    }
  }
  // Ops reached from xs going forward...
  std::set<int> reached;
  std::vector<const Node*> stack;
  for (const Output& x : xs) stack.push_back(x.node());
  while (!stack.empty()) {
    const Node* node = stack.back();
    stack.pop_back();
    if (!reached.insert(node->id()).second) continue;
    for (const Node* consumer : consumers[node->id()])
      stack.push_back(consumer);
  }
  // ...and, among them, those that reach ys going back: the ops between.
  std::set<int> between;
  std::deque<const Node*> queue;
  for (const Output& y : ys) queue.push_back(y.node());
  std::set<int> unvisited = reached;
  while (!queue.empty()) {
    const Node* node = queue.front();
    queue.pop_front();
    if (!unvisited.erase(node->id())) continue;
    between.insert(node->id());
    for (const TensorId& input : node->data_inputs()) {
      if (const Node* producer = Producer(input)) queue.push_back(producer);
    }
  }
  std::map<int, int> pending;
  for (int id : between) {
    for (const TensorId& input : graph.node(id).data_inputs()) {
      const Node* producer = Producer(input);
      if (producer != nullptr && between.contains(producer->id()))
        ++pending[producer->id()];
    }
  }
  // xs ops with no input between stop the walk, as do stop_gradients.
  std::set<int> stop_ops;
  for (const Output& x : xs) {
    const bool fed_from_between =
        std::any_of(x.node()->data_inputs().begin(),
                    x.node()->data_inputs().end(), [&](const TensorId& input) {
                      const Node* producer = Producer(input);
                      return producer != nullptr && pending[producer->id()] > 0;
                    });
    if (!fed_from_between) stop_ops.insert(x.node()->id());
  }
  for (const Output& t : options_.stop_gradients)
    stop_ops.insert(t.node()->id());

  GraphBuilder::ScopeGuard scope = tf_.NameScope(options_.name);
  const std::string scope_name = tf_.graph()->name_scope();
  auto add_grad = [this](const Output& t, const Output& grad) {
    auto& per_output = grads_[t.node()->id()];
    per_output.resize(
        static_cast<size_t>(std::max(t.node()->num_outputs(), t.index() + 1)));
    per_output[static_cast<size_t>(t.index())].push_back(grad);
  };
  for (size_t i = 0; i < ys.size(); ++i) {
    if (!grad_ys.empty() && grad_ys[i].valid()) {
      add_grad(ys[i], grad_ys[i]);
      continue;
    }
    // TF's ones(shape(y), name="grad_ys_<i>"): a Fill of a Const.
    Output shape = ShapeOf(ys[i]);
    const std::string seed_name = "grad_ys_" + std::to_string(i);
    Output one;
    {
      GraphBuilder::ScopeGuard seed_scope = tf_.NameScope(seed_name);
      one = tf_.Fill(1.0, {}, ys[i].dtype(), "Const");
    }
    add_grad(ys[i], First(tf_.AddOp("Fill", {shape, one}, {},
                                    scope_name + "/" + seed_name + "/")));
  }
  if (!tf_.status().ok()) return {};

  std::set<int> queued;
  for (const Output& y : ys) {
    const int id = y.node()->id();
    if (pending[id] == 0 && reached.contains(id) && queued.insert(id).second) {
      queue.push_back(y.node());
    }
  }
  while (!queue.empty() && tf_.status().ok()) {
    const Node* op = queue.front();
    queue.pop_front();
    std::vector<Output> out_grads = AggregatedGrads(op);
    const bool has_out_grads =
        std::any_of(out_grads.begin(), out_grads.end(),
                    [](const Output& g) { return g.valid(); });
    std::vector<Output> in_grads;
    if (has_out_grads && !stop_ops.contains(op->id()) &&
        !PassesNoGradient(op)) {
      std::optional<GradFn> grad_fn = FindGradFn(op->op());
      if (!grad_fn.has_value()) {
        tf_.RecordError(
            UnimplementedError("No gradient defined for operation '" +
                               op->name() + "' (op type: " + op->op() + ")"));
        return {};
      }
      // An output nothing depends on gets a zero gradient, when trainable.
      for (size_t i = 0; i < out_grads.size(); ++i) {
        const Output output = OutputOf(op, static_cast<int>(i));
        if (!out_grads[i].valid() && IsFloatingPoint(output.dtype())) {
          out_grads[i] = tf_.ZerosLike(output);
        }
      }
      GraphBuilder::ScopeGuard op_scope = tf_.NameScope(op->name() + "_grad");
      in_grads = (this->**grad_fn)(op, out_grads);
      if (options_.gate_gradients) Gate(&in_grads);
    }
    const auto& inputs = op->data_inputs();
    for (size_t i = 0; i < inputs.size() && i < in_grads.size(); ++i) {
      if (in_grads[i].valid())
        add_grad(In(op, static_cast<int>(i)), in_grads[i]);
    }
    for (const TensorId& input : inputs) {
      const Node* producer = Producer(input);
      if (producer == nullptr || !between.contains(producer->id())) continue;
      if (--pending[producer->id()] == 0) queue.push_back(producer);
    }
  }
  if (!tf_.status().ok()) return {};
  std::vector<Output> result;
  for (const Output& x : xs) {
    auto it = grads_.find(x.node()->id());
    const size_t index = static_cast<size_t>(x.index());
    if (it == grads_.end() || index >= it->second.size() ||
        it->second[index].empty()) {
      result.emplace_back();
    } else if (it->second[index].size() == 1) {
      result.push_back(it->second[index][0]);
    } else {
      // An x whose op was not walked (a stop op) still sums its gradients.
      result.push_back(AggregatedGrads(x.node())[index]);
    }
  }
  return result;
}

std::vector<Output> GradientBuilder::AggregatedGrads(const Node* node) {
  auto it = grads_.find(node->id());
  std::vector<Output> out(
      static_cast<size_t>(std::max(node->num_outputs(), 0)));
  if (it == grads_.end()) return out;
  for (size_t i = 0; i < it->second.size() && i < out.size(); ++i) {
    std::vector<Output>& received = it->second[i];
    if (received.size() == 1) out[i] = received[0];
    if (received.size() > 1) {
      std::vector<Input> summands(received.begin(), received.end());
      out[i] = First(tf_.AddOp("AddN", summands, {}, "AddN"));
      received = {out[i]};
    }
  }
  return out;
}

void GradientBuilder::Gate(std::vector<Output>* grads) {
  std::vector<Operation> deps;
  for (const Output& g : *grads) {
    if (g.valid()) deps.push_back(Operation{g.node()});
  }
  if (deps.size() < 2) return;
  GraphBuilder::ScopeGuard scope = tf_.NameScope("tuple");
  const Operation group = tf_.Group(deps, "group_deps");
  for (Output& g : *grads) {
    if (g.valid())
      g = First(tf_.AddOp("Identity", {g}, {}, "control_dependency", {group}));
  }
}

// --- Gradient functions
// -------------------------------------------------------

// Which axes of x and y were broadcast, when the shapes say so statically
// (nullopt when a broadcast depends on an unknown dim).
std::optional<std::pair<std::vector<int64_t>, std::vector<int64_t>>>
StaticReductionAxes(const PartialShape& x, const PartialShape& y) {
  if (!x.rank_known() || !y.rank_known()) return std::nullopt;
  const int rank = std::max(x.rank(), y.rank());
  std::vector<int64_t> x_axes;
  std::vector<int64_t> y_axes;
  for (int axis = 0; axis < rank; ++axis) {
    const int64_t x_dim =
        axis < rank - x.rank() ? 1 : x.dim(axis - (rank - x.rank()));
    const int64_t y_dim =
        axis < rank - y.rank() ? 1 : y.dim(axis - (rank - y.rank()));
    if (x_dim == 1 && y_dim != 1) {
      x_axes.push_back(axis);
    } else if (y_dim == 1 && x_dim != 1) {
      y_axes.push_back(axis);
    } else if (x_dim < 0 || y_dim < 0) {
      return std::nullopt;
    }
  }
  return std::make_pair(x_axes, y_axes);
}

std::vector<Output> GradientBuilder::ReduceBroadcast(const Output& x,
                                                     const Output& y, Output gx,
                                                     Output gy) {
  const PartialShape x_shape = tf_.ShapeOf(x);
  const PartialShape y_shape = tf_.ShapeOf(y);
  Output sx = ShapeOf(x);
  Output sy = ShapeOf(y);
  Input x_axes = Output();
  Input y_axes = Output();
  bool x_must_reduce = true;
  bool y_must_reduce = true;
  if (auto axes = StaticReductionAxes(x_shape, y_shape)) {
    x_must_reduce = !axes->first.empty() || x_shape.rank() < y_shape.rank();
    y_must_reduce = !axes->second.empty() || y_shape.rank() < x_shape.rank();
    x_axes = Int32Tensor(axes->first);
    y_axes = Int32Tensor(axes->second);
  } else {
    std::vector<Output> args = tf_.AddOp("BroadcastGradientArgs", {sx, sy}, {});
    if (args.size() != 2) return {};
    x_axes = args[0];
    y_axes = args[1];
  }
  auto reduce = [&](Output grad, const Input& axes, const Output& shape,
                    bool must) {
    if (!grad.valid() || !must) return grad;
    Output sum =
        First(tf_.AddOp("Sum", {grad, axes}, {{"keep_dims", BoolAttr(true)}}));
    return tf_.Reshape(sum, shape);
  };
  gx = reduce(gx, x_axes, sx, x_must_reduce);
  gy = reduce(gy, y_axes, sy, y_must_reduce);
  return {gx, gy};
}

// The shapes of x, y and grad are equal and fully known.
bool SameKnownShapes(GraphBuilder& tf, const Output& x, const Output& y,
                     const Output& grad) {
  const PartialShape shape = tf.ShapeOf(x);
  return shape.fully_defined() && shape == tf.ShapeOf(y) &&
         shape == tf.ShapeOf(grad);
}

std::vector<Output> GradientBuilder::AddGrad(const Node* op,
                                             const std::vector<Output>& grads) {
  const Output x = In(op, 0);
  const Output y = In(op, 1);
  if (SameKnownShapes(tf_, x, y, grads[0])) return {grads[0], grads[0]};
  return ReduceBroadcast(x, y, grads[0], grads[0]);
}

std::vector<Output> GradientBuilder::SubGrad(const Node* op,
                                             const std::vector<Output>& grads) {
  const Output x = In(op, 0);
  const Output y = In(op, 1);
  if (SameKnownShapes(tf_, x, y, grads[0]))
    return {grads[0], tf_.Negative(grads[0])};
  return ReduceBroadcast(x, y, grads[0], tf_.Negative(grads[0]));
}

std::vector<Output> GradientBuilder::MulGrad(const Node* op,
                                             const std::vector<Output>& grads) {
  const Output x = In(op, 0);
  const Output y = In(op, 1);
  if (SameKnownShapes(tf_, x, y, grads[0]) &&
      (grads[0].dtype() == DataType::kFloat ||
       grads[0].dtype() == DataType::kInt32)) {
    Output gx = tf_.Multiply(grads[0], y);
    return {gx, tf_.Multiply(grads[0], x)};
  }
  Output gx = tf_.Multiply(grads[0], y);
  Output gy = tf_.Multiply(x, grads[0]);
  return ReduceBroadcast(x, y, gx, gy);
}

std::vector<Output> GradientBuilder::RealDivGrad(
    const Node* op, const std::vector<Output>& grads) {
  const Output x = In(op, 0);
  const Output y = In(op, 1);
  Output gx = tf_.Divide(grads[0], y, "RealDiv");
  Output neg_x = tf_.Negative(x);
  Output neg_x_over_y = tf_.Divide(neg_x, y, "RealDiv");
  Output neg_x_over_y2 = tf_.Divide(neg_x_over_y, y, "RealDiv");
  Output gy = tf_.Multiply(grads[0], neg_x_over_y2, "mul");
  return ReduceBroadcast(x, y, gx, gy);
}

std::vector<Output> GradientBuilder::NegGrad(const Node*,
                                             const std::vector<Output>& grads) {
  return {tf_.Negative(grads[0])};
}

std::vector<Output> GradientBuilder::SquareGrad(
    const Node* op, const std::vector<Output>& grads) {
  const Output x = In(op, 0);
  Output two = tf_.Fill(2.0, {}, x.dtype(), "Const");
  Output two_x = tf_.Multiply(x, two);
  return {tf_.Multiply(grads[0], two_x)};
}

std::vector<Output> GradientBuilder::SqrtGrad(
    const Node* op, const std::vector<Output>& grads) {
  return {First(tf_.AddOp("SqrtGrad", {OutputOf(op, 0), grads[0]}, {}))};
}

std::vector<Output> GradientBuilder::ExpGrad(const Node* op,
                                             const std::vector<Output>& grads) {
  return {tf_.Multiply(grads[0], OutputOf(op, 0), "mul")};
}

std::vector<Output> GradientBuilder::LogGrad(const Node* op,
                                             const std::vector<Output>& grads) {
  Output reciprocal = First(tf_.AddOp("Reciprocal", {In(op, 0)}, {}));
  return {tf_.Multiply(grads[0], reciprocal, "mul")};
}

std::vector<Output> GradientBuilder::MatMulGrad(
    const Node* op, const std::vector<Output>& grads) {
  const AttrValue* ta = op->FindAttr("transpose_a");
  const AttrValue* tb = op->FindAttr("transpose_b");
  const bool t_a = ta != nullptr && ta->b();
  const bool t_b = tb != nullptr && tb->b();
  const Output a = In(op, 0);
  const Output b = In(op, 1);
  const Output& g = grads[0];
  Output grad_a;
  Output grad_b;
  if (!t_a && !t_b) {
    grad_a = tf_.MatMul(g, b, false, true);
    grad_b = tf_.MatMul(a, g, true, false);
  } else if (!t_a && t_b) {
    grad_a = tf_.MatMul(g, b, false, false);
    grad_b = tf_.MatMul(g, a, true, false);
  } else if (t_a && !t_b) {
    grad_a = tf_.MatMul(b, g, false, true);
    grad_b = tf_.MatMul(a, g, false, false);
  } else {
    grad_a = tf_.MatMul(b, g, true, true);
    grad_b = tf_.MatMul(g, a, true, true);
  }
  return {grad_a, grad_b};
}

std::vector<Output> GradientBuilder::BiasAddGrad(
    const Node* op, const std::vector<Output>& grads) {
  Output bias = First(
      tf_.AddOp("BiasAddGrad", {grads[0]}, CopyAttrs(op, {"data_format"})));
  return {grads[0], bias};
}

std::vector<Output> GradientBuilder::ReluGrad(
    const Node* op, const std::vector<Output>& grads) {
  return {First(tf_.AddOp("ReluGrad", {grads[0], OutputOf(op, 0)}, {}))};
}

std::vector<Output> GradientBuilder::Relu6Grad(
    const Node* op, const std::vector<Output>& grads) {
  return {First(tf_.AddOp("Relu6Grad", {grads[0], In(op, 0)}, {}))};
}

std::vector<Output> GradientBuilder::SigmoidGrad(
    const Node* op, const std::vector<Output>& grads) {
  return {First(tf_.AddOp("SigmoidGrad", {OutputOf(op, 0), grads[0]}, {}))};
}

std::vector<Output> GradientBuilder::TanhGrad(
    const Node* op, const std::vector<Output>& grads) {
  return {First(tf_.AddOp("TanhGrad", {OutputOf(op, 0), grads[0]}, {}))};
}

std::vector<Output> GradientBuilder::SoftmaxGrad(
    const Node* op, const std::vector<Output>& grads) {
  const Output softmax = OutputOf(op, 0);
  Output product = tf_.Multiply(grads[0], softmax, "mul");
  Output sum =
      First(tf_.AddOp("Sum", {product, Int32Tensor({-1}, /*scalar=*/true)},
                      {{"keep_dims", BoolAttr(true)}}));
  Output difference = tf_.Subtract(grads[0], sum, "sub");
  return {tf_.Multiply(difference, softmax, "mul")};
}

std::vector<Output> GradientBuilder::SoftmaxXentGrad(
    const Node* op, const std::vector<Output>& grads) {
  // The per-example loss gradient scales each row of the op's own backprop
  // output; grads[1] is the ZerosLike made for the unused backprop output
  // (TF skips zeros there too).
  auto broadcast_mul = [this](const Output& vec, const Output& mat) {
    return tf_.Multiply(tf_.ExpandDims(vec, -1), mat, "mul");
  };
  Output features_grad = broadcast_mul(grads[0], OutputOf(op, 1));
  Output neg_log_softmax = tf_.Negative(tf_.LogSoftmax(In(op, 0)));
  return {features_grad, broadcast_mul(grads[0], neg_log_softmax)};
}

std::vector<Output> GradientBuilder::L2LossGrad(
    const Node* op, const std::vector<Output>& grads) {
  return {tf_.Multiply(In(op, 0), grads[0], "mul")};
}

// The values of `t` when it is an int32/int64 Const (shapes, axes, slice
// bounds), in row-major order; nullopt otherwise.
std::optional<std::vector<int64_t>> ConstantInts(const Output& t) {
  if (!t.valid() || t.node()->op() != "Const") return std::nullopt;
  const AttrValue* value = t.node()->FindAttr("value");
  if (value == nullptr) return std::nullopt;
  const auto& proto = value->tensor();
  const bool is_int64 = proto.dtype() == tensorflow::DT_INT64;
  if (!is_int64 && proto.dtype() != tensorflow::DT_INT32) return std::nullopt;
  int64_t count = 1;
  for (const auto& dim : proto.tensor_shape().dim()) {
    if (dim.size() < 0 || __builtin_mul_overflow(count, dim.size(), &count))
      return std::nullopt;
  }
  std::vector<int64_t> values;
  for (int v : proto.int_val()) values.push_back(v);
  for (int64_t v : proto.int64_val()) values.push_back(v);
  const std::string& bytes = proto.tensor_content();
  const size_t width = is_int64 ? 8 : 4;
  for (size_t k = 0; k + width <= bytes.size(); k += width) {
    int64_t v = 0;
    if (is_int64) {
      std::memcpy(&v, bytes.data() + k, 8);
    } else {
      int32_t narrow = 0;
      std::memcpy(&narrow, bytes.data() + k, 4);
      v = narrow;
    }
    values.push_back(v);
  }
  // TF's compact form: one value stands for every element.
  if (values.size() == 1 && count > 1)
    values.assign(static_cast<size_t>(count), values[0]);
  if (static_cast<int64_t>(values.size()) != count) return std::nullopt;
  return values;
}

// The (static) axes of a reduction, from its Const reduction_indices.
std::optional<std::vector<int64_t>> ConstantAxes(GraphBuilder& tf,
                                                 const Node* op, int rank) {
  const TensorId& id = op->data_inputs()[1];
  std::optional<std::vector<int64_t>> axes = ConstantInts(
      tf.GetTensorByName(id.node + ":" + std::to_string(id.index)));
  if (!axes.has_value()) return std::nullopt;
  for (int64_t& axis : *axes) {
    if (axis < -rank || axis >= rank) return std::nullopt;
    if (axis < 0) axis += rank;
  }
  std::sort(axes->begin(), axes->end());
  axes->erase(std::unique(axes->begin(), axes->end()), axes->end());
  return axes;
}

std::vector<Output> GradientBuilder::SumGrad(const Node* op,
                                             const std::vector<Output>& grads) {
  const Output input = In(op, 0);
  const PartialShape shape = tf_.ShapeOf(input);
  std::optional<std::vector<int64_t>> axes =
      shape.rank_known() ? ConstantAxes(tf_, op, shape.rank()) : std::nullopt;
  if (!axes.has_value()) {
    tf_.RecordError(
        UnimplementedError("Gradient of '" + op->name() +
                           "': the reduction axes and the rank of " +
                           input.name() + " must be known while building"));
    return {};
  }
  const size_t rank = static_cast<size_t>(shape.rank());
  if (axes->size() == rank) {
    // Every axis: reshape to all-ones dims and tile to the input's shape.
    // For a scalar input TF also leaves an unused float Const behind (its
    // empty new shape converted as floats first).
    if (rank == 0) {
      auto empty = Tensor::Allocate(DataType::kFloat, TensorShape({0}));
      if (empty.ok()) Const(*empty, "Reshape/shape");
    }
    Output reshaped =
        tf_.Reshape(grads[0], Int32Tensor(std::vector<int64_t>(rank, 1)));
    Output multiples = shape.fully_defined()
                           ? Const(Int32Tensor(shape.dims()), "Const")
                           : tf_.Shape(input, "Shape");
    return {First(tf_.AddOp("Tile", {reshaped, multiples}, {})), Output()};
  }
  if (!shape.fully_defined()) {
    // The kept-dims shape computed when run (TF's reduced_shape): the input
    // shape with 1 at each reduced axis, stitched together.
    Output input_shape = tf_.Shape(input, "Shape");
    Output input_rank = First(tf_.AddOp(
        "Size", {input_shape}, {{"out_type", TypeAttr(DataType::kInt32)}}));
    Output axes_tensor = Const(Int32Tensor(*axes), "Const");
    Output positions = First(tf_.AddOp("Range", {0, input_rank, 1}, {}));
    Output ones =
        First(tf_.AddOp("Fill", {tf_.Shape(axes_tensor, "Shape"), 1}, {}));
    Output kept = First(tf_.AddOp("DynamicStitch",
                                  {positions, axes_tensor, input_shape, ones},
                                  {{"N", IntAttr(2)}}));
    Output scaling =
        First(tf_.AddOp("FloorDiv", {input_shape, tf_.Maximum(kept, 1)}, {}));
    Output reshaped = tf_.Reshape(grads[0], kept);
    return {First(tf_.AddOp("Tile", {reshaped, scaling}, {})), Output()};
  }
  std::vector<int64_t> kept = shape.dims();
  std::vector<int64_t> scaling(rank, 1);
  for (int64_t axis : *axes) {
    kept[static_cast<size_t>(axis)] = 1;
    scaling[static_cast<size_t>(axis)] = shape.dim(static_cast<int>(axis));
  }
  // TF computes the tile multiples as shape // max(kept, 1) in the graph,
  // then tiles by the same values folded to a Const: the ops stay, unused.
  Output at_least_one = tf_.Maximum(Int32Tensor(kept), 1);
  tf_.AddOp("FloorDiv", {Int32Tensor(shape.dims()), at_least_one}, {},
            "floordiv");
  Output reshaped = tf_.Reshape(grads[0], Int32Tensor(kept));
  return {First(tf_.AddOp("Tile", {reshaped, Int32Tensor(scaling)}, {})),
          Output()};
}

std::vector<Output> GradientBuilder::MeanGrad(
    const Node* op, const std::vector<Output>& grads) {
  std::vector<Output> sum_grad = SumGrad(op, grads);
  if (sum_grad.empty()) return {};
  const Output input = In(op, 0);
  const PartialShape in_shape = tf_.ShapeOf(input);
  const PartialShape out_shape = tf_.ShapeOf(OutputOf(op, 0));
  Output factor;
  if (in_shape.fully_defined() && out_shape.fully_defined()) {
    const int64_t count = in_shape.num_elements() /
                          std::max<int64_t>(out_shape.num_elements(), 1);
    factor =
        tf_.Fill(static_cast<double>(count), {}, sum_grad[0].dtype(), "Const");
  } else {
    // The number of elements each output averages, computed when run.
    Output in_size =
        First(tf_.AddOp("Prod", {tf_.Shape(input, "Shape"), Int32Tensor({0})},
                        {{"keep_dims", BoolAttr(false)}}));
    Output out_size = First(tf_.AddOp(
        "Prod", {tf_.Shape(OutputOf(op, 0), "Shape"), Int32Tensor({0})},
        {{"keep_dims", BoolAttr(false)}}));
    Output count =
        First(tf_.AddOp("FloorDiv", {in_size, tf_.Maximum(out_size, 1)}, {}));
    factor = tf_.Cast(count, sum_grad[0].dtype());
  }
  return {tf_.Divide(sum_grad[0], factor, "truediv"), Output()};
}

std::vector<Output> GradientBuilder::ReshapeGrad(
    const Node* op, const std::vector<Output>& grads) {
  Output shape = ShapeOf(In(op, 0));
  return {tf_.Reshape(grads[0], shape), Output()};
}

std::vector<Output> GradientBuilder::IdentityGrad(
    const Node*, const std::vector<Output>& grads) {
  return {grads[0]};
}

std::vector<Output> GradientBuilder::CastGrad(
    const Node* op, const std::vector<Output>& grads) {
  const DataType source = In(op, 0).dtype();
  if (!IsFloatingPoint(source) || !IsFloatingPoint(grads[0].dtype()))
    return {Output()};
  return {tf_.Cast(grads[0], source)};
}

std::vector<Output> GradientBuilder::ConcatGrad(
    const Node* op, const std::vector<Output>& grads) {
  const int count = static_cast<int>(op->data_inputs().size()) - 1;
  if (count == 1) return {grads[0], Output()};
  const PartialShape first = tf_.ShapeOf(In(op, 0));
  const Output rank = first.rank_known()
                          ? Const(Int32Tensor({first.rank()}, /*scalar=*/true),
                                  "Rank")
                          : First(tf_.AddOp("Rank", {In(op, 0)}, {}));
  // ConcatV2's axis is its last input.
  Output axis = First(tf_.AddOp("FloorMod", {In(op, count), rank}, {}, "mod"));
  std::vector<Output> sizes;
  for (int k = 0; k < count; ++k) sizes.push_back(ShapeOf(In(op, k)));
  std::vector<Input> shapes(sizes.begin(), sizes.end());
  // TF slices at ConcatOffset's offsets up to 16 inputs; past that it
  // splits by the inputs' sizes along the axis.
  if (count > 16) {
    Output stacked = First(tf_.AddOp("Pack", shapes,
                                     {{"axis", IntAttr(1)}, {"N", IntAttr(count)}}, "stack"));
    Output axis_row = First(ScopedOp("Slice", "Slice", [&]() -> std::vector<Input> {
      Output begin = First(ScopedOp(
          "Pack", "begin",
          [&]() -> std::vector<Input> {
            return {axis, Const(Int32Tensor({0}, /*scalar=*/true), "1")};
          },
          {{"axis", IntAttr(0)}, {"N", IntAttr(2)}}));
      return {stacked, begin, Const(Int32Tensor({1, -1}), "size")};
    }));
    Output axis_sizes = First(tf_.AddOp("Squeeze", {axis_row}, {}));
    std::vector<Output> result = tf_.AddOp("SplitV", {grads[0], axis_sizes, axis},
                                           {{"num_split", IntAttr(count)}}, "split");
    if (static_cast<int>(result.size()) != count) return {};
    result.emplace_back();
    return result;
  }
  shapes.insert(shapes.begin(), axis);
  std::vector<Output> offsets = tf_.AddOp("ConcatOffset", shapes, {{"N", IntAttr(count)}});
  if (static_cast<int>(offsets.size()) != count) return {};
  std::vector<Output> result;
  for (size_t k = 0; k < sizes.size(); ++k) {
    result.push_back(
        First(tf_.AddOp("Slice", {grads[0], offsets[k], sizes[k]}, {})));
  }
  result.emplace_back();
  return result;
}

std::vector<Output> GradientBuilder::Conv2DGrad(
    const Node* op, const std::vector<Output>& grads) {
  const Output input = In(op, 0);
  const Output filter = In(op, 1);
  std::vector<Output> shapes = tf_.AddOp(
      "ShapeN", {input, filter}, {{"out_type", TypeAttr(DataType::kInt32)}});
  if (shapes.size() != 2) return {};
  const AttrMap attrs =
      CopyAttrs(op, {"dilations", "strides", "padding", "explicit_paddings",
                     "use_cudnn_on_gpu", "data_format"});
  Output input_grad = First(
      tf_.AddOp("Conv2DBackpropInput", {shapes[0], filter, grads[0]}, attrs));
  Output filter_grad = First(
      tf_.AddOp("Conv2DBackpropFilter", {input, shapes[1], grads[0]}, attrs));
  return {input_grad, filter_grad};
}

std::vector<Output> GradientBuilder::MaxPoolGrad(
    const Node* op, const std::vector<Output>& grads) {
  const AttrMap attrs =
      CopyAttrs(op, {"ksize", "strides", "padding", "data_format"});
  return {First(
      tf_.AddOp("MaxPoolGrad", {In(op, 0), OutputOf(op, 0), grads[0]}, attrs))};
}

std::vector<Output> GradientBuilder::AvgPoolGrad(
    const Node* op, const std::vector<Output>& grads) {
  const AttrMap attrs =
      CopyAttrs(op, {"ksize", "strides", "padding", "data_format"});
  Output shape = ShapeOf(In(op, 0));
  return {First(tf_.AddOp("AvgPoolGrad", {shape, grads[0]}, attrs))};
}

std::vector<Output> GradientBuilder::ScopedOp(
    std::string_view op, std::string_view name,
    const std::function<std::vector<Input>()>& make_inputs, AttrMap attrs) {
  std::string scope;
  std::vector<Input> inputs;
  {
    GraphBuilder::ScopeGuard guard = tf_.NameScope(name);
    scope = tf_.graph()->name_scope();
    inputs = make_inputs();
  }
  return tf_.AddOp(op, inputs, std::move(attrs), scope + "/");
}

Output GradientBuilder::ZerosLike(const Output& x) {
  const PartialShape shape = tf_.ShapeOf(x);
  if (!shape.fully_defined()) return tf_.ZerosLike(x);
  return tf_.Fill(0.0, shape.dims(), x.dtype(), "zeros_like");
}

Output GradientBuilder::OnesLike(const Output& x) {
  return First(ScopedOp("Fill", "ones_like", [&]() -> std::vector<Input> {
    const PartialShape shape = tf_.ShapeOf(x);
    Output dims;
    if (shape.fully_defined()) {
      GraphBuilder::ScopeGuard guard = tf_.NameScope("Shape");
      dims = Const(Int32Tensor(shape.dims()), "shape_as_tensor");
    } else {
      dims = tf_.Shape(x, "Shape");
    }
    return {dims, tf_.Fill(1.0, {}, x.dtype(), "Const")};
  }));
}

Output GradientBuilder::StridedSlice(const Output& x, const SliceBound& begin,
                                     const SliceBound& end, const SliceBound& strides,
                                     AttrMap masks) {
  auto bound = [&](const SliceBound& b, std::string_view name) {
    if (!b.tensor.valid()) return Const(Int32Tensor(b.values), name);
    return First(tf_.AddOp("Pack", {b.tensor}, {{"axis", IntAttr(0)}, {"N", IntAttr(1)}}, name));
  };
  return First(ScopedOp(
      "StridedSlice", "strided_slice",
      [&]() -> std::vector<Input> {
        return {x, bound(begin, "stack"), bound(end, "stack_1"), bound(strides, "stack_2")};
      },
      std::move(masks)));
}

std::vector<Output> GradientBuilder::SelectedInputGrad(
    const Node* op, const Output& grad, std::string_view selector) {
  const Output x = In(op, 0);
  const Output y = In(op, 1);
  Output zeros = ZerosLike(grad);
  Output x_mask = First(tf_.AddOp(selector, {x, y}, {}));
  Output gx = First(tf_.AddOp("SelectV2", {x_mask, grad, zeros}, {}));
  Output gy = First(tf_.AddOp("SelectV2", {x_mask, zeros, grad}, {}));
  return ReduceBroadcast(x, y, gx, gy);
}

std::vector<Output> GradientBuilder::MaximumGrad(
    const Node* op, const std::vector<Output>& grads) {
  return SelectedInputGrad(op, grads[0], "GreaterEqual");
}

std::vector<Output> GradientBuilder::MinimumGrad(
    const Node* op, const std::vector<Output>& grads) {
  return SelectedInputGrad(op, grads[0], "LessEqual");
}

// d(x^y)/dx = y x^(y-1); d(x^y)/dy = x^y log(x), taken as 0 where x <= 0
// (x^y there is 0 or undefined: no singularity is made up).
std::vector<Output> GradientBuilder::PowGrad(const Node* op,
                                             const std::vector<Output>& grads) {
  const Output x = In(op, 0);
  const Output y = In(op, 1);
  const Output& grad = grads[0];
  Output grad_y = tf_.Multiply(grad, y, "mul");
  Output x_to_y_minus_1 = tf_.Pow(x, y - 1.0);
  Output gx = tf_.Multiply(grad_y, x_to_y_minus_1, "mul");
  Output positive = tf_.Greater(x, 0.0);
  Output safe_x =
      First(tf_.AddOp("Select", {positive, x, OnesLike(x)}, {}));
  Output log_x = First(tf_.AddOp(
      "Select", {positive, tf_.Log(safe_x), ZerosLike(x)}, {}));
  Output grad_z = tf_.Multiply(grad, OutputOf(op, 0), "mul");
  Output gy = tf_.Multiply(grad_z, log_x, "mul");
  return ReduceBroadcast(x, y, gx, gy);
}

std::vector<Output> GradientBuilder::AbsGrad(const Node* op,
                                             const std::vector<Output>& grads) {
  Output sign = First(tf_.AddOp("Sign", {In(op, 0)}, {}));
  return {tf_.Multiply(grads[0], sign, "mul")};
}

std::vector<Output> GradientBuilder::SquaredDifferenceGrad(
    const Node* op, const std::vector<Output>& grads) {
  const Output x = In(op, 0);
  const Output y = In(op, 1);
  // TF's scalar_mul(2, grad) * (x - y).
  Output two_grad =
      tf_.Multiply(tf_.Fill(2.0, {}, grads[0].dtype(), "scalar"), grads[0]);
  Output gx = tf_.Multiply(two_grad, tf_.Subtract(x, y, "sub"), "mul");
  Output gy = tf_.Negative(gx);
  if (SameKnownShapes(tf_, x, y, grads[0])) return {gx, gy};
  return ReduceBroadcast(x, y, gx, gy);
}

std::vector<Output> GradientBuilder::LogSoftmaxGrad(
    const Node* op, const std::vector<Output>& grads) {
  Output softmax = tf_.Exp(OutputOf(op, 0));
  Output sum =
      First(tf_.AddOp("Sum", {grads[0], Int32Tensor({-1}, /*scalar=*/true)},
                      {{"keep_dims", BoolAttr(true)}}));
  return {tf_.Subtract(grads[0], tf_.Multiply(sum, softmax, "mul"), "sub")};
}

std::vector<Output> GradientBuilder::TransposeGrad(
    const Node* op, const std::vector<Output>& grads) {
  Output inverse = First(tf_.AddOp("InvertPermutation", {In(op, 1)}, {}));
  return {First(tf_.AddOp("Transpose", {grads[0], inverse}, {}, "transpose")),
          Output()};
}

Output GradientBuilder::SizeOf(const Output& x) {
  const PartialShape shape = tf_.ShapeOf(x);
  if (shape.fully_defined()) {
    return Const(Int32Tensor({shape.num_elements()}, /*scalar=*/true), "Size");
  }
  return First(tf_.AddOp("Size", {x}, {{"out_type", TypeAttr(DataType::kInt32)}}));
}

// Along axis 0, TF's gradient is IndexedSlices (the gathered rows' gradients
// and their indices); here it is made dense at once, as TF's conversion to a
// tensor does: an UnsortedSegmentSum of the rows into params' first dim.
std::vector<Output> GradientBuilder::GatherGrad(
    const Node* op, const std::vector<Output>& grads) {
  const bool has_axis = op->op() == "GatherV2";
  const AttrValue* batch_dims = op->FindAttr("batch_dims");
  const std::optional<std::vector<int64_t>> axis =
      has_axis ? ConstantInts(In(op, 2)) : std::vector<int64_t>{0};
  const PartialShape params_known = tf_.ShapeOf(In(op, 0));
  if (!axis.has_value() || axis->size() != 1 ||
      (batch_dims != nullptr && batch_dims->i() != 0) ||
      ((*axis)[0] != 0 &&
       (!params_known.rank_known() || (*axis)[0] < -params_known.rank() ||
        (*axis)[0] >= params_known.rank()))) {
    tf_.RecordError(UnimplementedError(
        "Gradient of '" + op->name() +
        "': only a gather along a constant axis without batch dims (and, "
        "past axis 0, params of a known rank) is supported"));
    return {};
  }
  const Output params = In(op, 0);
  const Output indices = In(op, 1);
  // TF makes both first along any axis (the inner-axis form recomputes the
  // size it needs).
  Output params_shape = ShapeOf(params);
  Output indices_size = tf_.ExpandDims(SizeOf(indices), 0);
  std::vector<Output> result = {Output(), Output()};
  if (has_axis) result.emplace_back();
  if ((*axis)[0] != 0) {
    result[0] = GatherGradAlongAxis(op, grads[0], params_shape, (*axis)[0]);
    return result;
  }
  Output tail_shape = StridedSlice(params_shape, {1}, {0}, {1},
                                   {{"end_mask", IntAttr(1)}});
  Output values_shape = tf_.Concat({indices_size, tail_shape}, 0);
  Output values = tf_.Reshape(grads[0], values_shape);
  Output flat_indices = tf_.Reshape(indices, indices_size);
  Output rows = StridedSlice(params_shape, {0}, {1}, {1},
                             {{"shrink_axis_mask", IntAttr(1)}});
  result[0] = First(
      tf_.AddOp("UnsortedSegmentSum", {values, flat_indices, rows}, {}));
  return result;
}

// The op sequence of TF's _GatherV2Grad (batch_dims 0) name for name; the
// sizes TF folds into Consts (params' rank, the axis) are known here too.
Output GradientBuilder::GatherGradAlongAxis(const Node* op, const Output& grad,
                                            const Output& params_shape, int64_t axis) {
  const Output axis_tensor = In(op, 2);
  const int64_t rank = tf_.ShapeOf(In(op, 0)).rank();
  const int64_t outer_rank = axis < 0 ? axis + rank : axis;
  auto scalar = [&](int64_t value, std::string_view name) {
    return Const(Int32Tensor({value}, /*scalar=*/true), name);
  };
  auto range = [&](const Output& start, const Output& limit) {
    return First(ScopedOp("Range", "range", [&]() -> std::vector<Input> {
      return {start.valid() ? start : scalar(0, "start"),
              limit.valid() ? limit : scalar(0, "limit"), scalar(1, "delta")};
    }));
  };
  auto concat = [&](std::vector<std::function<Output()>> parts) {
    return First(ScopedOp(
        "ConcatV2", "concat",
        [&]() -> std::vector<Input> {
          std::vector<Input> inputs;
          for (const auto& part : parts) inputs.emplace_back(part());
          inputs.emplace_back(scalar(0, "axis"));
          return inputs;
        },
        {{"N", IntAttr(static_cast<int64_t>(parts.size()))}}));
  };
  // params_shape[:axis] and params_shape[axis:][1:].
  Output outer_begin = scalar(0, "Const");
  Output outer_stride = scalar(1, "Const");
  Output outer_shape = StridedSlice(params_shape, outer_begin, axis_tensor, outer_stride,
                                    {{"begin_mask", IntAttr(1)}});
  Output from_axis_end = scalar(0, "Const");
  Output from_axis_stride = scalar(1, "Const");
  Output from_axis = StridedSlice(params_shape, axis_tensor, from_axis_end, from_axis_stride,
                                  {{"end_mask", IntAttr(1)}});
  Output inner_shape = StridedSlice(from_axis, {1}, {0}, {1}, {{"end_mask", IntAttr(1)}});
  Output values_shape = concat({[&] { return outer_shape; },
                                [&] { return Const(Int32Tensor({-1}), "values_1"); },
                                [&] { return inner_shape; }});
  Output values_dims = scalar(rank, "Size");
  Output axis_dims = scalar(outer_rank, "Size");
  Output outer_batches = range(Output(), Output());
  Output batch_axes = range(Output(), axis_dims);
  Output inner_start = First(tf_.AddOp("AddV2", {axis_dims, Int32Tensor({1}, true)}, {}, "add"));
  Output inner_axes = range(inner_start, values_dims);
  Output values = tf_.Reshape(grad, values_shape);
  // Move values[axis] first, gather its rows, move it back.
  Output perm = concat({[&] { return outer_batches; },
                        [&] {
                          return First(tf_.AddOp("Pack", {axis_dims},
                                                 {{"axis", IntAttr(0)}, {"N", IntAttr(1)}},
                                                 "values_1"));
                        },
                        [&] { return batch_axes; }, [&] { return inner_axes; }});
  Output values_moved = First(tf_.AddOp("Transpose", {values, perm}, {}, "transpose"));
  // TF computes the moved shape for batch dims, unused without them.
  tf_.AddOp("GatherV2", {params_shape, perm, Int32Tensor({0}, true)}, {});
  Output axis_end = First(tf_.AddOp("AddV2", {axis_tensor, Int32Tensor({1}, true)}, {}, "add"));
  Output axis_size = StridedSlice(params_shape, axis_tensor, axis_end, {1},
                                  {{"shrink_axis_mask", IntAttr(1)}});
  Output flat_indices = tf_.Reshape(In(op, 1), tf_.ExpandDims(SizeOf(In(op, 1)), 0));
  Output summed =
      First(tf_.AddOp("UnsortedSegmentSum", {values_moved, flat_indices, axis_size}, {}));
  Output shifted = First(tf_.AddOp("AddV2", {batch_axes, Int32Tensor({1}, true)}, {}, "add"));
  Output inverse = concat({[&] { return outer_batches; }, [&] { return shifted; },
                           [&] { return Const(Int32Tensor({0}), "values_2"); },
                           [&] { return inner_axes; }});
  Output moved_back = First(tf_.AddOp("Transpose", {summed, inverse}, {}, "transpose"));
  // Keeps the shape where a dim is zero, as TF.
  return tf_.Reshape(moved_back, ShapeOf(In(op, 0)));
}

std::vector<Output> GradientBuilder::StridedSliceGrad(
    const Node* op, const std::vector<Output>& grads) {
  // TF takes the input's shape and the slice bounds as Consts where they
  // are known (the Shape op it made first stays, unused).
  Output shape = ShapeOf(In(op, 0));
  std::vector<Input> inputs;
  for (const Output& t :
       {shape, In(op, 1), In(op, 2), In(op, 3)}) {
    std::optional<std::vector<int64_t>> values = ConstantInts(t);
    if (values.has_value()) {
      inputs.emplace_back(Int32Tensor(*values));
    } else {
      inputs.emplace_back(t);
    }
  }
  inputs.emplace_back(grads[0]);
  Output grad = First(tf_.AddOp(
      "StridedSliceGrad", inputs,
      CopyAttrs(op, {"begin_mask", "end_mask", "ellipsis_mask",
                     "new_axis_mask", "shrink_axis_mask"})));
  return {grad, Output(), Output(), Output()};
}

// The gradient of a padded tensor is its middle: Slice(grad, the "before"
// column of paddings, x's shape).
std::vector<Output> GradientBuilder::PadGrad(const Node* op,
                                             const std::vector<Output>& grads) {
  const Output x = In(op, 0);
  const PartialShape shape = tf_.ShapeOf(x);
  const Output rank =
      shape.rank_known()
          ? Const(Int32Tensor({shape.rank()}, /*scalar=*/true), "Rank")
          : First(tf_.AddOp("Rank", {x}, {}));
  Output before_size = First(ScopedOp(
      "Pack", "stack",
      [&]() -> std::vector<Input> {
        return {rank, Const(Int32Tensor({1}, /*scalar=*/true), "1")};
      },
      {{"axis", IntAttr(0)}, {"N", IntAttr(2)}}));
  Output before = First(
      tf_.AddOp("Slice", {In(op, 1), Int32Tensor({0, 0}), before_size}, {}));
  Output begin = tf_.Reshape(before, Int32Tensor({-1}));
  Output grad = First(tf_.AddOp("Slice", {grads[0], begin, ShapeOf(x)}, {}));
  std::vector<Output> result = {grad, Output()};
  if (op->op() == "PadV2") result.emplace_back();
  return result;
}

// FusedBatchNormGrad(V3) from the saved batch statistics (training) or the
// population statistics the op was given (inference).
std::vector<Output> GradientBuilder::FusedBatchNormGrad(
    const Node* op, const std::vector<Output>& grads) {
  const bool v3 = op->op() == "FusedBatchNormV3";
  const AttrValue* training = op->FindAttr("is_training");
  const bool is_training = training == nullptr || training->b();
  std::vector<Input> inputs = {grads[0], In(op, 0), In(op, 1)};
  if (is_training) {
    inputs.emplace_back(OutputOf(op, 3));
    inputs.emplace_back(OutputOf(op, 4));
  } else {
    inputs.emplace_back(In(op, 3));
    inputs.emplace_back(In(op, 4));
  }
  if (v3) inputs.emplace_back(OutputOf(op, 5));
  std::vector<Output> backprops = tf_.AddOp(
      v3 ? "FusedBatchNormGradV3" : "FusedBatchNormGrad", inputs,
      CopyAttrs(op, {"epsilon", "data_format", "is_training"}));
  if (backprops.size() < 3) return {};
  return {backprops[0], backprops[1], backprops[2], Output(), Output()};
}

}  // namespace

std::vector<Output> Gradients(GraphBuilder& builder,
                              const std::vector<Output>& ys,
                              const std::vector<Output>& xs,
                              const std::vector<Output>& grad_ys,
                              const GradientsOptions& options) {
  GradientBuilder gradients(builder, options);
  return gradients.Run(ys, xs, grad_ys);
}

Output VariableRef(GraphBuilder& builder, const GraphVariable& variable) {
  if (!variable.valid()) {
    builder.RecordError(
        InvalidArgumentError("VariableRef: the variable is invalid"));
    return Output();
  }
  return builder.GetTensorByName(variable.variable().def.variable_name());
}

}  // namespace tfckpt
