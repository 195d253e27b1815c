// CreateMetaGraphDef / ExportMetaGraph: TF's export_scoped_meta_graph.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/graph/collections.h"
#include "src/graph/node_util.h"
#include "src/graph/shape_refiner.h"
#include "tfckpt/meta_graph.h"

namespace tfckpt {
namespace {

using tensorflow::CollectionDef;
using tensorflow::NodeDef;

constexpr std::string_view kUnboundInputs = "unbound_inputs";
constexpr std::string_view kUnboundPrefix = "$unbound_inputs_";
constexpr uint64_t kTwoGigabytes = uint64_t{1} << 31;

// TF's ValueError for a GraphDef protobuf cannot hold.
Status TooLarge(uint64_t bytes) {
  return InvalidArgumentError("GraphDef cannot be larger than 2GB. Received size: " +
                              std::to_string(bytes) + ".");
}

// TF's _node_def: the node with `scope` stripped; inputs from outside the
// scope renamed "$unbound_inputs_<input>" and recorded.
NodeDef NodeForExport(const NodeDef& in, std::string_view scope,
                      bool clear_devices, std::vector<std::string>* unbound) {
  NodeDef node = in;
  for (std::string& input : *node.mutable_input()) {
    const std::string_view bare =
        std::string_view(input).substr(input.starts_with("^") ? 1 : 0);
    if (!scope.empty() && !bare.starts_with(scope)) {
      input = (input.starts_with("^") ? "^" : "") + std::string(kUnboundPrefix) +
              std::string(bare);
      unbound->push_back(input);
    } else {
      input = internal::StripNameScope(input, scope);
    }
  }
  node.set_name(internal::StripNameScope(in.name(), scope));
  if (auto it = node.mutable_attr()->find("_class");
      it != node.mutable_attr()->end()) {
    tensorflow::AttrValue kept;
    kept.mutable_list();
    for (const std::string& s : it->second.list().s()) {
      const size_t at = s.find('@');
      const std::string_view target =
          at == std::string::npos ? std::string_view() : std::string_view(s).substr(at + 1);
      if (scope.empty() || target.starts_with(scope)) {
        kept.mutable_list()->add_s(internal::StripNameScope(s, scope));
      }
    }
    it->second = std::move(kept);
  }
  if ((node.op() == "Enter" || node.op() == "RefEnter") && !scope.empty()) {
    if (auto it = node.mutable_attr()->find("frame_name");
        it != node.mutable_attr()->end() && it->second.s().starts_with(scope)) {
      it->second.set_s(internal::StripNameScope(it->second.s(), scope));
    }
  }
  if (clear_devices) node.clear_device();
  return node;
}

// Op types the graph and the functions it calls use (not function names).
std::set<std::string> OpsUsed(const tensorflow::GraphDef& graph_def) {
  std::map<std::string, const tensorflow::FunctionDef*> functions;
  for (const auto& f : graph_def.library().function()) {
    functions[f.signature().name()] = &f;
  }
  std::set<std::string> used;
  std::vector<const tensorflow::FunctionDef*> todo;
  auto mark = [&](const std::string& op) {
    if (!used.insert(op).second) return;
    if (auto it = functions.find(op); it != functions.end()) {
      todo.push_back(it->second);
    }
  };
  auto visit = [&](const NodeDef& node) {
    mark(node.op());
    if (node.op() == "PartitionedCall" || node.op() == "StatefulPartitionedCall") {
      if (auto it = node.attr().find("f"); it != node.attr().end()) {
        mark(it->second.func().name());
      }
    }
  };
  for (const NodeDef& node : graph_def.node()) visit(node);
  while (!todo.empty()) {
    const tensorflow::FunctionDef* f = todo.back();
    todo.pop_back();
    for (const NodeDef& node : f->node_def()) visit(node);
  }
  std::set<std::string> ops;
  for (const std::string& op : used) {
    if (!functions.contains(op)) ops.insert(op);
  }
  return ops;
}

// The op name of a tensor or control input name: "a/b" for "^a/b", "a/b:1".
std::string OpName(std::string_view name) {
  if (name.starts_with('^')) name.remove_prefix(1);
  return std::string(name.substr(0, name.find(':')));
}

// The name scope of a node: everything before its last '/'.
std::string ScopeOf(std::string_view node) {
  const size_t slash = node.rfind('/');
  return slash == std::string_view::npos ? "" : std::string(node.substr(0, slash));
}

// TF's _find_extraneous_saver_nodes: every node in the name scope of a
// save or restore op, except the scopes of `saver_def`'s ops (each saver
// lives in its own scope).
std::set<std::string> ExtraneousSaverNodes(const tensorflow::GraphDef& graph_def,
                                           const tensorflow::SaverDef* saver_def) {
  static const std::set<std::string, std::less<>> kSaveAndRestoreOps = {
      "SaveV2", "Save", "SaveSlices", "RestoreV2", "Restore", "RestoreSlice"};
  std::set<std::string> saver_nodes;
  for (const NodeDef& node : graph_def.node()) {
    if (kSaveAndRestoreOps.contains(node.op())) saver_nodes.insert(node.name());
  }
  std::set<std::string> scopes;
  for (const std::string& name : saver_nodes) {
    const std::string scope = ScopeOf(name);
    if (!saver_nodes.contains(scope)) scopes.insert(scope + "/");
  }
  if (saver_def != nullptr) {
    scopes.erase(ScopeOf(OpName(saver_def->save_tensor_name())) + "/");
    scopes.erase(ScopeOf(OpName(saver_def->restore_op_name())) + "/");
  }
  std::set<std::string> extraneous;
  for (const NodeDef& node : graph_def.node()) {
    for (const std::string& scope : scopes) {
      if (node.name().starts_with(scope)) {
        extraneous.insert(node.name());
        break;
      }
    }
  }
  return extraneous;
}

// One collection as TF's add_collection_def writes it, without entries that
// name an `excluded` node; nullopt when empty.
StatusOr<std::optional<CollectionDef>> ExportCollection(
    const std::string& key, const CollectionDef& in, std::string_view scope,
    const std::set<std::string>& excluded, const Graph& graph) {
  CollectionDef out;
  int count = 0;
  switch (in.kind_case()) {
    case CollectionDef::kNodeList:
      for (const std::string& name : in.node_list().value()) {
        if (!scope.empty() && !name.starts_with(scope)) continue;
        if (excluded.contains(OpName(name))) continue;
        out.mutable_node_list()->add_value(
            internal::StripNameScope(name, scope));
        ++count;
      }
      break;
    case CollectionDef::kBytesList:
      for (const std::string& value : in.bytes_list().value()) {
        std::string bytes = value;
        if (internal::IsVariableCollection(key)) {
          tensorflow::VariableDef def;
          if (!def.ParseFromString(value)) {
            return InvalidArgumentError("collection '" + key +
                                        "': an entry is not a VariableDef");
          }
          if (!def.variable_name().starts_with(scope)) continue;
          TFCKPT_ASSIGN_OR_RETURN(
              bytes, internal::RescopeVariableDef(
                         value, scope, internal::ScopeChange::kStrip));
        } else if (key == "savers") {
          tensorflow::SaverDef def;
          if (!def.ParseFromString(value)) {
            return InvalidArgumentError("collection 'savers': an entry is "
                                        "not a SaverDef");
          }
          if (!def.filename_tensor_name().starts_with(scope) ||
              !def.save_tensor_name().starts_with(scope) ||
              !def.restore_op_name().starts_with(scope) ||
              excluded.contains(OpName(def.save_tensor_name())) ||
              excluded.contains(OpName(def.restore_op_name()))) {
            continue;
          }
          TFCKPT_ASSIGN_OR_RETURN(
              bytes, internal::RescopeSaverDef(value, scope,
                                               internal::ScopeChange::kStrip));
        } else if (internal::HasProtoConverter(key) && !scope.empty()) {
          TFCKPT_ASSIGN_OR_RETURN(
              std::optional<std::string> stripped,
              internal::RescopeControlFlowEntry(
                  key, value, scope, internal::ScopeChange::kStrip, graph));
          if (!stripped.has_value()) continue;
          bytes = std::move(*stripped);
        }
        out.mutable_bytes_list()->add_value(std::move(bytes));
        ++count;
      }
      break;
    case CollectionDef::kInt64List:
      count = in.int64_list().value_size();
      out = in;
      break;
    case CollectionDef::kFloatList:
      count = in.float_list().value_size();
      out = in;
      break;
    case CollectionDef::kAnyList:
      count = in.any_list().value_size();
      out = in;
      break;
    case CollectionDef::KIND_NOT_SET:
      break;
  }
  if (count == 0) return std::optional<CollectionDef>();
  return std::optional<CollectionDef>(std::move(out));
}

}  // namespace

StatusOr<tensorflow::MetaGraphDef> CreateMetaGraphDef(
    const Graph& graph, const ExportMetaGraphOptions& options) {
  tensorflow::MetaGraphDef out;
  const std::string& scope = options.export_scope;

  // A node is exported when it is under the scope (or was an unbound input
  // of an earlier scoped export).
  auto in_export = [&](const NodeDef& node) {
    return node.name().starts_with(kUnboundPrefix) || node.name().starts_with(scope);
  };
  // Checked before anything is copied: the nodes are nearly all of it.
  uint64_t bytes = 0;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const NodeDef& node = graph.node(i).def();
    if (in_export(node)) bytes += node.ByteSizeLong();
  }
  if (bytes >= kTwoGigabytes) return TooLarge(bytes);

