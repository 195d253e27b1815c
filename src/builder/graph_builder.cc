#include "tfckpt/graph_builder.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <numeric>
#include <utility>

#include "src/graph/shape_inference.h"
#include "src/graph/shape_refiner.h"
#include "src/core/proto_conversions.h"
#include "src/graph/node_util.h"
#include "src/runtime/op_kernel.h"

namespace tfckpt {
namespace {

using tensorflow::AttrValue;
using tensorflow::NodeDef;

// TF's DEFAULT_GRAPH_SEED and the int32 range seeds are reduced into.
constexpr int64_t kDefaultGraphSeed = 87654321;
constexpr int64_t kMaxInt32 = (int64_t{1} << 31) - 1;

AttrValue TypeAttr(DataType dtype) {
  AttrValue value;
  value.set_type(static_cast<tensorflow::DataType>(dtype));
  return value;
}
AttrValue BoolAttr(bool b) {
  AttrValue value;
  value.set_b(b);
  return value;
}
AttrValue IntAttr(int64_t i) {
  AttrValue value;
  value.set_i(i);
  return value;
}
AttrValue StringAttr(std::string s) {
  AttrValue value;
  value.set_s(std::move(s));
  return value;
}
AttrValue IntListAttr(const std::vector<int64_t>& values) {
  AttrValue value;
  for (int64_t v : values) value.mutable_list()->add_i(v);
  return value;
}
AttrValue ColocationAttr(const std::string& node) {
  AttrValue value;
  value.mutable_list()->add_s("loc:@" + node);
  return value;
}

// Python's dtype names in TF's TypeErrors ("float32", "int32").
std::string PythonTypeName(DataType dtype) {
  return std::string(DataTypeName(dtype));
}

bool IsFloating(DataType dtype) {
  return dtype == DataType::kFloat || dtype == DataType::kDouble ||
         dtype == DataType::kHalf || dtype == DataType::kBFloat16;
}

bool IsInteger(DataType dtype) {
  switch (dtype) {
    case DataType::kInt8: case DataType::kInt16: case DataType::kInt32:
    case DataType::kInt64: case DataType::kUInt8: case DataType::kUInt16:
    case DataType::kUInt32: case DataType::kUInt64:
      return true;
    default:
      return false;
  }
}

// A tensor of `dtype` and `shape` holding `values` (one value per element,
// or one value repeated).
StatusOr<Tensor> NumbersToTensor(const std::vector<double>& values,
                                 DataType dtype, const TensorShape& shape) {
  TFCKPT_ASSIGN_OR_RETURN(Tensor tensor, Tensor::Allocate(dtype, shape));
  const int64_t n = tensor.num_elements();
  auto value_at = [&](int64_t i) {
    return values.size() == 1 ? values[0] : values[static_cast<size_t>(i)];
  };
  auto fill = [&]<typename T>(T*) {
    std::span<T> out = tensor.mutable_flat<T>();
    for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = static_cast<T>(value_at(i));
  };
  switch (dtype) {
    case DataType::kFloat: fill(static_cast<float*>(nullptr)); break;
    case DataType::kDouble: fill(static_cast<double*>(nullptr)); break;
    case DataType::kInt32: fill(static_cast<int32_t*>(nullptr)); break;
    case DataType::kInt64: fill(static_cast<int64_t*>(nullptr)); break;
    case DataType::kInt16: fill(static_cast<int16_t*>(nullptr)); break;
    case DataType::kInt8: fill(static_cast<int8_t*>(nullptr)); break;
    case DataType::kUInt8: fill(static_cast<uint8_t*>(nullptr)); break;
    case DataType::kBool: {
      std::span<bool> out = tensor.mutable_flat<bool>();
      for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = value_at(i) != 0;
      break;
    }
    case DataType::kHalf: {
      std::span<Half> out = tensor.mutable_flat<Half>();
      for (int64_t i = 0; i < n; ++i) {
        out[static_cast<size_t>(i)] = FloatToHalf(static_cast<float>(value_at(i)));
      }
      break;
    }
    case DataType::kBFloat16: {
      std::span<BFloat16> out = tensor.mutable_flat<BFloat16>();
      for (int64_t i = 0; i < n; ++i) {
        out[static_cast<size_t>(i)] = FloatToBFloat16(static_cast<float>(value_at(i)));
      }
      break;
    }
    default:
      return InvalidArgumentError("Cannot convert a number to a tensor of type " +
                                  PythonTypeName(dtype));
  }
  return tensor;
}

// TF's make_tensor_proto: one element (or one value broadcast over the
// shape) goes in the typed *_val field, more in tensor_content.
void MakeTensorProto(const Tensor& tensor, bool broadcast,
                     tensorflow::TensorProto* proto) {
  if (!broadcast && tensor.num_elements() > 1) {
    internal::TensorToProto(tensor, proto);
    return;
  }
  proto->Clear();
  proto->set_dtype(static_cast<tensorflow::DataType>(tensor.dtype()));
  internal::ShapeToProto(tensor.shape(), proto->mutable_tensor_shape());
  if (tensor.num_elements() == 0) return;
  switch (tensor.dtype()) {
    case DataType::kFloat: proto->add_float_val(tensor.flat<float>()[0]); break;
    case DataType::kDouble: proto->add_double_val(tensor.flat<double>()[0]); break;
    case DataType::kInt32: proto->add_int_val(tensor.flat<int32_t>()[0]); break;
    case DataType::kInt16: proto->add_int_val(tensor.flat<int16_t>()[0]); break;
    case DataType::kInt8: proto->add_int_val(tensor.flat<int8_t>()[0]); break;
    case DataType::kUInt8: proto->add_int_val(tensor.flat<uint8_t>()[0]); break;
    case DataType::kInt64: proto->add_int64_val(tensor.flat<int64_t>()[0]); break;
    case DataType::kBool: proto->add_bool_val(tensor.flat<bool>()[0]); break;
    case DataType::kHalf: proto->add_half_val(tensor.flat<Half>()[0].bits); break;
    case DataType::kBFloat16: proto->add_half_val(tensor.flat<BFloat16>()[0].bits); break;
    case DataType::kString: proto->add_string_val(tensor.strings()[0]); break;
    default: internal::TensorToProto(tensor, proto); break;
  }
}

// The first output, or an invalid one when the op was not added.
Output First(const std::vector<Output>& outputs) {
  return outputs.empty() ? Output() : outputs[0];
}

// "x" for output 0 (as TF writes NodeDef inputs), "x:1" otherwise.
std::string InputName(const Output& output) {
  return output.index() == 0 ? output.node()->name() : output.name();
}

}  // namespace

// --- Output, Input ----------------------------------------------------------

std::string Output::name() const {
  return node_ == nullptr ? "" : node_->name() + ":" + std::to_string(index_);
}

DataType Output::dtype() const {
  if (node_ == nullptr || index_ < 0 ||
      static_cast<size_t>(index_) >= node_->output_types().size()) {
    return DataType::kInvalid;
  }
  return node_->output_types()[static_cast<size_t>(index_)];
}

PartialShape Output::shape() const {
  return builder_ == nullptr ? PartialShape() : builder_->ShapeOf(*this);
}

Input::Input(std::initializer_list<int64_t> values) : is_list_(true) {
  for (int64_t v : values) numbers_.push_back(static_cast<double>(v));
}

// --- GraphBuilder -----------------------------------------------------------

GraphBuilder::GraphBuilder(Graph* graph)
    : graph_(graph), shapes_(std::make_unique<internal::ShapeRefiner>(graph)) {}
GraphBuilder::~GraphBuilder() = default;

GraphBuilder::ScopeGuard::~ScopeGuard() { graph_->ExitNameScope(); }

GraphBuilder::ScopeGuard GraphBuilder::NameScope(std::string_view name) {
  graph_->EnterNameScope(name);
  return ScopeGuard(graph_);
}

bool GraphBuilder::Fail(Status status) {
  if (status_.ok()) status_ = std::move(status);
  return false;
}

bool GraphBuilder::CheckValid(std::initializer_list<const Output*> outputs) {
  if (!status_.ok()) return false;
  for (const Output* output : outputs) {
    if (!output->valid()) {
      return Fail(InvalidArgumentError("An input tensor is invalid (default-constructed)"));
    }
    if (output->builder() != this) {
      return Fail(InvalidArgumentError("Tensor " + output->name() +
                                       " must be from the same graph as the op using it"));
    }
  }
  return true;
}

PartialShape GraphBuilder::ShapeOf(const Output& output) {
  if (!output.valid() || output.index() < 0) return PartialShape();
  return shapes_->OutputShape(output.node(), output.index());
}

std::vector<Output> GraphBuilder::AddNodeNamed(
    std::string exact_name, std::string_view op, const std::vector<Output>& inputs,
    std::map<std::string, AttrValue> attrs,
    const std::vector<Operation>& control_inputs) {
  if (!status_.ok()) return {};
  const tensorflow::OpDef* op_def = graph_->FindOpDef(op);
  if (op_def == nullptr) {
    Fail(NotFoundError("Op type not registered '" + std::string(op) + "'"));
    return {};
  }
  NodeDef node;
  node.set_name(exact_name);
  node.set_op(std::string(op));
  for (const Output& input : inputs) {
    if (!CheckValid({&input})) return {};
    node.add_input(InputName(input));
  }
  std::vector<std::string> controls;
  for (const Operation& control : control_inputs) {
    if (!control.valid()) {
      Fail(InvalidArgumentError("A control input of '" + exact_name + "' is invalid"));
      return {};
    }
    controls.push_back("^" + control.name());
  }
  // GraphDefs list control inputs by name, as TF writes them.
  std::sort(controls.begin(), controls.end());
  controls.erase(std::unique(controls.begin(), controls.end()), controls.end());
  for (std::string& control : controls) node.add_input(std::move(control));

  // Type attrs tied to inputs ("T" of x and y) come from the inputs; two
  // inputs that disagree give TF's TypeError.
  size_t next = 0;
  for (const auto& arg : op_def->input_arg()) {
    size_t count = 1;
    if (!arg.number_attr().empty()) {
      auto n = attrs.find(arg.number_attr());
      count = n == attrs.end() ? inputs.size() - next : static_cast<size_t>(n->second.i());
      if (n == attrs.end()) attrs[arg.number_attr()] = IntAttr(static_cast<int64_t>(count));
    } else if (!arg.type_list_attr().empty()) {
      count = inputs.size() - next;
      if (!attrs.contains(arg.type_list_attr())) {
        AttrValue types;
        for (size_t k = next; k < inputs.size(); ++k) {
          types.mutable_list()->add_type(static_cast<tensorflow::DataType>(inputs[k].dtype()));
        }
        attrs[arg.type_list_attr()] = types;
      }
    }
    if (next + count > inputs.size()) {
      Fail(InvalidArgumentError("Op '" + std::string(op) + "' ('" + exact_name +
                                "') needs more inputs than the " +
                                std::to_string(inputs.size()) + " given"));
      return {};
    }
    for (size_t k = next; k < next + count; ++k) {
      if (arg.type_attr().empty()) continue;
      const DataType actual = inputs[k].dtype();
      auto bound = attrs.find(arg.type_attr());
      if (bound == attrs.end()) {
        attrs[arg.type_attr()] = TypeAttr(actual);
        continue;
      }
      const auto expected = static_cast<DataType>(bound->second.type());
      if (expected != actual) {
        // Name the argument that fixed the type, as TF does.
        std::string first_arg = arg.name();
        for (const auto& other : op_def->input_arg()) {
          if (other.type_attr() == arg.type_attr()) {
            first_arg = other.name();
            break;
          }
        }
        const bool from_attr = first_arg == arg.name();
        Fail(InvalidArgumentError(
            "Input '" + arg.name() + "' of '" + std::string(op) + "' Op has type " +
            PythonTypeName(actual) + " that does not match " +
            (from_attr ? "expected type of argument '" + first_arg + "'"
                       : "type " + PythonTypeName(expected) + " of argument '" +
                             first_arg + "'") +
            "."));
        return {};
      }
    }
    next += count;
  }
  for (auto& [key, value] : attrs) (*node.mutable_attr())[key] = std::move(value);
  internal::AddDefaultAttrs(*op_def, &node);

  std::vector<std::pair<const Node*, int>> producers;
  for (const Output& input : inputs) producers.emplace_back(input.node(), input.index());
  // Checked before shape inference, which trusts the attrs (a count of
  // outputs, say); Graph::AddNode checks it again with everything else.
  const Status valid = internal::ValidateNode(node, *op_def, static_cast<int>(inputs.size()));
  StatusOr<std::vector<DataType>> output_types =
      valid.ok() ? internal::OutputTypes(node, *op_def) : valid;
  if (!output_types.ok()) {
    Fail(output_types.status());
    return {};
  }
  auto shapes = shapes_->InferNew(node, static_cast<int>(output_types->size()), producers);
  if (!shapes.ok()) {
    Fail(shapes.status());
    return {};
  }
  auto added = graph_->AddNode(std::move(node));
  if (!added.ok()) {
    Fail(added.status());
    return {};
  }
  const Node* created = *added;
  shapes_->Record(created, *std::move(shapes));
  std::vector<Output> outputs;
  for (int i = 0; i < created->num_outputs(); ++i) outputs.push_back(Wrap(created, i));
  if (outputs.empty()) outputs.push_back(Output(this, created, -1));
  return outputs;
}

std::vector<Output> GraphBuilder::AddOp(std::string_view op,
                                        const std::vector<Input>& inputs,
                                        std::map<std::string, AttrValue> attrs,
                                        std::string_view name,
                                        const std::vector<Operation>& control_inputs) {
  if (!status_.ok()) return {};
  const std::string scope = graph_->EnterNameScope(name.empty() ? op : name);
  std::vector<Output> tensors;
  const tensorflow::OpDef* op_def = graph_->FindOpDef(op);
  std::optional<DataType> hint;
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (inputs[k].output_.valid()) hint = inputs[k].output_.dtype();
  }
  for (size_t k = 0; k < inputs.size(); ++k) {
    const tensorflow::OpDef::ArgDef* arg =
        op_def != nullptr && k < static_cast<size_t>(op_def->input_arg_size())
            ? &op_def->input_arg(static_cast<int>(k))
            : nullptr;
    const std::string arg_name = arg != nullptr ? arg->name() : "input_" + std::to_string(k);
    // An arg of a fixed type (Split's split_dim: int32) takes its literal as
    // that type, as TF converts it.
    const bool fixed_type = arg != nullptr && arg->type_attr().empty() &&
                            arg->type() != tensorflow::DT_INVALID;
    tensors.push_back(ToTensor(inputs[k], arg_name,
                               fixed_type ? std::optional(static_cast<DataType>(arg->type()))
                                          : hint));
  }
  graph_->ExitNameScope();
  return AddNodeNamed(scope, op, tensors, std::move(attrs), control_inputs);
}

