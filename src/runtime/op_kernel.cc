#include "src/runtime/op_kernel.h"

#include <cstring>
#include <utility>

#include "src/core/proto_conversions.h"

namespace tfckpt::internal {
namespace {

using tensorflow::AttrValue;

Status AttrError(const Node& node, std::string_view name,
                 std::string_view problem) {
  return InvalidArgumentError("Node '" + node.name() + "' (op '" + node.op() +
                              "'): attr '" + std::string(name) + "' " +
                              std::string(problem));
}

StatusOr<const AttrValue*> GetAttr(const Node& node, std::string_view name,
                                   AttrValue::ValueCase kind,
                                   std::string_view kind_name) {
  const AttrValue* value = node.FindAttr(name);
  if (value == nullptr) return AttrError(node, name, "is missing");
  // An empty list attr arrives with no case set.
  if (value->value_case() != kind &&
      !(kind == AttrValue::kList &&
        value->value_case() == AttrValue::VALUE_NOT_SET)) {
    return AttrError(node, name, "is not a " + std::string(kind_name));
  }
  return value;
}


}  // namespace

StatusOr<Tensor> VariableState::Read() {
  std::lock_guard<std::mutex> lock(mu);
  if (!initialized) {
    return FailedPreconditionError("Attempting to use uninitialized value " +
                                   name);
  }
  return tensor;
}

void VariableState::Write(Tensor value) {
  std::lock_guard<std::mutex> lock(mu);
  tensor = std::move(value);
  initialized = true;
}

std::shared_ptr<VariableState> ResourceManager::LookupOrCreate(
    const std::string& container, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = variables_[{container, name}];
  if (slot == nullptr) slot = std::make_shared<VariableState>(name);
  return slot;
}

Status ResourceManager::Delete(const std::string& container,
                               const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (variables_.erase({container, name}) == 0) {
    return NotFoundError("Resource " + container + "/" + name +
                         " does not exist.");
  }
  return OkStatus();
}

StatusOr<std::shared_ptr<VariableState>> OpKernelContext::input_variable(
    int i) const {
  const Value& value = inputs_[Index(i)];
  if (value.variable == nullptr) {
    return InvalidArgumentError("Node '" + node_.name() + "': input " +
                                std::to_string(i) +
                                " is not a variable reference or handle");
  }
  return value.variable;
}

void OpKernelContext::set_output(int i, Tensor tensor) {
  if (outputs_.size() <= Index(i)) outputs_.resize(Index(i) + 1);
  outputs_[Index(i)] = Value{std::move(tensor), nullptr, false};
}

void OpKernelContext::set_output_variable(
    int i, std::shared_ptr<VariableState> variable, bool is_ref) {
  if (outputs_.size() <= Index(i)) outputs_.resize(Index(i) + 1);
  outputs_[Index(i)] = Value{Tensor(), std::move(variable), is_ref};
}

StatusOr<Tensor> OpKernelContext::AllocateOutput(int i, DataType dtype,
                                                 const TensorShape& shape) {
  TFCKPT_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(dtype, shape));
  set_output(i, t);
  return t;
}

Status OpKernelContext::NodeError(StatusCode code,
                                  const std::string& message) const {
  return Status(code, message + "\n\t [[{{node " + node_.name() + "}}]]");
}

Status KernelRegistry::Register(std::string op, KernelFactory factory) {
  if (factories_.count(op) != 0) {
    return AlreadyExistsError("Kernel for op '" + op +
                              "' is already registered");
  }
  factories_.emplace(std::move(op), std::move(factory));
  return OkStatus();
}

Status KernelRegistry::RegisterFn(
    std::string op,
    std::function<StatusOr<FunctionKernel::Fn>(const Node&)> make) {
  return Register(
      std::move(op),
      [make = std::move(make)](
          const Node& node) -> StatusOr<std::unique_ptr<OpKernel>> {
        TFCKPT_ASSIGN_OR_RETURN(FunctionKernel::Fn fn, make(node));
        return std::unique_ptr<OpKernel>(
            std::make_unique<FunctionKernel>(std::move(fn)));
      });
}

const KernelFactory* KernelRegistry::Find(std::string_view op) const {
  auto it = factories_.find(op);
  return it == factories_.end() ? nullptr : &it->second;
}

std::vector<std::string> KernelRegistry::ListOps() const {
  std::vector<std::string> ops;
  for (const auto& [op, factory] : factories_) ops.push_back(op);
  return ops;
}

StatusOr<DataType> GetTypeAttr(const Node& node, std::string_view name) {
  TFCKPT_ASSIGN_OR_RETURN(const AttrValue* v,
                          GetAttr(node, name, AttrValue::kType, "type"));
  return static_cast<DataType>(v->type());
}

StatusOr<int64_t> GetIntAttr(const Node& node, std::string_view name) {
  TFCKPT_ASSIGN_OR_RETURN(const AttrValue* v,
                          GetAttr(node, name, AttrValue::kI, "int"));
  return v->i();
}

StatusOr<float> GetFloatAttr(const Node& node, std::string_view name) {
  TFCKPT_ASSIGN_OR_RETURN(const AttrValue* v,
                          GetAttr(node, name, AttrValue::kF, "float"));
  return v->f();
}

StatusOr<bool> GetBoolAttr(const Node& node, std::string_view name) {
  TFCKPT_ASSIGN_OR_RETURN(const AttrValue* v,
                          GetAttr(node, name, AttrValue::kB, "bool"));
  return v->b();
}

StatusOr<std::string> GetStringAttr(const Node& node, std::string_view name) {
  TFCKPT_ASSIGN_OR_RETURN(const AttrValue* v,
                          GetAttr(node, name, AttrValue::kS, "string"));
  return v->s();
}

StatusOr<std::vector<int64_t>> GetIntListAttr(const Node& node,
                                              std::string_view name) {
  TFCKPT_ASSIGN_OR_RETURN(const AttrValue* v,
                          GetAttr(node, name, AttrValue::kList, "list"));
  return std::vector<int64_t>(v->list().i().begin(), v->list().i().end());
}

StatusOr<std::vector<DataType>> GetTypeListAttr(const Node& node,
                                                std::string_view name) {
  TFCKPT_ASSIGN_OR_RETURN(const AttrValue* v,
                          GetAttr(node, name, AttrValue::kList, "list"));
  std::vector<DataType> types;
  for (int t : v->list().type()) types.push_back(static_cast<DataType>(t));
  return types;
}

int64_t GetIntAttrOr(const Node& node, std::string_view name, int64_t dflt) {
  const AttrValue* v = node.FindAttr(name);
  return v != nullptr && v->value_case() == AttrValue::kI ? v->i() : dflt;
}

bool GetBoolAttrOr(const Node& node, std::string_view name, bool dflt) {
  const AttrValue* v = node.FindAttr(name);
  return v != nullptr && v->value_case() == AttrValue::kB ? v->b() : dflt;
}

float GetFloatAttrOr(const Node& node, std::string_view name, float dflt) {
  const AttrValue* v = node.FindAttr(name);
  return v != nullptr && v->value_case() == AttrValue::kF ? v->f() : dflt;
}

std::string GetStringAttrOr(const Node& node, std::string_view name,
                            std::string dflt) {
  const AttrValue* v = node.FindAttr(name);
  return v != nullptr && v->value_case() == AttrValue::kS ? v->s()
                                                          : std::move(dflt);
}

std::string DataTypeString(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat: return "float";
    case DataType::kHalf: return "half";
    default: return std::string(DataTypeName(dtype));
  }
}

}  // namespace tfckpt::internal