  tensorflow::GraphDef* graph_def = out.mutable_graph_def();
  std::vector<std::string> unbound;
  const bool rebuild = !scope.empty() || options.clear_devices;
  if (rebuild) {
    *graph_def->mutable_versions() = graph.versions();
    *graph_def->mutable_library() = graph.library();
    for (int i = 0; i < graph.num_nodes(); ++i) {
      const NodeDef& node = graph.node(i).def();
      if (!in_export(node)) continue;
      *graph_def->add_node() =
          NodeForExport(node, scope, options.clear_devices, &unbound);
    }
  } else {
    *graph_def = graph.ToGraphDef();
  }
  if (options.add_shapes) {
    // Nodes keep graph order in both paths; exported nodes are a subset.
    internal::ShapeRefiner refiner(&graph);
    int next = 0;
    for (int i = 0; i < graph.num_nodes() && next < graph_def->node_size(); ++i) {
      const Node& node = graph.node(i);
      if (!in_export(node.def())) continue;
      NodeDef* exported = graph_def->mutable_node(next++);
      if (node.num_outputs() <= 0) continue;
      tensorflow::AttrValue shapes;
      for (const PartialShape& shape : refiner.OutputShapes(&node)) {
        shape.ToProto(shapes.mutable_list()->add_shape());
      }
      (*exported->mutable_attr())[std::string(internal::kOutputShapesAttr)] = std::move(shapes);
    }
  }
  std::set<std::string> excluded;
  if (options.clear_extraneous_savers) {
    excluded = ExtraneousSaverNodes(
        *graph_def, options.saver_def.has_value() ? &*options.saver_def : nullptr);
    auto* nodes = graph_def->mutable_node();
    nodes->erase(std::remove_if(nodes->begin(), nodes->end(),
                                [&](const NodeDef& node) { return excluded.contains(node.name()); }),
                 nodes->end());
  }
  if (const uint64_t size = graph_def->ByteSizeLong(); size >= kTwoGigabytes) {
    return TooLarge(size);
  }

