#include "src/graph/node_util.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "tensorflow/core/framework/attr_value.pb.h"

namespace tfckpt::internal {
namespace {

using tensorflow::AttrValue;
using tensorflow::NodeDef;
using tensorflow::OpDef;

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

// The oneof case an attr of type `type` ("int", "list(type)") must use.
AttrValue::ValueCase ExpectedCase(std::string_view type) {
  if (type.starts_with("list(")) return AttrValue::kList;
  if (type == "string") return AttrValue::kS;
  if (type == "int") return AttrValue::kI;
  if (type == "float") return AttrValue::kF;
  if (type == "bool") return AttrValue::kB;
  if (type == "type") return AttrValue::kType;
  if (type == "shape") return AttrValue::kShape;
  if (type == "tensor") return AttrValue::kTensor;
  if (type == "func") return AttrValue::kFunc;
  return AttrValue::VALUE_NOT_SET;
}

std::string CaseName(AttrValue::ValueCase c) {
  switch (c) {
    case AttrValue::kList: return "list";
    case AttrValue::kS: return "string";
    case AttrValue::kI: return "int";
    case AttrValue::kF: return "float";
    case AttrValue::kB: return "bool";
    case AttrValue::kType: return "type";
    case AttrValue::kShape: return "shape";
    case AttrValue::kTensor: return "tensor";
    case AttrValue::kFunc: return "func";
    case AttrValue::kPlaceholder: return "placeholder";
    case AttrValue::VALUE_NOT_SET: break;
  }
  return "no value";
}

// Size of a list attr, or 1 for a scalar.
int64_t ValueCount(const AttrValue& v) {
  if (v.value_case() != AttrValue::kList) return 1;
  const AttrValue::ListValue& l = v.list();
  return l.s_size() + l.i_size() + l.f_size() + l.b_size() + l.type_size() +
         l.shape_size() + l.tensor_size() + l.func_size();
}

bool Allowed(const AttrValue& allowed, const AttrValue& v) {
  const AttrValue::ListValue& a = allowed.list();
  auto has_type = [&a](int t) {
    for (int x : a.type()) {
      if (x == t) return true;
    }
    return false;
  };
  auto has_s = [&a](const std::string& s) {
    for (const std::string& x : a.s()) {
      if (x == s) return true;
    }
    return false;
  };
  if (v.value_case() == AttrValue::kType) return has_type(v.type());
  if (v.value_case() == AttrValue::kS) return has_s(v.s());
  if (v.value_case() == AttrValue::kList) {
    for (int t : v.list().type()) {
      if (!has_type(t)) return false;
    }
    for (const std::string& s : v.list().s()) {
      if (!has_s(s)) return false;
    }
  }
  return true;
}

const AttrValue* Find(const NodeDef& node, const std::string& name) {
  auto it = node.attr().find(name);
  return it == node.attr().end() ? nullptr : &it->second;
}

// The node's attr `name`, else the default `op` declares for it (a node
// may leave defaulted attrs out); nullptr when neither has it.
const AttrValue* FindOrDefault(const NodeDef& node, const OpDef& op, const std::string& name) {
  if (const AttrValue* value = Find(node, name)) return value;
  for (const OpDef::AttrDef& attr : op.attr()) {
    if (attr.name() == name && attr.has_default_value()) return &attr.default_value();
  }
  return nullptr;
}

// The most tensors one arg may stand for. An output list's length comes from
// an attr alone (Unpack's num, Split's num_split), so a bound keeps a tiny
// NodeDef from asking for terabytes of output slots.
constexpr int64_t kMaxArgCount = int64_t{1} << 20;

// Number of tensors one arg stands for.
StatusOr<int64_t> ArgCount(const NodeDef& node, const OpDef& op, const OpDef::ArgDef& arg) {
  if (!arg.number_attr().empty()) {
    const AttrValue* n = FindOrDefault(node, op, arg.number_attr());
    if (n == nullptr || n->value_case() != AttrValue::kI || n->i() < 0) {
      return InvalidArgumentError("attr '" + arg.number_attr() +
                                  "' is missing or not a count");
    }
    if (n->i() > kMaxArgCount) {
      return InvalidArgumentError("attr '" + arg.number_attr() + "' is " +
                                  std::to_string(n->i()) + ", more than " +
                                  std::to_string(kMaxArgCount) + " tensors for '" +
                                  arg.name() + "'");
    }
    return n->i();
  }
  if (!arg.type_list_attr().empty()) {
    const AttrValue* l = FindOrDefault(node, op, arg.type_list_attr());
    if (l == nullptr || l->value_case() != AttrValue::kList) {
      return InvalidArgumentError("attr '" + arg.type_list_attr() +
                                  "' is missing or not a list");
    }
    return l->list().type_size();
  }
  return 1;
}

Status NodeError(const NodeDef& node, const Status& s) {
  return InvalidArgumentError("Node '" + node.name() + "' (op '" + node.op() +
                              "'): " + s.message());
}

}  // namespace

bool IsValidNodeName(std::string_view name) {
  if (name.empty() || !(IsAlnum(name[0]) || name[0] == '.')) return false;
  for (char c : name.substr(1)) {
    if (!(IsAlnum(c) || c == '_' || c == '.' || c == '-' || c == '/' ||
          c == '>')) {
      return false;
    }
  }
  return true;
}

void AddDefaultAttrs(const OpDef& op, NodeDef* node) {
  for (const OpDef::AttrDef& attr : op.attr()) {
    if (attr.has_default_value() && !node->attr().contains(attr.name())) {
      (*node->mutable_attr())[attr.name()] = attr.default_value();
    }
  }
}

Status ValidateNode(const NodeDef& node, const OpDef& op, int num_data_inputs) {
  for (const OpDef::AttrDef& attr : op.attr()) {
    const AttrValue* v = Find(node, attr.name());
    if (v == nullptr) {
      if (attr.has_default_value()) continue;
      return NodeError(node, InvalidArgumentError("missing attr '" +
                                                  attr.name() + "'"));
    }
    const AttrValue::ValueCase want = ExpectedCase(attr.type());
    if (v->value_case() != want &&
        !(want == AttrValue::kList && v->value_case() == AttrValue::VALUE_NOT_SET)) {
      return NodeError(node, InvalidArgumentError(
                                 "attr '" + attr.name() + "' has a " +
                                 CaseName(v->value_case()) + " value where '" +
                                 attr.type() + "' is expected"));
    }
    if (attr.has_allowed_values() && !Allowed(attr.allowed_values(), *v)) {
      return NodeError(node, InvalidArgumentError(
                                 "value of attr '" + attr.name() +
                                 "' is not in the list of allowed values"));
    }
    if (attr.has_minimum()) {
      const int64_t n = want == AttrValue::kI ? v->i() : ValueCount(*v);
      if (n < attr.minimum()) {
        return NodeError(node, InvalidArgumentError(
                                   "attr '" + attr.name() + "' is " +
                                   std::to_string(n) + ", less than minimum " +
                                   std::to_string(attr.minimum())));
      }
    }
  }
  int64_t expected = 0;
  for (const OpDef::ArgDef& arg : op.input_arg()) {
    auto count = ArgCount(node, op, arg);
    if (!count.ok()) return NodeError(node, count.status());
    expected += *count;
  }
  if (expected != num_data_inputs) {
    return NodeError(node, InvalidArgumentError(
                               "expected " + std::to_string(expected) +
                               " inputs, got " +
                               std::to_string(num_data_inputs)));
  }
  return OkStatus();
}

namespace {

// The dtype of every element of `args` (lists expanded), reference types as
// their base type.
StatusOr<std::vector<DataType>> ArgTypes(
    const NodeDef& node, const OpDef& op,
    const google::protobuf::RepeatedPtrField<OpDef::ArgDef>& args) {
  std::vector<DataType> types;
  auto base = [](int t) {
    // Reference types are the base type + 100.
    return static_cast<DataType>(t > 100 ? t - 100 : t);
  };
  for (const OpDef::ArgDef& arg : args) {
    auto count = ArgCount(node, op, arg);
    if (!count.ok()) return NodeError(node, count.status());
    if (!arg.type_list_attr().empty()) {
      for (int t : FindOrDefault(node, op, arg.type_list_attr())->list().type()) {
        types.push_back(base(t));
      }
      continue;
    }
    DataType dtype = base(arg.type());
    if (!arg.type_attr().empty()) {
      const AttrValue* t = FindOrDefault(node, op, arg.type_attr());
      if (t == nullptr || t->value_case() != AttrValue::kType) {
        return NodeError(node, InvalidArgumentError(
                                   "attr '" + arg.type_attr() +
                                   "' is missing or not a type"));
      }
      dtype = base(t->type());
    }
    types.insert(types.end(), static_cast<size_t>(*count), dtype);
  }
  return types;
}

}  // namespace

StatusOr<std::vector<DataType>> OutputTypes(const NodeDef& node, const OpDef& op) {
  return ArgTypes(node, op, op.output_arg());
}

StatusOr<std::vector<DataType>> InputTypes(const NodeDef& node, const OpDef& op) {
  return ArgTypes(node, op, op.input_arg());
}

Status CheckInputType(std::string_view node, size_t input, std::string_view source,
                      DataType passed, DataType expected) {
  if (passed == expected) return OkStatus();
  return InvalidArgumentError("Input " + std::to_string(input) + " of node " + std::string(node) +
                              " was passed " + std::string(DataTypeName(passed)) + " from " +
                              std::string(source) + " incompatible with expected " +
                              std::string(DataTypeName(expected)) + ".");
}

bool IsDefaultAttrValue(const OpDef& op, std::string_view name,
                        const AttrValue& value) {
  for (const OpDef::AttrDef& attr : op.attr()) {
    if (attr.name() != name || !attr.has_default_value()) continue;
    return DeterministicBytes(attr.default_value()) == DeterministicBytes(value);
  }
  return false;
}

std::string PrependNameScope(std::string_view name, std::string_view scope) {
  if (!scope.empty() && scope.back() == '/') scope.remove_suffix(1);
  if (scope.empty()) return std::string(name);
  std::string_view lead;
  if (name.starts_with("^")) {
    lead = name.substr(0, 1);
  } else if (name.starts_with("loc:@")) {
    lead = name.substr(0, 5);
  }
  name.remove_prefix(lead.size());
  return std::string(lead) + std::string(scope) + "/" + std::string(name);
}

std::string StripNameScope(std::string_view name, std::string_view scope) {
  if (!scope.empty() && scope.back() == '/') scope.remove_suffix(1);
  if (scope.empty()) return std::string(name);
  std::string_view lead;
  if (name.starts_with("^")) {
    lead = name.substr(0, 1);
  } else if (name.starts_with("loc:@")) {
    lead = name.substr(0, 5);
  }
  std::string_view rest = name.substr(lead.size());
  if (!rest.starts_with(scope) || rest.size() <= scope.size() ||
      rest[scope.size()] != '/') {
    return std::string(name);
  }
  rest.remove_prefix(scope.size());
  while (rest.starts_with("/")) rest.remove_prefix(1);
  return std::string(lead) + std::string(rest);
}

std::string DeterministicBytes(const google::protobuf::MessageLite& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializePartialToCodedStream(&coded);
  }
  return out;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace tfckpt::internal