Output GraphBuilder::ToTensor(const Input& input, std::string_view const_name,
                              std::optional<DataType> dtype_hint) {
  if (!status_.ok()) return Output();
  if (input.output_.valid()) {
    if (!CheckValid({&input.output_})) return Output();
    return input.output_;
  }
  if (input.has_tensor_) return ConstantNamed(input.tensor_, const_name);
  if (input.numbers_.empty() && !input.is_list_) {
    Fail(InvalidArgumentError("An input tensor is invalid (default-constructed)"));
    return Output();
  }
  DataType dtype = dtype_hint.value_or(input.is_integer_ ? DataType::kInt32 : DataType::kFloat);
  if (!input.is_integer_ && IsInteger(dtype)) {
    Fail(InvalidArgumentError("Expected " + PythonTypeName(dtype) + ", but got " +
                              std::to_string(input.numbers_[0]) + " of type 'float'."));
    return Output();
  }
  if (!IsFloating(dtype) && !IsInteger(dtype) && dtype != DataType::kBool) {
    dtype = input.is_integer_ ? DataType::kInt32 : DataType::kFloat;
  }
  const TensorShape shape =
      input.is_list_ ? TensorShape({static_cast<int64_t>(input.numbers_.size())}) : TensorShape();
  auto tensor = NumbersToTensor(input.numbers_, dtype, shape);
  if (!tensor.ok()) {
    Fail(tensor.status());
    return Output();
  }
  return ConstantNamed(*tensor, const_name);
}

