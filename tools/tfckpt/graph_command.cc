// tfckpt graph FILE [--json | --dot]: what a MetaGraphDef file (".meta", or
// the first meta graph of saved_model.pb) holds: the TF version that wrote
// it, nodes per op type, variables with shapes, collections, the SaverDef
// and signatures. --dot writes the graph as Graphviz DOT, one cluster per
// name scope.
#include <CLI/CLI.hpp>
#include <cstddef>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tfckpt/dtype.h"
#include "tfckpt/file_system.h"
#include "tfckpt/graph.h"
#include "tfckpt/meta_graph.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"
#include "tools/tfckpt/cli.h"

namespace tfckpt::cli {
namespace {

using nlohmann::json;

struct GraphOptions {
  std::string path;
  bool json = false;
  bool dot = false;
};

StatusOr<tensorflow::MetaGraphDef> Load(const std::string& path) {
  const std::string base = BaseName(path);
  if (base == "saved_model.pb" || base == "saved_model.pbtxt") {
    TFCKPT_ASSIGN_OR_RETURN(tensorflow::SavedModel model,
                            ReadSavedModelFile(path));
    if (model.meta_graphs_size() == 0) {
      return InvalidArgumentError(path + " holds no meta graph");
    }
    return model.meta_graphs(0);
  }
  return ReadMetaGraphFile(path);
}

std::string ShapeString(const tensorflow::TensorShapeProto& shape) {
  if (shape.unknown_rank()) return "<unknown>";
  std::string out = "[";
  for (int i = 0; i < shape.dim_size(); ++i) {
    if (i > 0) out += ", ";
    out += shape.dim(i).size() < 0 ? "?" : std::to_string(shape.dim(i).size());
  }
  return out + "]";
}

std::string KindName(const tensorflow::CollectionDef& c) {
  switch (c.kind_case()) {
    case tensorflow::CollectionDef::kNodeList: return "node_list";
    case tensorflow::CollectionDef::kBytesList: return "bytes_list";
    case tensorflow::CollectionDef::kInt64List: return "int64_list";
    case tensorflow::CollectionDef::kFloatList: return "float_list";
    case tensorflow::CollectionDef::kAnyList: return "any_list";
    case tensorflow::CollectionDef::KIND_NOT_SET: break;
  }
  return "none";
}

int Size(const tensorflow::CollectionDef& c) {
  return c.node_list().value_size() + c.bytes_list().value_size() +
         c.int64_list().value_size() + c.float_list().value_size() +
         c.any_list().value_size();
}

json Summary(const tensorflow::MetaGraphDef& meta, const Graph& graph,
             const ImportMetaGraphResult& imported) {
  json out;
  out["tensorflow_version"] = meta.meta_info_def().tensorflow_version();
  out["tensorflow_git_version"] = meta.meta_info_def().tensorflow_git_version();
  out["tags"] = json::array();
  for (const std::string& tag : meta.meta_info_def().tags()) {
    out["tags"].push_back(tag);
  }
  out["num_nodes"] = graph.num_nodes();
  out["num_functions"] = graph.library().function_size();
  std::map<std::string, int> ops;
  for (int i = 0; i < graph.num_nodes(); ++i) ++ops[graph.node(i).op()];
  out["ops"] = ops;
  out["variables"] = json::array();
  for (const auto& [name, var] : imported.variables) {
    out["variables"].push_back({{"name", var.name()},
                                {"dtype", DataTypeName(var.dtype)},
                                {"shape", ShapeString(var.shape)},
                                {"trainable", var.def.trainable()}});
  }
  out["collections"] = json::object();
  for (const auto& [key, c] : graph.collections()) {
    out["collections"][key] = {{"kind", KindName(c)}, {"size", Size(c)}};
  }
  if (meta.has_saver_def()) {
    const tensorflow::SaverDef& s = meta.saver_def();
    out["saver_def"] = {
        {"filename_tensor_name", s.filename_tensor_name()},
        {"save_tensor_name", s.save_tensor_name()},
        {"restore_op_name", s.restore_op_name()},
        {"max_to_keep", s.max_to_keep()},
        {"sharded", s.sharded()},
        {"keep_checkpoint_every_n_hours", s.keep_checkpoint_every_n_hours()},
        {"version", tensorflow::SaverDef::CheckpointFormatVersion_Name(s.version())}};
  } else {
    out["saver_def"] = nullptr;
  }
  out["signatures"] = json::object();
  for (const auto& [key, sig] : imported.signature_defs) {
    json inputs = json::object(), outputs = json::object();
    for (const auto& [k, info] : sig.inputs()) inputs[k] = info.name();
    for (const auto& [k, info] : sig.outputs()) outputs[k] = info.name();
    out["signatures"][key] = {{"method_name", sig.method_name()},
                              {"inputs", inputs},
                              {"outputs", outputs}};
  }
  return out;
}

void PrintText(const json& s) {
  auto str = [](const json& j) { return j.get<std::string>(); };
  std::cout << "TensorFlow version: "
            << (str(s["tensorflow_version"]).empty() ? "(not recorded)"
                                                     : str(s["tensorflow_version"]));
  if (!str(s["tensorflow_git_version"]).empty()) {
    std::cout << " (" << str(s["tensorflow_git_version"]) << ")";
  }
  std::cout << "\nNodes: " << s["num_nodes"].get<int>()
            << "  Functions: " << s["num_functions"].get<int>() << "\n";
  std::cout << "Ops:\n";
  for (const auto& [op, count] : s["ops"].items()) {
    std::cout << "  " << op << ": " << count.get<int>() << "\n";
  }
  std::cout << "Variables:\n";
  for (const json& v : s["variables"]) {
    std::cout << "  " << str(v["name"]) << "  " << str(v["dtype"]) << "  "
              << str(v["shape"]) << (v["trainable"].get<bool>() ? "  trainable" : "")
              << "\n";
  }
  std::cout << "Collections:\n";
  for (const auto& [key, c] : s["collections"].items()) {
    std::cout << "  " << key << ": " << str(c["kind"]) << " of "
              << c["size"].get<int>() << "\n";
  }
  if (s["saver_def"].is_null()) {
    std::cout << "SaverDef: none\n";
  } else {
    const json& d = s["saver_def"];
    std::cout << "SaverDef: restore " << str(d["restore_op_name"]) << ", save "
              << str(d["save_tensor_name"]) << ", filename "
              << str(d["filename_tensor_name"]) << ", max_to_keep "
              << d["max_to_keep"].get<int>() << ", every "
              << d["keep_checkpoint_every_n_hours"].get<float>() << " h, "
              << str(d["version"]) << (d["sharded"].get<bool>() ? ", sharded" : "")
              << "\n";
  }
  std::cout << "Signatures:" << (s["signatures"].empty() ? " none" : "") << "\n";
  for (const auto& [key, sig] : s["signatures"].items()) {
    std::cout << "  " << key << " (" << str(sig["method_name"]) << ")\n";
    for (const auto& [k, name] : sig["inputs"].items()) {
      std::cout << "    in  " << k << ": " << str(name) << "\n";
    }
    for (const auto& [k, name] : sig["outputs"].items()) {
      std::cout << "    out " << k << ": " << str(name) << "\n";
    }
  }
}

// One DOT cluster per name scope, nested as the scopes are.
struct Scope {
  std::vector<const Node*> nodes;
  std::map<std::string, Scope> children;
};

void PrintScope(const std::string& path, const Scope& scope, int depth) {
  const std::string indent(static_cast<size_t>(depth) * 2, ' ');
  for (const auto& [name, child] : scope.children) {
    const std::string full = path.empty() ? name : path + "/" + name;
    std::cout << indent << "subgraph " << JsonString("cluster_" + full) << " {\n"
              << indent << "  label=" << JsonString(name) << ";\n";
    PrintScope(full, child, depth + 1);
    std::cout << indent << "}\n";
  }
  for (const Node* node : scope.nodes) {
    const std::string& name = node->name();
    const size_t slash = name.rfind('/');
    const std::string label =
        (slash == std::string::npos ? name : name.substr(slash + 1)) + "\n" +
        node->op();
    std::cout << indent << JsonString(name) << " [label=" << JsonString(label)
              << "];\n";
  }
}

void PrintDot(const Graph& graph) {
  Scope root;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& node = graph.node(i);
    Scope* scope = &root;
    std::string_view name = node.name();
    for (size_t slash = name.find('/'); slash != std::string_view::npos;
         slash = name.find('/')) {
      scope = &scope->children[std::string(name.substr(0, slash))];
      name.remove_prefix(slash + 1);
    }
    scope->nodes.push_back(&node);
  }
  std::cout << "digraph G {\n  node [shape=box];\n";
  PrintScope("", root, 1);
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& node = graph.node(i);
    for (const TensorId& in : node.data_inputs()) {
      std::cout << "  " << JsonString(in.node) << " -> " << JsonString(node.name())
                << ";\n";
    }
    for (const std::string& in : node.control_inputs()) {
      std::cout << "  " << JsonString(in) << " -> " << JsonString(node.name())
                << " [style=dashed];\n";
    }
  }
  std::cout << "}\n";
}

