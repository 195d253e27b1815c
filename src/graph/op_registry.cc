#include "tfckpt/op_registry.h"

#include <google/protobuf/text_format.h>

#include <cassert>
#include <charconv>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tensorflow/core/framework/attr_value.pb.h"
#include "tensorflow/core/framework/types.pb.h"
#include "tfckpt/dtype.h"

namespace tfckpt {
namespace {

using tensorflow::AttrValue;
using tensorflow::OpDef;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool IsIdentifier(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return !(s[0] >= '0' && s[0] <= '9');
}

// Position of the first `token` outside quotes, braces and brackets, or npos.
size_t FindTopLevel(std::string_view s, std::string_view token) {
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
    } else if (c == '{' || c == '[' || c == '(') {
      ++depth;
    } else if (c == '}' || c == ']' || c == ')') {
      --depth;
    } else if (depth == 0 && s.substr(i, token.size()) == token) {
      return i;
    }
  }
  return std::string_view::npos;
}

// Splits "a, b, c" at top-level commas; "" gives no items.
std::vector<std::string_view> SplitList(std::string_view s) {
  std::vector<std::string_view> items;
  s = Trim(s);
  while (!s.empty()) {
    const size_t comma = FindTopLevel(s, ",");
    items.push_back(Trim(s.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    s = Trim(s.substr(comma + 1));
  }
  return items;
}

StatusOr<tensorflow::DataType> ParseType(std::string_view name) {
  auto dtype = DataTypeFromName(name);
  if (!dtype.ok()) return dtype.status();
  return static_cast<tensorflow::DataType>(static_cast<int>(*dtype));
}

StatusOr<std::string> ParseQuoted(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') {
    return InvalidArgumentError("expected a quoted string, got " +
                                std::string(s));
  }
  std::string out;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    if (s[i] == '\\' && i + 2 < s.size()) ++i;
    out.push_back(s[i]);
  }
  return out;
}

// Parses one scalar value of attr type `kind` into `value` (a list item
// when `list`).
Status ParseScalar(std::string_view kind, std::string_view text, bool list,
                   AttrValue* value) {
  AttrValue::ListValue* l = list ? value->mutable_list() : nullptr;
  if (kind == "string") {
    TFCKPT_ASSIGN_OR_RETURN(std::string s, ParseQuoted(text));
    list ? l->add_s(std::move(s)) : value->set_s(std::move(s));
  } else if (kind == "int") {
    int64_t i = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return InvalidArgumentError("bad int " + std::string(text));
    }
    list ? l->add_i(i) : value->set_i(i);
  } else if (kind == "float") {
    float f = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), f);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return InvalidArgumentError("bad float " + std::string(text));
    }
    list ? l->add_f(f) : value->set_f(f);
  } else if (kind == "bool") {
    if (text != "true" && text != "false") {
      return InvalidArgumentError("bad bool " + std::string(text));
    }
    list ? l->add_b(text == "true") : value->set_b(text == "true");
  } else if (kind == "type") {
    TFCKPT_ASSIGN_OR_RETURN(tensorflow::DataType t, ParseType(text));
    list ? l->add_type(t) : value->set_type(t);
  } else if (kind == "shape") {
    if (text.size() < 2 || text.front() != '{' || text.back() != '}') {
      return InvalidArgumentError("bad shape " + std::string(text));
    }
    tensorflow::TensorShapeProto shape;
    const std::string body(text.substr(1, text.size() - 2));
    if (!google::protobuf::TextFormat::ParseFromString(body, &shape)) {
      return InvalidArgumentError("bad shape " + std::string(text));
    }
    *(list ? l->add_shape() : value->mutable_shape()) = std::move(shape);
  } else {
    return InvalidArgumentError("no default values for attrs of type " +
                                std::string(kind));
  }
  return OkStatus();
}