Output GraphBuilder::ConstantNamed(const Tensor& value, std::string_view name,
                                   bool broadcast) {
  std::map<std::string, AttrValue> attrs;
  attrs["dtype"] = TypeAttr(value.dtype());
  MakeTensorProto(value, broadcast, attrs["value"].mutable_tensor());
  std::vector<Output> out =
      AddNodeNamed(graph_->UniqueName(name), "Const", {}, std::move(attrs), {});
  return First(out);
}

// --- Look-ups ---------------------------------------------------------------

Output GraphBuilder::GetTensorByName(std::string_view name) {
  if (!status_.ok()) return Output();
  auto element = graph_->GetTensorByName(name);
  if (!element.ok()) {
    Fail(element.status());
    return Output();
  }
  return Wrap(element->node, element->index);
}

Operation GraphBuilder::GetOperationByName(std::string_view name) {
  if (!status_.ok()) return Operation();
  auto node = graph_->GetOperationByName(name);
  if (!node.ok()) {
    Fail(node.status());
    return Operation();
  }
  return Operation{*node};
}

std::vector<Variable> GraphBuilder::GlobalVariables() {
  auto variables = graph_->GetVariables("variables");
  if (!variables.ok()) {
    Fail(variables.status());
    return {};
  }
  return *std::move(variables);
}

