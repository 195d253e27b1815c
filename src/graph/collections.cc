// Graph's collection methods, and the proto converters of collections.h.
#include "src/graph/collections.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/graph/node_util.h"
#include "tensorflow/core/framework/variable.pb.h"
#include "tensorflow/core/protobuf/control_flow.pb.h"
#include "tensorflow/core/protobuf/queue_runner.pb.h"
#include "tensorflow/core/protobuf/saver.pb.h"
#include "tfckpt/graph.h"

namespace tfckpt {
namespace internal {
namespace {

constexpr std::array<std::string_view, 7> kVariableKeys = {
    "variables",        "trainable_variables",      "local_variables",
    "model_variables",  "moving_average_variables", "metric_variables",
    "global_step"};
constexpr std::array<std::string_view, 4> kOtherProtoKeys = {
    "savers", "queue_runners", "cond_context", "while_context"};

std::string Rescope(std::string_view name, std::string_view scope,
                    ScopeChange change) {
  if (name.empty()) return std::string(name);
  return change == ScopeChange::kPrepend ? PrependNameScope(name, scope)
                                         : StripNameScope(name, scope);
}


// Moves the names inside queue runner and control-flow context protos as
// the Python objects TF rebuilds from them do: from_proto prepends the
// import scope and looks each op or tensor up with as_graph_element;
// to_proto strips the export scope and looks nothing up.
class ControlFlowRescoper {
 public:
  ControlFlowRescoper(std::string_view key, std::string_view scope,
                      ScopeChange change, const Graph& graph)
      : key_(key), scope_(scope), change_(change), graph_(graph) {}

  // A name that must resolve in the graph when importing.
  StatusOr<std::string> Element(std::string_view name) const {
    std::string moved = Name(name);
    if (change_ == ScopeChange::kPrepend) {
      if (auto element = graph_.AsGraphElement(moved); !element.ok()) {
        return InvalidArgumentError("collection '" + std::string(key_) +
                                    "': " + element.status().message());
      }
    }
    return moved;
  }
  Status Elements(google::protobuf::RepeatedPtrField<std::string>* names) const {
    for (std::string& name : *names) {
      TFCKPT_ASSIGN_OR_RETURN(name, Element(name));
    }
    return OkStatus();
  }
  // A name only moved (context names, and values TF keeps as strings).
  std::string Name(std::string_view name) const {
    return change_ == ScopeChange::kPrepend ? PrependNameScope(name, scope_)
                                            : StripNameScope(name, scope_);
  }

  // TF keeps the values as a set and writes them sorted; external values
  // map a moved name to a resolved element.
  Status Values(tensorflow::ValuesDef* values) const {
    std::vector<std::string> sorted;
    for (const std::string& v : values->values()) sorted.push_back(Name(v));
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    values->mutable_values()->Assign(sorted.begin(), sorted.end());
    google::protobuf::Map<std::string, std::string> external;
    for (const auto& [inner, outer] : values->external_values()) {
      TFCKPT_ASSIGN_OR_RETURN(external[Name(inner)], Element(outer));
    }
    *values->mutable_external_values() = std::move(external);
    return OkStatus();
  }

  Status Context(tensorflow::ControlFlowContextDef* context) const {
    if (context->has_cond_ctxt()) return Cond(context->mutable_cond_ctxt());
    if (context->has_while_ctxt()) return While(context->mutable_while_ctxt());
    return OkStatus();
  }

  Status Cond(tensorflow::CondContextDef* cond) const {
    cond->set_context_name(Name(cond->context_name()));
    TFCKPT_ASSIGN_OR_RETURN(*cond->mutable_pred_name(), Element(cond->pred_name()));
    TFCKPT_ASSIGN_OR_RETURN(*cond->mutable_pivot_name(), Element(cond->pivot_name()));
    TFCKPT_RETURN_IF_ERROR(Values(cond->mutable_values_def()));
    return Nested(cond->mutable_nested_contexts());
  }