int RunGraph(const GraphOptions& opts) {
  auto meta = Load(opts.path);
  if (!meta.ok()) return Fail(meta.status());
  Graph graph;
  auto imported = ImportMetaGraph(&graph, *meta);
  if (!imported.ok()) return Fail(imported.status().WithContext(opts.path));
  if (opts.dot) {
    PrintDot(graph);
    return kExitOk;
  }
  const json summary = Summary(*meta, graph, *imported);
  if (opts.json) {
    std::cout << summary.dump(2, ' ', false, json::error_handler_t::replace)
              << "\n";
  } else {
    PrintText(summary);
  }
  return kExitOk;
}

}  // namespace

void AddGraphCommand(CLI::App& app, Action* action) {
  auto opts = std::make_shared<GraphOptions>();
  CLI::App* cmd = app.add_subcommand(
      "graph",
      "Summarize a MetaGraphDef (.meta file, or saved_model.pb): the TF "
      "version that wrote it, nodes per op type, variables, collections, "
      "SaverDef and signatures.");
  cmd->add_option("FILE", opts->path, "The .meta file (binary or text)")
      ->required();
  auto* json_flag = cmd->add_flag("--json", opts->json, "Print the summary as JSON");
  cmd->add_flag("--dot", opts->dot,
                "Print the graph as Graphviz DOT (name scopes as clusters)")
      ->excludes(json_flag);
  cmd->callback([opts, action] { *action = [opts] { return RunGraph(*opts); }; });
}

}  // namespace tfckpt::cli