GraphVariable GraphBuilder::AsGraphVariable(const tfckpt::Variable& variable) {
  Output value = GetTensorByName(variable.def.snapshot_name());
  Operation initializer = GetOperationByName(variable.def.initializer_name());
  if (!value.valid() || !initializer.valid()) return GraphVariable();
  return GraphVariable(value, variable, initializer);
}

// --- Constants, placeholders, variables -------------------------------------

Output GraphBuilder::Constant(const Input& value, std::string_view name) {
  return ToTensor(value, name.empty() ? "Const" : name, std::nullopt);
}

Output GraphBuilder::Fill(double value, std::vector<int64_t> shape,
                          DataType dtype, std::string_view name) {
  if (!status_.ok()) return Output();
  auto dims = TensorShape::Create(shape);
  if (!dims.ok()) {
    Fail(dims.status());
    return Output();
  }
  // Like TF's zeros/ones: a broadcast Const when small, a Fill op when not.
  if (dims->num_elements() >= 1000) {
    const std::string scope = graph_->EnterNameScope(name.empty() ? "Fill" : name);
    Output dims_tensor;
    {
      std::vector<int64_t> values(shape.begin(), shape.end());
      std::vector<double> numbers(values.begin(), values.end());
      auto t = NumbersToTensor(numbers, DataType::kInt32,
                               TensorShape({static_cast<int64_t>(numbers.size())}));
      if (t.ok()) dims_tensor = ConstantNamed(*t, "shape_as_tensor");
    }
    auto scalar = NumbersToTensor({value}, dtype, TensorShape());
    Output value_tensor = scalar.ok() ? ConstantNamed(*scalar, "Const") : Output();
    graph_->ExitNameScope();
    if (!scalar.ok()) {
      Fail(scalar.status());
      return Output();
    }
    std::vector<Output> out =
        AddNodeNamed(scope, "Fill", {dims_tensor, value_tensor}, {}, {});
    return First(out);
  }
  auto tensor = NumbersToTensor({value}, dtype, *dims);
  if (!tensor.ok()) {
    Fail(tensor.status());
    return Output();
  }
  return ConstantNamed(*tensor, name.empty() ? "Const" : name, /*broadcast=*/true);
}

Output GraphBuilder::Zeros(std::vector<int64_t> shape, DataType dtype,
                           std::string_view name) {
  return Fill(0.0, std::move(shape), dtype, name.empty() ? "zeros" : name);
}

Output GraphBuilder::Ones(std::vector<int64_t> shape, DataType dtype,
                          std::string_view name) {
  return Fill(1.0, std::move(shape), dtype, name.empty() ? "ones" : name);
}

Output GraphBuilder::Placeholder(DataType dtype, const PartialShape& shape,
                                 std::string_view name) {
  std::map<std::string, AttrValue> attrs;
  attrs["dtype"] = TypeAttr(dtype);
  shape.ToProto(attrs["shape"].mutable_shape());
  return First(AddOp("Placeholder", {}, std::move(attrs), name.empty() ? "Placeholder" : name));
}

GraphVariable GraphBuilder::Variable(const Input& initial_value,
                                     std::string_view name,
                                     const VariableOptions& options) {
  if (!status_.ok()) return GraphVariable();
  const std::string scope = graph_->EnterNameScope(name.empty() ? "Variable" : name);
  const bool resource = options.use_resource;
  // Resource variables convert their initial value in "<name>/Initializer".
  Output initial;
  if (resource && !initial_value.output_.valid()) {
    graph_->EnterNameScope("Initializer");
    initial = ToTensor(initial_value, "initial_value", options.dtype);
    graph_->ExitNameScope();
  } else {
    initial = ToTensor(initial_value, "initial_value", options.dtype);
  }
  graph_->ExitNameScope();
  if (!status_.ok()) return GraphVariable();
  if (options.dtype.has_value() && initial.dtype() != *options.dtype) {
    Fail(InvalidArgumentError("Variable '" + scope + "': initial value has dtype " +
                              PythonTypeName(initial.dtype()) + ", not " +
                              PythonTypeName(*options.dtype)));
    return GraphVariable();
  }
  const PartialShape shape = ShapeOf(initial);
  if (!shape.fully_defined()) {
    Fail(InvalidArgumentError("initial_value must have a shape specified: " +
                              initial.name() + " has shape " + shape.ToString()));
    return GraphVariable();
  }
  const DataType dtype = initial.dtype();
  std::map<std::string, AttrValue> var_attrs;
  var_attrs["dtype"] = TypeAttr(dtype);
  shape.ToProto(var_attrs["shape"].mutable_shape());
  var_attrs["container"] = StringAttr("");
  tensorflow::VariableDef def;
  Output value;
  Output initializer;
  if (!resource) {
    var_attrs["shared_name"] = StringAttr("");
    std::vector<Output> var = AddNodeNamed(scope, "VariableV2", {}, std::move(var_attrs), {});
    if (var.empty()) return GraphVariable();
    std::vector<Output> assign = AddNodeNamed(
        scope + "/Assign", "Assign", {var[0], initial},
        {{"_class", ColocationAttr(scope)},
         {"use_locking", BoolAttr(true)},
         {"validate_shape", BoolAttr(true)}},
        {});
    std::vector<Output> read = AddNodeNamed(scope + "/read", "Identity", {var[0]},
                                            {{"_class", ColocationAttr(scope)}}, {});
    if (assign.empty() || read.empty()) return GraphVariable();
    initializer = assign[0];
    value = read[0];
  } else {
    var_attrs["shared_name"] = StringAttr(scope);
    var_attrs["_class"] = ColocationAttr(scope);
    var_attrs["allowed_devices"].mutable_list();
    var_attrs["debug_name"] = StringAttr(scope + "/");
    std::vector<Output> handle = AddNodeNamed(scope, "VarHandleOp", {}, std::move(var_attrs), {});
    if (handle.empty()) return GraphVariable();
    std::vector<Output> initialized =
        AddNodeNamed(scope + "/IsInitialized/VarIsInitializedOp", "VarIsInitializedOp",
                     {handle[0]}, {}, {});
    std::vector<Output> assign = AddNodeNamed(
        scope + "/Assign", "AssignVariableOp", {handle[0], initial},
        {{"dtype", TypeAttr(dtype)},
         {"validate_shape", BoolAttr(false)}},
        {});
    std::vector<Output> read = AddNodeNamed(scope + "/Read/ReadVariableOp", "ReadVariableOp",
                                            {handle[0]}, {{"dtype", TypeAttr(dtype)}}, {});
    if (initialized.empty() || assign.empty() || read.empty()) return GraphVariable();
    initializer = assign[0];
    value = read[0];
    def.set_is_resource(true);
  }
  def.set_variable_name(scope + ":0");
  def.set_initializer_name(initializer.node()->name());
  def.set_snapshot_name(value.name());
  def.set_initial_value_name(initial.name());
  def.set_trainable(options.trainable);
  Status added = graph_->AddVariableToCollection("variables", def);
  if (added.ok() && options.trainable) {
    added = graph_->AddVariableToCollection("trainable_variables", def);
  }
  if (!added.ok()) {
    Fail(added);
    return GraphVariable();
  }
  auto resolved = graph_->ResolveVariable(def);
  if (!resolved.ok()) {
    Fail(resolved.status());
    return GraphVariable();
  }
  return GraphVariable(value, *std::move(resolved), Operation{initializer.node()});
}