  Status While(tensorflow::WhileContextDef* loop) const {
    loop->set_context_name(Name(loop->context_name()));
    TFCKPT_ASSIGN_OR_RETURN(*loop->mutable_pivot_name(), Element(loop->pivot_name()));
    TFCKPT_ASSIGN_OR_RETURN(*loop->mutable_pivot_for_pred_name(),
                            Element(loop->pivot_for_pred_name()));
    TFCKPT_ASSIGN_OR_RETURN(*loop->mutable_pivot_for_body_name(),
                            Element(loop->pivot_for_body_name()));
    TFCKPT_RETURN_IF_ERROR(Elements(loop->mutable_loop_exit_names()));
    TFCKPT_RETURN_IF_ERROR(Elements(loop->mutable_loop_enter_names()));
    if (!loop->maximum_iterations_name().empty()) {
      TFCKPT_ASSIGN_OR_RETURN(*loop->mutable_maximum_iterations_name(),
                              Element(loop->maximum_iterations_name()));
    }
    TFCKPT_RETURN_IF_ERROR(Values(loop->mutable_values_def()));
    return Nested(loop->mutable_nested_contexts());
  }

  // TF's to_proto writes nested contexts without the export scope, so they
  // keep their full names; from_proto moves them into the import scope.
  Status Nested(google::protobuf::RepeatedPtrField<tensorflow::ControlFlowContextDef>*
                    nested) const {
    if (change_ == ScopeChange::kStrip) return OkStatus();
    for (auto& context : *nested) {
      TFCKPT_RETURN_IF_ERROR(Context(&context));
    }
    return OkStatus();
  }

  Status QueueRunner(tensorflow::QueueRunnerDef* runner) const {
    TFCKPT_ASSIGN_OR_RETURN(*runner->mutable_queue_name(), Element(runner->queue_name()));
    TFCKPT_RETURN_IF_ERROR(Elements(runner->mutable_enqueue_op_name()));
    TFCKPT_ASSIGN_OR_RETURN(*runner->mutable_close_op_name(), Element(runner->close_op_name()));
    TFCKPT_ASSIGN_OR_RETURN(*runner->mutable_cancel_op_name(),
                            Element(runner->cancel_op_name()));
    // Runners saved before the field existed stop on OUT_OF_RANGE only.
    if (change_ == ScopeChange::kPrepend &&
        runner->queue_closed_exception_types().empty()) {
      runner->add_queue_closed_exception_types(tensorflow::error::OUT_OF_RANGE);
    }
    return OkStatus();
  }

  // to_proto leaves out an entry whose own name is outside the scope.
  bool Exported(std::string_view name) const {
    return change_ == ScopeChange::kPrepend || name.starts_with(scope_);
  }

