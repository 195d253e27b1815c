// ImportMetaGraph: TF's import_meta_graph / import_scoped_meta_graph.
#include <algorithm>
#include <charconv>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/graph/collections.h"
#include "src/graph/node_util.h"
#include "tensorflow/core/protobuf/control_flow.pb.h"
#include "tensorflow/core/protobuf/queue_runner.pb.h"
#include "tfckpt/meta_graph.h"

namespace tfckpt {
namespace {

using tensorflow::CollectionDef;

constexpr std::string_view kUnboundInputs = "unbound_inputs";

// Meta graphs older than TF 1.9 did not record `trainable` in VariableDefs.
bool VariablesHaveTrainable(std::string_view version) {
  if (version.empty()) return true;
  int major = 0, minor = 0;
  const char* end = version.data() + version.size();
  auto [p, ec] = std::from_chars(version.data(), end, major);
  if (ec != std::errc()) return true;
  if (p != end && *p == '.') std::from_chars(p + 1, end, minor);
  return major > 1 || (major == 1 && minor >= 9);
}

// Moves graph-element names into the import scope as the Python objects TF
// rebuilds from these protos do, checking that each names an element of the
// graph (TF looks each up with as_graph_element).
class ElementRescoper {
 public:
  ElementRescoper(const std::string& key, const std::string& scope, const Graph& graph)
      : key_(key), scope_(scope), graph_(graph) {}

  // A name that must resolve in the graph.
  StatusOr<std::string> Element(std::string_view name) const {
    std::string scoped = internal::PrependNameScope(name, scope_);
    if (auto element = graph_.AsGraphElement(scoped); !element.ok()) {
      return InvalidArgumentError("collection '" + key_ + "': " + element.status().message());
    }
    return scoped;
  }
  Status Elements(google::protobuf::RepeatedPtrField<std::string>* names) const {
    for (std::string& name : *names) {
      TFCKPT_ASSIGN_OR_RETURN(name, Element(name));
    }
    return OkStatus();
  }
  // A name only prefixed (context names, and values TF keeps as strings).
  std::string Name(std::string_view name) const {
    return internal::PrependNameScope(name, scope_);
  }

  // TF keeps the values as a set and writes them sorted; external values
  // map a prefixed name to a resolved element.
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
    for (auto& nested : *cond->mutable_nested_contexts()) {
      TFCKPT_RETURN_IF_ERROR(Context(&nested));
    }
    return OkStatus();
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
    for (auto& nested : *loop->mutable_nested_contexts()) {
      TFCKPT_RETURN_IF_ERROR(Context(&nested));
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
    if (runner->queue_closed_exception_types().empty()) {
      runner->add_queue_closed_exception_types(tensorflow::error::OUT_OF_RANGE);
    }
    return OkStatus();
  }