Operation GraphBuilder::GlobalVariablesInitializer(std::string_view name) {
  if (!status_.ok()) return Operation();
  std::vector<Operation> deps;
  for (const tfckpt::Variable& variable : GlobalVariables()) {
    Operation init = GetOperationByName(variable.def.initializer_name());
    if (!init.valid()) return Operation();
    deps.push_back(init);
  }
  return Group(deps, name);
}

Operation GraphBuilder::VariablesInitializer(const std::vector<GraphVariable>& variables,
                                             std::string_view name) {
  std::vector<Operation> deps;
  for (const GraphVariable& variable : variables) {
    if (!CheckValid({&variable})) return Operation();
    deps.push_back(variable.initializer());
  }
  return Group(deps, name);
}

Output GraphBuilder::AssignOp(std::string_view ref_op, std::string_view resource_op,
                              const GraphVariable& variable, const Input& value,
                              std::string_view name) {
  if (!CheckValid({&variable})) return Output();
  const bool resource = variable.variable().def.is_resource();
  const std::string_view op = resource ? resource_op : ref_op;
  const std::string scope = graph_->EnterNameScope(name.empty() ? ref_op : name);
  Output tensor = ToTensor(value, "value", variable.dtype());
  graph_->ExitNameScope();
  std::map<std::string, AttrValue> attrs;
  if (resource) attrs["dtype"] = TypeAttr(variable.dtype());
  const Output handle = Wrap(variable.op(), 0);
  std::vector<Output> out = AddNodeNamed(scope, op, {handle, tensor}, std::move(attrs), {});
  return First(out);
}

Output GraphBuilder::Assign(const GraphVariable& variable, const Input& value,
                            std::string_view name) {
  return AssignOp("Assign", "AssignVariableOp", variable, value, name);
}
Output GraphBuilder::AssignAdd(const GraphVariable& variable, const Input& value,
                               std::string_view name) {
  return AssignOp("AssignAdd", "AssignAddVariableOp", variable, value, name);
}
Output GraphBuilder::AssignSub(const GraphVariable& variable, const Input& value,
                               std::string_view name) {
  return AssignOp("AssignSub", "AssignSubVariableOp", variable, value, name);
}

// --- Random initializers ----------------------------------------------------

// TF's random_seed.get_seed: a graph seed with no op seed takes the graph's
// running op-seed counter; an op seed alone pairs with the default graph
// seed; (0, 0) would mean "nondeterministic" to the kernels, so it becomes
// (0, 2^31-1).
std::pair<int64_t, int64_t> GraphBuilder::RandomSeeds(std::optional<int64_t> op_seed) {
  int64_t seed = 0;
  int64_t seed2 = 0;
  if (graph_seed_.has_value()) {
    const int64_t op = op_seed.has_value() ? *op_seed : seed_counter_++;
    seed = *graph_seed_ % kMaxInt32;
    seed2 = op % kMaxInt32;
  } else if (op_seed.has_value()) {
    seed = kDefaultGraphSeed;
    seed2 = *op_seed % kMaxInt32;
  } else {
    return {0, 0};
  }
  if (seed == 0 && seed2 == 0) seed2 = kMaxInt32;
  return {seed, seed2};
}