// Parses "name: kind [>= min] [= default]".
Status ParseAttr(std::string_view spec, OpDef::AttrDef* attr) {
  const size_t colon = spec.find(':');
  if (colon == std::string_view::npos) {
    return InvalidArgumentError("missing ':'");
  }
  attr->set_name(std::string(Trim(spec.substr(0, colon))));
  if (!IsIdentifier(attr->name())) return InvalidArgumentError("bad name");
  std::string_view rest = Trim(spec.substr(colon + 1));

  std::string_view default_text;
  for (size_t from = 0;;) {
    const size_t eq = FindTopLevel(rest.substr(from), "=");
    if (eq == std::string_view::npos) break;
    const size_t at = from + eq;
    if (at > 0 && rest[at - 1] == '>') {
      from = at + 1;
      continue;
    }
    default_text = Trim(rest.substr(at + 1));
    rest = Trim(rest.substr(0, at));
    break;
  }
  if (const size_t ge = FindTopLevel(rest, ">="); ge != std::string_view::npos) {
    const std::string_view min = Trim(rest.substr(ge + 2));
    int64_t minimum = 0;
    auto [end, ec] = std::from_chars(min.data(), min.data() + min.size(), minimum);
    if (ec != std::errc() || end != min.data() + min.size()) {
      return InvalidArgumentError("bad minimum");
    }
    attr->set_has_minimum(true);
    attr->set_minimum(minimum);
    rest = Trim(rest.substr(0, ge));
  }

  // "{...}" and "list({...})" restrict the allowed values.
  bool is_list = false;
  std::string_view kind = rest;
  if (kind.starts_with("list(") && kind.ends_with(")")) {
    is_list = true;
    kind = kind.substr(5, kind.size() - 6);
  }
  if (kind.starts_with("{") && kind.ends_with("}")) {
    const std::vector<std::string_view> items =
        SplitList(kind.substr(1, kind.size() - 2));
    const bool strings = !items.empty() && items[0].starts_with("\"");
    const std::string_view item_kind = strings ? "string" : "type";
    for (std::string_view item : items) {
      TFCKPT_RETURN_IF_ERROR(ParseScalar(item_kind, item, /*list=*/true,
                                         attr->mutable_allowed_values()));
    }
    kind = item_kind;
  }
  static const std::set<std::string_view> kKinds = {
      "string", "int", "float", "bool", "type", "shape", "tensor", "func"};
  if (!kKinds.contains(kind)) {
    return InvalidArgumentError("unknown attr type " + std::string(kind));
  }
  attr->set_type(is_list ? "list(" + std::string(kind) + ")"
                         : std::string(kind));

  if (default_text.empty()) return OkStatus();
  AttrValue* value = attr->mutable_default_value();
  if (!is_list) return ParseScalar(kind, default_text, /*list=*/false, value);
  if (!default_text.starts_with("[") || !default_text.ends_with("]")) {
    return InvalidArgumentError("list default must be [...]");
  }
  value->mutable_list();
  for (std::string_view item :
       SplitList(default_text.substr(1, default_text.size() - 2))) {
    TFCKPT_RETURN_IF_ERROR(ParseScalar(kind, item, /*list=*/true, value));
  }
  return OkStatus();
}

// Parses "name: T", "name: float", "name: N * T", "name: Ref(T)".
Status ParseArg(std::string_view spec, const OpDef& op, OpDef::ArgDef* arg) {
  const size_t colon = spec.find(':');
  if (colon == std::string_view::npos) {
    return InvalidArgumentError("missing ':'");
  }
  arg->set_name(std::string(Trim(spec.substr(0, colon))));
  if (!IsIdentifier(arg->name())) return InvalidArgumentError("bad name");
  std::string_view type = Trim(spec.substr(colon + 1));
  if (type.starts_with("Ref(") && type.ends_with(")")) {
    arg->set_is_ref(true);
    type = Trim(type.substr(4, type.size() - 5));
  }
  auto find_attr = [&op](std::string_view name) -> const OpDef::AttrDef* {
    for (const OpDef::AttrDef& a : op.attr()) {
      if (a.name() == name) return &a;
    }
    return nullptr;
  };
  if (const size_t star = type.find('*'); star != std::string_view::npos) {
    const std::string_view number = Trim(type.substr(0, star));
    const OpDef::AttrDef* n = find_attr(number);
    if (n == nullptr || n->type() != "int") {
      return InvalidArgumentError("'" + std::string(number) +
                                  "' is not an int attr");
    }
    arg->set_number_attr(std::string(number));
    type = Trim(type.substr(star + 1));
  }
  if (const OpDef::AttrDef* a = find_attr(type)) {
    if (a->type() == "type") {
      arg->set_type_attr(std::string(type));
    } else if (a->type() == "list(type)" && arg->number_attr().empty()) {
      arg->set_type_list_attr(std::string(type));
    } else {
      return InvalidArgumentError("attr '" + std::string(type) +
                                  "' cannot give an arg's type");
    }
    return OkStatus();
  }
  TFCKPT_ASSIGN_OR_RETURN(tensorflow::DataType t, ParseType(type));
  arg->set_type(t);
  return OkStatus();
}

}  // namespace