 private:
  const std::string& key_;
  const std::string& scope_;
  const Graph& graph_;
};

// One queue_runners / cond_context / while_context entry, rebuilt in `scope`.
StatusOr<std::string> RescopeControlFlowEntry(const std::string& key, const std::string& value,
                                              const std::string& scope, const Graph& graph) {
  const ElementRescoper rescoper(key, scope, graph);
  if (key == "queue_runners") {
    tensorflow::QueueRunnerDef runner;
    if (!runner.ParseFromString(value)) {
      return InvalidArgumentError("collection 'queue_runners': an entry is not a QueueRunnerDef");
    }
    TFCKPT_RETURN_IF_ERROR(rescoper.QueueRunner(&runner));
    return internal::DeterministicBytes(runner);
  }
  if (key == "cond_context") {
    tensorflow::CondContextDef cond;
    if (!cond.ParseFromString(value)) {
      return InvalidArgumentError("collection 'cond_context': an entry is not a CondContextDef");
    }
    TFCKPT_RETURN_IF_ERROR(rescoper.Cond(&cond));
    return internal::DeterministicBytes(cond);
  }
  tensorflow::WhileContextDef loop;
  if (!loop.ParseFromString(value)) {
    return InvalidArgumentError("collection 'while_context': an entry is not a WhileContextDef");
  }
  TFCKPT_RETURN_IF_ERROR(rescoper.While(&loop));
  return internal::DeterministicBytes(loop);
}

// The collection as the graph stores it, with names moved into `scope`.
StatusOr<CollectionDef> Rebuild(const std::string& key, const CollectionDef& in,
                                const std::string& scope, bool fix_trainable,
                                const Graph& graph,
                                std::map<std::string, std::string>* variables) {
  CollectionDef out;
  switch (in.kind_case()) {
    case CollectionDef::kNodeList:
      out.mutable_node_list();
      for (const std::string& name : in.node_list().value()) {
        std::string scoped = internal::PrependNameScope(name, scope);
        auto element = graph.AsGraphElement(scoped);
        if (!element.ok()) {
          return InvalidArgumentError("collection '" + key + "': " +
                                      element.status().message());
        }
        out.mutable_node_list()->add_value(std::move(scoped));
      }
      return out;
    case CollectionDef::kBytesList:
      out.mutable_bytes_list();
      for (const std::string& value : in.bytes_list().value()) {
        std::string moved;
        if (internal::IsVariableCollection(key) && variables->contains(value)) {
          // One variable object in several collections, as in TF.
          moved = variables->at(value);
        } else if (internal::IsVariableCollection(key)) {
          tensorflow::VariableDef def;
          if (!def.ParseFromString(value)) {
            return InvalidArgumentError("collection '" + key +
                                        "': an entry is not a VariableDef");
          }
          if (fix_trainable) def.set_trainable(key == "trainable_variables");
          TFCKPT_ASSIGN_OR_RETURN(
              moved, internal::RescopeVariableDef(
                         internal::DeterministicBytes(def), scope,
                         internal::ScopeChange::kPrepend));
          variables->emplace(value, moved);
        } else if (key == "savers") {
          TFCKPT_ASSIGN_OR_RETURN(
              moved, internal::RescopeSaverDef(value, scope,
                                               internal::ScopeChange::kPrepend));
        } else if (internal::HasProtoConverter(key)) {
          TFCKPT_ASSIGN_OR_RETURN(moved, RescopeControlFlowEntry(key, value, scope, graph));
        } else {
          // TF prefixes plain strings too (a quirk of prepend_name_scope).
          moved = internal::PrependNameScope(value, scope);
        }
        out.mutable_bytes_list()->add_value(std::move(moved));
      }
      return out;
    case CollectionDef::kInt64List:
    case CollectionDef::kFloatList:
    case CollectionDef::kAnyList:
      return in;
    case CollectionDef::KIND_NOT_SET:
      break;
  }
  return InternalError("unreachable");
}

}  // namespace

StatusOr<ImportMetaGraphResult> ImportMetaGraph(
    Graph* graph, const std::string& path,
    const ImportMetaGraphOptions& options) {
  TFCKPT_ASSIGN_OR_RETURN(tensorflow::MetaGraphDef meta_graph,
                          ReadMetaGraphFile(path, options.parse));
  return ImportMetaGraph(graph, meta_graph, options);
}

StatusOr<ImportMetaGraphResult> ImportMetaGraph(
    Graph* graph, const tensorflow::MetaGraphDef& meta_graph,
    const ImportMetaGraphOptions& options) {
  const auto& collections = meta_graph.collection_def();
  if (auto it = collections.find(std::string(kUnboundInputs));
      it != collections.end()) {
    std::vector<std::string> names;
    const CollectionDef& c = it->second;
    if (c.has_bytes_list()) {
      names.assign(c.bytes_list().value().begin(), c.bytes_list().value().end());
    } else if (c.has_node_list()) {
      names.assign(c.node_list().value().begin(), c.node_list().value().end());
    }
    std::erase_if(names, [&](const std::string& name) {
      return options.input_map.contains(name) || options.input_map.contains(name + ":0");
    });
    if (!names.empty()) {
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ",") + n;
      return InvalidArgumentError("Graph contains unbound inputs: " + list +
                                  ". Must provide these inputs through "
                                  "input_map.");
    }
  }

  ImportGraphDefOptions import;
  import.prefix = options.import_scope;
  import.uniquify_names = true;
  import.clear_devices = options.clear_devices;
  import.add_default_attrs = true;
  import.input_map = options.input_map;
  if (meta_graph.meta_info_def().has_stripped_op_list()) {
    import.producer_op_list = &meta_graph.meta_info_def().stripped_op_list();
  }
  ImportGraphDefResult imported;
  TFCKPT_RETURN_IF_ERROR(graph->Import(meta_graph.graph_def(), import, &imported));