 private:
  std::string_view key_;
  std::string_view scope_;
  ScopeChange change_;
  const Graph& graph_;
};

// Parses `bytes` as a `Proto`, moves its names with `rescope`, and
// serializes it again; nullopt when the entry is not exported.
template <typename Proto, typename Rescope, typename NameOf>
StatusOr<std::optional<std::string>> RescopeEntry(
    std::string_view key, std::string_view bytes, std::string_view kind,
    const ControlFlowRescoper& rescoper, NameOf name_of, Rescope rescope) {
  Proto proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return InvalidArgumentError("collection '" + std::string(key) +
                                "': an entry is not a " + std::string(kind));
  }
  if (!rescoper.Exported(name_of(proto))) return std::optional<std::string>();
  TFCKPT_RETURN_IF_ERROR(rescope(&proto));
  return std::optional<std::string>(DeterministicBytes(proto));
}

}  // namespace

bool IsVariableCollection(std::string_view key) {
  for (std::string_view k : kVariableKeys) {
    if (k == key) return true;
  }
  return false;
}

bool HasProtoConverter(std::string_view key) {
  if (IsVariableCollection(key)) return true;
  for (std::string_view k : kOtherProtoKeys) {
    if (k == key) return true;
  }
  return false;
}

StatusOr<std::string> RescopeVariableDef(std::string_view bytes,
                                         std::string_view scope,
                                         ScopeChange change) {
  tensorflow::VariableDef def;
  if (!def.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return InvalidArgumentError("a variables collection entry is not a "
                                "VariableDef");
  }
  def.set_variable_name(Rescope(def.variable_name(), scope, change));
  def.set_initializer_name(Rescope(def.initializer_name(), scope, change));
  def.set_snapshot_name(Rescope(def.snapshot_name(), scope, change));
  def.set_initial_value_name(Rescope(def.initial_value_name(), scope, change));
  if (def.has_save_slice_info_def()) {
    auto* info = def.mutable_save_slice_info_def();
    info->set_full_name(Rescope(info->full_name(), scope, change));
  }
  return DeterministicBytes(def);
}

StatusOr<std::string> RescopeSaverDef(std::string_view bytes,
                                      std::string_view scope,
                                      ScopeChange change) {
  tensorflow::SaverDef def;
  if (!def.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return InvalidArgumentError("a savers collection entry is not a SaverDef");
  }
  def.set_filename_tensor_name(
      Rescope(def.filename_tensor_name(), scope, change));
  def.set_save_tensor_name(Rescope(def.save_tensor_name(), scope, change));
  def.set_restore_op_name(Rescope(def.restore_op_name(), scope, change));
  return DeterministicBytes(def);
}

StatusOr<std::optional<std::string>> RescopeControlFlowEntry(
    std::string_view key, std::string_view bytes, std::string_view scope,
    ScopeChange change, const Graph& graph) {
  const ControlFlowRescoper rescoper(key, scope, change, graph);
  if (key == "queue_runners") {
    return RescopeEntry<tensorflow::QueueRunnerDef>(
        key, bytes, "QueueRunnerDef", rescoper,
        [](const auto& runner) { return runner.queue_name(); },
        [&](auto* runner) { return rescoper.QueueRunner(runner); });
  }
  if (key == "cond_context") {
    return RescopeEntry<tensorflow::CondContextDef>(
        key, bytes, "CondContextDef", rescoper,
        [](const auto& cond) { return cond.context_name(); },
        [&](auto* cond) { return rescoper.Cond(cond); });
  }
  return RescopeEntry<tensorflow::WhileContextDef>(
      key, bytes, "WhileContextDef", rescoper,
      [](const auto& loop) { return loop.context_name(); },
      [&](auto* loop) { return rescoper.While(loop); });
}

}  // namespace internal

using tensorflow::CollectionDef;

const CollectionDef* Graph::FindCollection(std::string_view key) const {
  auto it = collections_.find(std::string(key));
  return it == collections_.end() ? nullptr : &it->second;
}

Status Graph::CheckCollectionKind(const std::string& key,
                                  CollectionDef::KindCase kind) const {
  const CollectionDef* c = FindCollection(key);
  if (c != nullptr && c->kind_case() != kind) {
    return InvalidArgumentError("collection '" + key +
                                "' holds values of another kind");
  }
  return OkStatus();
}

Status Graph::AddToCollection(const std::string& key,
                              const GraphElement& element) {
  TFCKPT_RETURN_IF_ERROR(CheckCollectionKind(key, CollectionDef::kNodeList));
  if (element.node == nullptr || FindNode(element.node->name()) != element.node) {
    return InvalidArgumentError("collection '" + key +
                                "': the element is not in this graph");
  }
  collections_[key].mutable_node_list()->add_value(element.name());
  return OkStatus();
}

Status Graph::AddBytesToCollection(const std::string& key, std::string value) {
  TFCKPT_RETURN_IF_ERROR(CheckCollectionKind(key, CollectionDef::kBytesList));
  collections_[key].mutable_bytes_list()->add_value(std::move(value));
  return OkStatus();
}

Status Graph::AddInt64ToCollection(const std::string& key, int64_t value) {
  TFCKPT_RETURN_IF_ERROR(CheckCollectionKind(key, CollectionDef::kInt64List));
  collections_[key].mutable_int64_list()->add_value(value);
  return OkStatus();
}

Status Graph::AddFloatToCollection(const std::string& key, float value) {
  TFCKPT_RETURN_IF_ERROR(CheckCollectionKind(key, CollectionDef::kFloatList));
  collections_[key].mutable_float_list()->add_value(value);
  return OkStatus();
}

Status Graph::AddAnyToCollection(const std::string& key,
                                 const google::protobuf::Any& value) {
  TFCKPT_RETURN_IF_ERROR(CheckCollectionKind(key, CollectionDef::kAnyList));
  *collections_[key].mutable_any_list()->add_value() = value;
  return OkStatus();
}