Output GraphBuilder::RandomOp(std::string_view op, std::string_view default_name,
                              std::vector<int64_t> shape, const RandomOptions& options,
                              std::string_view name) {
  if (!status_.ok()) return Output();
  const std::string scope = graph_->EnterNameScope(name.empty() ? default_name : name);
  Input shape_input(0);
  shape_input.numbers_.assign(shape.begin(), shape.end());
  shape_input.is_list_ = true;
  Output shape_tensor = ToTensor(shape_input, "shape", DataType::kInt32);
  const bool uniform = op == "RandomUniform";
  const bool unit_range = options.minval == 0.0 && options.maxval == 1.0;
  Output first;
  Output second;
  if (!uniform) {
    first = ToTensor(Input(options.mean), "mean", options.dtype);
    second = ToTensor(Input(options.stddev), "stddev", options.dtype);
  } else if (!unit_range) {
    first = ToTensor(Input(options.minval), "min", options.dtype);
    second = ToTensor(Input(options.maxval), "max", options.dtype);
  }
  const auto [seed, seed2] = RandomSeeds(options.seed);
  std::vector<Output> random = AddNodeNamed(
      graph_->UniqueName(op), op, {shape_tensor},
      {{"dtype", TypeAttr(options.dtype)}, {"seed", IntAttr(seed)}, {"seed2", IntAttr(seed2)}},
      {});
  Output result;
  if (!random.empty()) {
    if (!uniform) {
      // value = random * stddev + mean
      std::vector<Output> mul =
          AddNodeNamed(graph_->UniqueName("mul"), "Mul", {random[0], second}, {}, {});
      if (!mul.empty()) {
        graph_->ExitNameScope();
        std::vector<Output> add = AddNodeNamed(scope, "AddV2", {mul[0], first}, {}, {});
        return add.empty() ? Output() : add[0];
      }
    } else if (unit_range) {
      result = random[0];
    } else if (options.minval == 0.0) {
      std::vector<Output> mul =
          AddNodeNamed(graph_->UniqueName("Mul"), "Mul", {random[0], second}, {}, {});
      if (!mul.empty()) result = mul[0];
    } else {
      // value = random * (max - min) + min
      std::vector<Output> sub =
          AddNodeNamed(graph_->UniqueName("sub"), "Sub", {second, first}, {}, {});
      std::vector<Output> mul =
          sub.empty() ? std::vector<Output>{}
                      : AddNodeNamed(graph_->UniqueName("mul"), "Mul", {random[0], sub[0]}, {}, {});
      if (!mul.empty()) {
        graph_->ExitNameScope();
        std::vector<Output> add = AddNodeNamed(scope, "AddV2", {mul[0], first}, {}, {});
        return add.empty() ? Output() : add[0];
      }
    }
  }
  graph_->ExitNameScope();
  return result;
}

Output GraphBuilder::RandomNormal(std::vector<int64_t> shape, const RandomOptions& options,
                                  std::string_view name) {
  return RandomOp("RandomStandardNormal", "random_normal", std::move(shape), options, name);
}
Output GraphBuilder::TruncatedNormal(std::vector<int64_t> shape,
                                     const RandomOptions& options, std::string_view name) {
  return RandomOp("TruncatedNormal", "truncated_normal", std::move(shape), options, name);
}
Output GraphBuilder::RandomUniform(std::vector<int64_t> shape, const RandomOptions& options,
                                   std::string_view name) {
  return RandomOp("RandomUniform", "random_uniform", std::move(shape), options, name);
}

// --- Math -------------------------------------------------------------------

Output GraphBuilder::BinaryOp(std::string_view op, std::string_view default_name,
                              const Input& x, const Input& y, std::string_view name) {
  return First(AddOp(op, {x, y}, {}, name.empty() ? default_name : name));
}

Output GraphBuilder::UnaryOp(std::string_view op, const Input& x, std::string_view name) {
  return First(AddOp(op, {x}, {}, name));
}

Output GraphBuilder::Add(const Input& x, const Input& y, std::string_view name) {
  return BinaryOp("AddV2", "Add", x, y, name);
}
Output GraphBuilder::Subtract(const Input& x, const Input& y, std::string_view name) {
  return BinaryOp("Sub", "Sub", x, y, name);
}
Output GraphBuilder::Multiply(const Input& x, const Input& y, std::string_view name) {
  return BinaryOp("Mul", "Mul", x, y, name);
}
Output GraphBuilder::Divide(const Input& x, const Input& y, std::string_view name) {
  return BinaryOp("RealDiv", "truediv", x, y, name);
}
Output GraphBuilder::Maximum(const Input& x, const Input& y, std::string_view name) {
  return BinaryOp("Maximum", "Maximum", x, y, name);
}
Output GraphBuilder::Minimum(const Input& x, const Input& y, std::string_view name) {
  return BinaryOp("Minimum", "Minimum", x, y, name);
}
Output GraphBuilder::Pow(const Input& x, const Input& y, std::string_view name) {
  return BinaryOp("Pow", "Pow", x, y, name);
}
Output GraphBuilder::SquaredDifference(const Input& x, const Input& y,
                                       std::string_view name) {
  return BinaryOp("SquaredDifference", "SquaredDifference", x, y, name);
}
Output GraphBuilder::Equal(const Input& x, const Input& y, std::string_view name) {
  return BinaryOp("Equal", "Equal", x, y, name);
}
Output GraphBuilder::Less(const Input& x, const Input& y, std::string_view name) {
  return BinaryOp("Less", "Less", x, y, name);
}
Output GraphBuilder::Greater(const Input& x, const Input& y, std::string_view name) {
  return BinaryOp("Greater", "Greater", x, y, name);
}
Output GraphBuilder::Negative(const Input& x, std::string_view name) {
  return UnaryOp("Neg", x, name);
}
Output GraphBuilder::Abs(const Input& x, std::string_view name) { return UnaryOp("Abs", x, name); }
Output GraphBuilder::Square(const Input& x, std::string_view name) {
  return UnaryOp("Square", x, name);
}
Output GraphBuilder::Sqrt(const Input& x, std::string_view name) { return UnaryOp("Sqrt", x, name); }
Output GraphBuilder::Exp(const Input& x, std::string_view name) { return UnaryOp("Exp", x, name); }
Output GraphBuilder::Log(const Input& x, std::string_view name) { return UnaryOp("Log", x, name); }