  ImportMetaGraphResult result;
  result.scope = imported.prefix;
  result.names = std::move(imported.names);
  const bool fix_trainable =
      !VariablesHaveTrainable(meta_graph.meta_info_def().tensorflow_version());

  // trainable_variables first, then the rest in key order, as TF does.
  std::vector<std::string> keys;
  if (collections.contains("trainable_variables")) {
    keys.push_back("trainable_variables");
  }
  std::vector<std::string> rest;
  for (const auto& [key, c] : collections) {
    if (key != "trainable_variables") rest.push_back(key);
  }
  std::sort(rest.begin(), rest.end());
  keys.insert(keys.end(), rest.begin(), rest.end());

  std::map<std::string, std::string> variable_objects;
  for (const std::string& key : keys) {
    if (key == kUnboundInputs) continue;
    if (options.restore_collection && !options.restore_collection(key)) continue;
    const CollectionDef& c = collections.at(key);
    if (c.kind_case() == CollectionDef::KIND_NOT_SET) {
      result.warnings.push_back("Cannot identify data type for collection " +
                                key + ". Skipping.");
      continue;
    }
    TFCKPT_ASSIGN_OR_RETURN(
        CollectionDef rebuilt,
        Rebuild(key, c, result.scope, fix_trainable, *graph, &variable_objects));
    // Collections already in the graph grow, like TF's add_to_collection.
    if (const CollectionDef* existing = graph->FindCollection(key)) {
      if (existing->kind_case() != rebuilt.kind_case()) {
        return InvalidArgumentError("collection '" + key +
                                    "' already holds values of another kind");
      }
      CollectionDef merged = *existing;
      merged.MergeFrom(rebuilt);
      rebuilt = std::move(merged);
    }
    TFCKPT_RETURN_IF_ERROR(graph->SetCollection(key, std::move(rebuilt)));
  }

  TFCKPT_ASSIGN_OR_RETURN(std::vector<Variable> variables,
                          graph->GetVariables("variables"));
  // TF makes a default Saver only for variables under the requested scope.
  bool saveable = false;
  for (const Variable& v : variables) {
    saveable = saveable ||
               v.def.variable_name().starts_with(options.import_scope);
  }
  for (Variable& v : variables) {
    const std::string& name = v.def.variable_name();
    if (!name.starts_with(result.scope)) continue;
    result.variables.emplace(internal::StripNameScope(name, result.scope),
                             std::move(v));
  }

  if (meta_graph.has_saver_def()) {
    const tensorflow::SaverDef& def = meta_graph.saver_def();
    for (const auto& [field, value] :
         {std::pair{"save_tensor_name", &def.save_tensor_name()},
          std::pair{"restore_op_name", &def.restore_op_name()}}) {
      if (value->empty()) {
        return InvalidArgumentError(std::string("saver_def must specify the ") +
                                    field + ": " + def.ShortDebugString());
      }
    }
    ImportedSaver saver;
    saver.from_saver_def = true;
    saver.scope = result.scope;
    TFCKPT_ASSIGN_OR_RETURN(
        std::string bytes,
        internal::RescopeSaverDef(def.SerializeAsString(), result.scope,
                                  internal::ScopeChange::kPrepend));
    saver.saver_def.ParseFromString(bytes);
    result.saver = std::move(saver);
  } else if (saveable) {
    {
      ImportedSaver saver;
      saver.saver_def.set_max_to_keep(5);
      saver.saver_def.set_keep_checkpoint_every_n_hours(10000.0f);
      saver.saver_def.set_version(tensorflow::SaverDef::V2);
      result.saver = std::move(saver);
    }
  }

  result.meta_info_def = meta_graph.meta_info_def();
  for (const auto& [key, sig] : meta_graph.signature_def()) {
    result.signature_defs.emplace(key, sig);
  }
  result.asset_file_defs.assign(meta_graph.asset_file_def().begin(),
                                meta_graph.asset_file_def().end());
  return result;
}

}  // namespace tfckpt