OpDefBuilder::OpDefBuilder(std::string name) : name_(std::move(name)) {}

OpDefBuilder& OpDefBuilder::Input(std::string spec) {
  inputs_.push_back(std::move(spec));
  return *this;
}
OpDefBuilder& OpDefBuilder::Output(std::string spec) {
  outputs_.push_back(std::move(spec));
  return *this;
}
OpDefBuilder& OpDefBuilder::Attr(std::string spec) {
  attrs_.push_back(std::move(spec));
  return *this;
}
OpDefBuilder& OpDefBuilder::ControlOutput(std::string name) {
  control_outputs_.push_back(std::move(name));
  return *this;
}
OpDefBuilder& OpDefBuilder::SetIsStateful() {
  is_stateful_ = true;
  return *this;
}
OpDefBuilder& OpDefBuilder::SetIsCommutative() {
  is_commutative_ = true;
  return *this;
}
OpDefBuilder& OpDefBuilder::SetIsAggregate() {
  is_aggregate_ = true;
  return *this;
}
OpDefBuilder& OpDefBuilder::SetAllowsUninitializedInput() {
  allows_uninitialized_input_ = true;
  return *this;
}

OpDefBuilder& OpDefBuilder::SetIsDistributedCommunication() {
  is_distributed_communication_ = true;
  return *this;
}

StatusOr<OpDef> OpDefBuilder::Build() const {
  OpDef op;
  op.set_name(name_);
  auto fail = [this](std::string_view spec, const Status& s) {
    return InvalidArgumentError("op " + name_ + ": \"" + std::string(spec) +
                                "\": " + s.message());
  };
  std::set<std::string, std::less<>> names;
  for (const std::string& spec : attrs_) {
    Status s = ParseAttr(spec, op.add_attr());
    if (!s.ok()) return fail(spec, s);
    if (!names.insert(op.attr(op.attr_size() - 1).name()).second) {
      return fail(spec, InvalidArgumentError("duplicate name"));
    }
  }
  for (const auto* specs : {&inputs_, &outputs_}) {
    for (const std::string& spec : *specs) {
      OpDef::ArgDef* arg =
          specs == &inputs_ ? op.add_input_arg() : op.add_output_arg();
      Status s = ParseArg(spec, op, arg);
      if (!s.ok()) return fail(spec, s);
    }
  }
  for (const std::string& c : control_outputs_) op.add_control_output(c);
  op.set_is_stateful(is_stateful_);
  op.set_is_commutative(is_commutative_);
  op.set_is_aggregate(is_aggregate_);
  op.set_allows_uninitialized_input(allows_uninitialized_input_);
  op.set_is_distributed_communication(is_distributed_communication_);
  return op;
}

const OpRegistry& OpRegistry::Default() {
  // Built on first use (no static initializer); never destroyed.
  static const OpRegistry* const kRegistry = [] {
    auto* registry = new OpRegistry;
    const Status s = RegisterOps(registry);
    assert(s.ok() && "the built-in op list is broken");
    s.IgnoreError();
    return registry;
  }();
  return *kRegistry;
}

Status OpRegistry::Register(OpDef op_def) {
  std::string name = op_def.name();
  if (name.empty()) return InvalidArgumentError("an OpDef needs a name");
  if (!ops_.emplace(name, std::move(op_def)).second) {
    return AlreadyExistsError("op " + name + " is already registered");
  }
  return OkStatus();
}

Status OpRegistry::Register(const OpDefBuilder& builder) {
  TFCKPT_ASSIGN_OR_RETURN(OpDef op, builder.Build());
  return Register(std::move(op));
}

const OpDef* OpRegistry::Find(std::string_view op) const {
  auto it = ops_.find(op);
  return it == ops_.end() ? nullptr : &it->second;
}

StatusOr<const OpDef*> OpRegistry::LookUp(std::string_view op,
                                          std::string_view node) const {
  if (const OpDef* def = Find(op)) return def;
  std::string message = "Op type not registered '" + std::string(op) + "'";
  if (!node.empty()) message += " (node '" + std::string(node) + "')";
  return UnimplementedError(message + ": tfckpt does not know this op");
}

std::vector<std::string> OpRegistry::ListOps() const {
  std::vector<std::string> names;
  names.reserve(ops_.size());
  for (const auto& [name, op] : ops_) names.push_back(name);
  return names;
}

}  // namespace tfckpt