Output GraphBuilder::MatMul(const Input& a, const Input& b, bool transpose_a,
                            bool transpose_b, std::string_view name) {
  std::vector<Output> out =
      AddOp("MatMul", {a, b},
            {{"transpose_a", BoolAttr(transpose_a)}, {"transpose_b", BoolAttr(transpose_b)}},
            name);
  return First(out);
}

Output GraphBuilder::Cast(const Input& x, DataType dtype, std::string_view name) {
  std::vector<Output> out = AddOp("Cast", {x}, {{"DstT", TypeAttr(dtype)}}, name);
  return First(out);
}

Output GraphBuilder::Reduction(std::string_view op, std::string_view default_name,
                               const Input& x, std::vector<int64_t> axes, bool keepdims,
                               std::string_view name) {
  if (!status_.ok()) return Output();
  Output input = ToTensor(x, "input", std::nullopt);
  if (!input.valid()) return Output();
  // No axes: every axis, as a "Const" made before the op's scope (TF's
  // _ReductionDims).
  Output indices;
  const bool all_axes = axes.empty();
  if (all_axes) {
    const PartialShape shape = ShapeOf(input);
    if (!shape.rank_known()) {
      Fail(UnimplementedError("Reducing over every axis of a tensor of unknown rank (" +
                              input.name() + ") needs explicit axes"));
      return Output();
    }
    Input all(0);
    all.numbers_.resize(static_cast<size_t>(shape.rank()));
    std::iota(all.numbers_.begin(), all.numbers_.end(), 0.0);
    all.is_list_ = true;
    indices = ToTensor(all, "Const", DataType::kInt32);
  }
  const std::string scope = graph_->EnterNameScope(name.empty() ? default_name : name);
  if (!all_axes) {
    Input given(0);
    given.numbers_.assign(axes.begin(), axes.end());
    given.is_list_ = axes.size() > 1;
    indices = ToTensor(given, "reduction_indices", DataType::kInt32);
  }
  graph_->ExitNameScope();
  std::vector<Output> out =
      AddNodeNamed(scope, op, {input, indices}, {{"keep_dims", BoolAttr(keepdims)}}, {});
  return First(out);
}

Output GraphBuilder::ReduceSum(const Input& x, std::vector<int64_t> axes, bool keepdims,
                               std::string_view name) {
  return Reduction("Sum", "Sum", x, std::move(axes), keepdims, name);
}
Output GraphBuilder::ReduceMean(const Input& x, std::vector<int64_t> axes, bool keepdims,
                                std::string_view name) {
  return Reduction("Mean", "Mean", x, std::move(axes), keepdims, name);
}
Output GraphBuilder::ReduceMax(const Input& x, std::vector<int64_t> axes, bool keepdims,
                               std::string_view name) {
  return Reduction("Max", "Max", x, std::move(axes), keepdims, name);
}

Output GraphBuilder::ArgMax(const Input& x, int64_t axis, std::string_view name) {
  if (!status_.ok()) return Output();
  Output input = ToTensor(x, "input", std::nullopt);
  const std::string scope = graph_->EnterNameScope(name.empty() ? "ArgMax" : name);
  Output dimension = ToTensor(Input(axis), "dimension", DataType::kInt32);
  graph_->ExitNameScope();
  std::vector<Output> out = AddNodeNamed(scope, "ArgMax", {input, dimension},
                                         {{"output_type", TypeAttr(DataType::kInt64)}}, {});
  return First(out);
}

// --- Neural networks --------------------------------------------------------

Output GraphBuilder::BiasAdd(const Input& value, const Input& bias, std::string_view name) {
  std::vector<Output> out =
      AddOp("BiasAdd", {value, bias}, {{"data_format", StringAttr("NHWC")}}, name);
  return First(out);
}
Output GraphBuilder::Relu(const Input& x, std::string_view name) { return UnaryOp("Relu", x, name); }
Output GraphBuilder::Relu6(const Input& x, std::string_view name) {
  return UnaryOp("Relu6", x, name);
}
Output GraphBuilder::Sigmoid(const Input& x, std::string_view name) {
  return UnaryOp("Sigmoid", x, name);
}
Output GraphBuilder::Tanh(const Input& x, std::string_view name) { return UnaryOp("Tanh", x, name); }
Output GraphBuilder::Softmax(const Input& logits, std::string_view name) {
  return UnaryOp("Softmax", logits, name);
}
Output GraphBuilder::LogSoftmax(const Input& logits, std::string_view name) {
  return UnaryOp("LogSoftmax", logits, name);
}
Output GraphBuilder::SoftmaxCrossEntropyWithLogits(const Input& labels, const Input& logits,
                                                   std::string_view name) {
  // The kernel takes (features, labels).
  std::vector<Output> out =
      AddOp("SoftmaxCrossEntropyWithLogits", {logits, labels}, {},
            name.empty() ? "softmax_cross_entropy_with_logits" : name);
  return First(out);
}
Output GraphBuilder::L2Loss(const Input& x, std::string_view name) {
  return UnaryOp("L2Loss", x, name);
}

namespace {

// The window attrs Conv2D and the pools share.
std::map<std::string, AttrValue> WindowAttrs(const ConvOptions& options) {
  return {{"strides", IntListAttr(options.strides)},
          {"padding", StringAttr(options.padding)},
          {"data_format", StringAttr(options.data_format)}};
}

}  // namespace

Output GraphBuilder::Conv2D(const Input& input, const Input& filter,
                            const ConvOptions& options, std::string_view name) {
  return First(AddOp("Conv2D", {input, filter}, WindowAttrs(options), name));
}

Output GraphBuilder::Pool(std::string_view op, const Input& input, std::vector<int64_t> ksize,
                          const ConvOptions& options, std::string_view name) {
  std::map<std::string, AttrValue> attrs = WindowAttrs(options);
  attrs["ksize"] = IntListAttr(ksize);
  return First(AddOp(op, {input}, std::move(attrs), name));
}

