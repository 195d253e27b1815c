// ImportMetaGraph: TF's import_meta_graph / import_scoped_meta_graph.
#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/graph/collections.h"
#include "src/graph/node_util.h"
#include "tensorflow/core/protobuf/control_flow.pb.h"
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

// Restoring a while loop's context into an import scope renames the frame
// of the loop's Enter ops to the scoped context name, as TF's from_proto
// does; Enter ops of contexts not restored keep their frame_name.
Status NameLoopFrames(const tensorflow::ControlFlowContextDef& context,
                      Graph* graph) {
  const auto& nested = context.has_while_ctxt()
                           ? context.while_ctxt().nested_contexts()
                           : context.cond_ctxt().nested_contexts();
  if (context.has_while_ctxt()) {
    const tensorflow::WhileContextDef& loop = context.while_ctxt();
    tensorflow::AttrValue frame;
    frame.set_s(loop.context_name());
    for (const std::string& value : loop.values_def().values()) {
      const std::string op = value.substr(0, value.find(':'));
      const Node* node = graph->FindNode(op);
      if (node != nullptr && (node->op() == "Enter" || node->op() == "RefEnter")) {
        TFCKPT_RETURN_IF_ERROR(graph->SetAttr(op, "frame_name", frame));
      }
    }
  }
  for (const tensorflow::ControlFlowContextDef& inner : nested) {
    TFCKPT_RETURN_IF_ERROR(NameLoopFrames(inner, graph));
  }
  return OkStatus();
}

Status NameLoopFrames(const std::string& while_context, Graph* graph) {
  tensorflow::ControlFlowContextDef context;
  if (!context.mutable_while_ctxt()->ParseFromString(while_context)) {
    return InternalError("a rescoped WhileContextDef does not parse");
  }
  return NameLoopFrames(context, graph);
}

// The collection as the graph stores it, with names moved into `scope`.
StatusOr<CollectionDef> Rebuild(const std::string& key, const CollectionDef& in,
                                const std::string& scope, bool fix_trainable,
                                Graph* graph,
                                std::map<std::string, std::string>* variables) {
  CollectionDef out;
  switch (in.kind_case()) {
    case CollectionDef::kNodeList:
      out.mutable_node_list();
      for (const std::string& name : in.node_list().value()) {
        std::string scoped = internal::PrependNameScope(name, scope);
        auto element = graph->AsGraphElement(scoped);
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
          StatusOr<std::optional<std::string>> rescoped =
              internal::RescopeControlFlowEntry(
                  key, value, scope, internal::ScopeChange::kPrepend, *graph);
          if (!rescoped.ok()) return rescoped.status();
          moved = rescoped->value_or("");  // kPrepend always gives a value
          if (key == "while_context" && !scope.empty()) {
            TFCKPT_RETURN_IF_ERROR(NameLoopFrames(moved, graph));
          }
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
        Rebuild(key, c, result.scope, fix_trainable, graph, &variable_objects));
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