Status Graph::AddVariableToCollection(const std::string& key,
                                      const tensorflow::VariableDef& variable) {
  TFCKPT_RETURN_IF_ERROR(ResolveVariable(variable).status());
  return AddBytesToCollection(key, internal::DeterministicBytes(variable));
}

Status Graph::SetCollection(const std::string& key, CollectionDef collection) {
  switch (collection.kind_case()) {
    case CollectionDef::KIND_NOT_SET:
      return InvalidArgumentError("collection '" + key + "' has no kind");
    case CollectionDef::kNodeList:
      for (const std::string& name : collection.node_list().value()) {
        TFCKPT_RETURN_IF_ERROR(AsGraphElement(name).status());
      }
      break;
    case CollectionDef::kBytesList:
      if (internal::IsVariableCollection(key)) {
        for (const std::string& bytes : collection.bytes_list().value()) {
          tensorflow::VariableDef def;
          if (!def.ParseFromString(bytes)) {
            return InvalidArgumentError("collection '" + key +
                                        "': an entry is not a VariableDef");
          }
          TFCKPT_RETURN_IF_ERROR(ResolveVariable(def).status());
        }
      }
      break;
    default:
      break;
  }
  collections_[key] = std::move(collection);
  return OkStatus();
}

void Graph::ClearCollection(std::string_view key) {
  collections_.erase(std::string(key));
}

StatusOr<std::vector<GraphElement>> Graph::GetCollectionElements(
    std::string_view key) const {
  std::vector<GraphElement> out;
  const CollectionDef* c = FindCollection(key);
  if (c == nullptr) return out;
  if (c->kind_case() != CollectionDef::kNodeList) {
    return InvalidArgumentError("collection '" + std::string(key) +
                                "' is not a node list");
  }
  for (const std::string& name : c->node_list().value()) {
    TFCKPT_ASSIGN_OR_RETURN(GraphElement e, AsGraphElement(name));
    out.push_back(e);
  }
  return out;
}

StatusOr<Variable> Graph::ResolveVariable(
    const tensorflow::VariableDef& def) const {
  auto context = [&def](const Status& s) {
    return InvalidArgumentError("variable '" + def.variable_name() +
                                "': " + s.message());
  };
  auto var = GetTensorByName(def.variable_name());
  if (!var.ok()) return context(var.status());
  for (const std::string* tensor :
       {&def.snapshot_name(), &def.initial_value_name()}) {
    if (tensor->empty()) continue;
    if (auto t = GetTensorByName(*tensor); !t.ok()) return context(t.status());
  }
  if (!def.initializer_name().empty()) {
    if (auto op = GetOperationByName(def.initializer_name()); !op.ok()) {
      return context(op.status());
    }
  }
  Variable v;
  v.def = def;
  v.node = var->node;
  if (const auto* dtype = v.node->FindAttr("dtype");
      dtype != nullptr && dtype->value_case() == tensorflow::AttrValue::kType) {
    v.dtype = static_cast<DataType>(dtype->type() > 100 ? dtype->type() - 100
                                                         : dtype->type());
  }
  if (const auto* shape = v.node->FindAttr("shape");
      shape != nullptr && shape->value_case() == tensorflow::AttrValue::kShape) {
    v.shape = shape->shape();
  } else {
    v.shape.set_unknown_rank(true);
  }
  return v;
}

StatusOr<std::vector<Variable>> Graph::GetVariables(std::string_view key) const {
  std::vector<Variable> out;
  const CollectionDef* c = FindCollection(key);
  if (c == nullptr) return out;
  if (c->kind_case() != CollectionDef::kBytesList) {
    return InvalidArgumentError("collection '" + std::string(key) +
                                "' is not a bytes list of VariableDefs");
  }
  for (const std::string& bytes : c->bytes_list().value()) {
    tensorflow::VariableDef def;
    if (!def.ParseFromString(bytes)) {
      return InvalidArgumentError("collection '" + std::string(key) +
                                  "': an entry is not a VariableDef");
    }
    TFCKPT_ASSIGN_OR_RETURN(Variable v, ResolveVariable(def));
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace tfckpt