Output GraphBuilder::MaxPool(const Input& input, std::vector<int64_t> ksize,
                             const ConvOptions& options, std::string_view name) {
  return Pool("MaxPool", input, std::move(ksize), options, name);
}

Output GraphBuilder::AvgPool(const Input& input, std::vector<int64_t> ksize,
                             const ConvOptions& options, std::string_view name) {
  return Pool("AvgPool", input, std::move(ksize), options, name);
}

// --- Arrays -----------------------------------------------------------------

Output GraphBuilder::Identity(const Input& x, std::string_view name) {
  return UnaryOp("Identity", x, name);
}
Output GraphBuilder::StopGradient(const Input& x, std::string_view name) {
  return UnaryOp("StopGradient", x, name);
}
Output GraphBuilder::Reshape(const Input& x, const Input& shape, std::string_view name) {
  if (!status_.ok()) return Output();
  Output input = ToTensor(x, "tensor", std::nullopt);
  const std::string scope = graph_->EnterNameScope(name.empty() ? "Reshape" : name);
  Output dims = ToTensor(shape, "shape", DataType::kInt32);
  graph_->ExitNameScope();
  std::vector<Output> out = AddNodeNamed(scope, "Reshape", {input, dims}, {}, {});
  return First(out);
}
Output GraphBuilder::ExpandDims(const Input& x, int64_t axis, std::string_view name) {
  if (!status_.ok()) return Output();
  Output input = ToTensor(x, "input", std::nullopt);
  const std::string scope = graph_->EnterNameScope(name.empty() ? "ExpandDims" : name);
  Output dim = ToTensor(Input(axis), "dim", DataType::kInt32);
  graph_->ExitNameScope();
  std::vector<Output> out = AddNodeNamed(scope, "ExpandDims", {input, dim}, {}, {});
  return First(out);
}
Output GraphBuilder::Transpose(const Input& x, std::vector<int64_t> perm,
                               std::string_view name) {
  if (!status_.ok()) return Output();
  Output input = ToTensor(x, "x", std::nullopt);
  const std::string scope = graph_->EnterNameScope(name.empty() ? "transpose" : name);
  Input perm_input(0);
  perm_input.numbers_.assign(perm.begin(), perm.end());
  perm_input.is_list_ = true;
  Output perm_tensor = ToTensor(perm_input, "perm", DataType::kInt32);
  graph_->ExitNameScope();
  std::vector<Output> out = AddNodeNamed(scope, "Transpose", {input, perm_tensor}, {}, {});
  return First(out);
}
Output GraphBuilder::Concat(const std::vector<Output>& values, int64_t axis,
                            std::string_view name) {
  if (!status_.ok()) return Output();
  const std::string scope = graph_->EnterNameScope(name.empty() ? "concat" : name);
  Output axis_tensor = ToTensor(Input(axis), "axis", DataType::kInt32);
  graph_->ExitNameScope();
  std::vector<Output> inputs = values;
  inputs.push_back(axis_tensor);
  std::vector<Output> out =
      AddNodeNamed(scope, "ConcatV2", inputs,
                   {{"N", IntAttr(static_cast<int64_t>(values.size()))}}, {});
  return First(out);
}
Output GraphBuilder::Shape(const Input& x, std::string_view name) {
  std::vector<Output> out =
      AddOp("Shape", {x}, {{"out_type", TypeAttr(DataType::kInt32)}}, name);
  return First(out);
}
Output GraphBuilder::ZerosLike(const Input& x, std::string_view name) {
  return UnaryOp("ZerosLike", x, name.empty() ? "zeros_like" : name);
}

Operation GraphBuilder::Group(const std::vector<Operation>& deps, std::string_view name) {
  std::vector<Output> out =
      AddNodeNamed(graph_->UniqueName(name.empty() ? "group_deps" : name), "NoOp", {}, {}, deps);
  return out.empty() ? Operation() : Operation{out[0].node()};
}

// --- Operators --------------------------------------------------------------

namespace {

// TF's binary_op_wrapper: scope "add"/"sub"/"mul"/"truediv", numbers become
// constants named after their operand.
Output Operator(std::string_view op, std::string_view scope, const Input& x,
                const Input& y, GraphBuilder* builder) {
  if (builder == nullptr) return Output();
  return First(builder->AddOp(op, {x, y}, {}, scope));
}

}  // namespace

Output operator+(const Output& x, const Output& y) { return Operator("AddV2", "add", x, y, x.builder()); }
Output operator+(const Output& x, double y) { return Operator("AddV2", "add", x, y, x.builder()); }
Output operator+(double x, const Output& y) { return Operator("AddV2", "add", x, y, y.builder()); }
Output operator-(const Output& x, const Output& y) { return Operator("Sub", "sub", x, y, x.builder()); }
Output operator-(const Output& x, double y) { return Operator("Sub", "sub", x, y, x.builder()); }
Output operator-(double x, const Output& y) { return Operator("Sub", "sub", x, y, y.builder()); }
Output operator*(const Output& x, const Output& y) { return Operator("Mul", "mul", x, y, x.builder()); }
Output operator*(const Output& x, double y) { return Operator("Mul", "mul", x, y, x.builder()); }
Output operator*(double x, const Output& y) { return Operator("Mul", "mul", x, y, y.builder()); }
Output operator/(const Output& x, const Output& y) {
  return Operator("RealDiv", "truediv", x, y, x.builder());
}
Output operator/(const Output& x, double y) {
  return Operator("RealDiv", "truediv", x, y, x.builder());
}
Output operator/(double x, const Output& y) {
  return Operator("RealDiv", "truediv", x, y, y.builder());
}
Output operator-(const Output& x) {
  return x.builder() == nullptr ? Output() : x.builder()->Negative(x);
}

}  // namespace tfckpt