  tensorflow::MetaGraphDef::MetaInfoDef* info = out.mutable_meta_info_def();
  *info = options.meta_info_def;
  info->set_tensorflow_version(options.tensorflow_version);
  info->set_tensorflow_git_version(options.tensorflow_git_version);
  if (info->stripped_op_list().op_size() == 0) {
    tensorflow::OpList* ops = info->mutable_stripped_op_list();
    for (const std::string& op : OpsUsed(*graph_def)) {
      if (const tensorflow::OpDef* def = graph.FindOpDef(op)) {
        *ops->add_op() = *def;
      }
    }
  }
  if (options.strip_default_attrs) {
    for (NodeDef& node : *graph_def->mutable_node()) {
      const tensorflow::OpDef* op = graph.FindOpDef(node.op());
      if (op == nullptr) continue;
      std::vector<std::string> drop;
      for (const auto& [name, value] : node.attr()) {
        if (internal::IsDefaultAttrValue(*op, name, value)) drop.push_back(name);
      }
      for (const std::string& name : drop) node.mutable_attr()->erase(name);
    }
    info->set_stripped_default_attrs(true);
  }

  if (options.saver_def.has_value()) *out.mutable_saver_def() = *options.saver_def;

  std::vector<std::string> keys;
  if (options.collection_list.has_value()) {
    keys = *options.collection_list;
  } else {
    for (const auto& [key, c] : graph.collections()) keys.push_back(key);
  }
  auto* collections = out.mutable_collection_def();
  for (const std::string& key : keys) {
    if (rebuild && key == kUnboundInputs) continue;
    const CollectionDef* c = graph.FindCollection(key);
    if (c == nullptr) continue;
    TFCKPT_ASSIGN_OR_RETURN(std::optional<CollectionDef> exported,
                            ExportCollection(key, *c, scope, excluded, graph));
    if (exported.has_value()) (*collections)[key] = std::move(*exported);
  }
  if (!unbound.empty()) {
    CollectionDef& c = (*collections)[std::string(kUnboundInputs)];
    for (std::string& name : unbound) c.mutable_bytes_list()->add_value(name);
  }
  for (const auto& [key, sig] : options.signature_defs) {
    (*out.mutable_signature_def())[key] = sig;
  }
  for (const auto& asset : options.asset_file_defs) {
    *out.add_asset_file_def() = asset;
  }
  return out;
}

StatusOr<tensorflow::MetaGraphDef> ExportMetaGraph(
    const Graph& graph, const std::string& path,
    const ExportMetaGraphOptions& options) {
  TFCKPT_ASSIGN_OR_RETURN(tensorflow::MetaGraphDef meta_graph,
                          CreateMetaGraphDef(graph, options));
  TFCKPT_RETURN_IF_ERROR(WriteMetaGraphFile(meta_graph, path, options.as_text,
                                            options.file_system));
  return meta_graph;
}

}  // namespace tfckpt
