// Bridge from the graph interop tests to tfckpt's graph library.
//
//   graph_tool describe IN.meta          JSON: nodes, collections, saver
//   graph_tool roundtrip IN OUT [--import-scope S] [--export-scope S]
//                        [--clear-devices] [--as-text]
//                                        import IN, export OUT; JSON as
//                                        describe, of the imported graph
//   graph_tool ops OUT                   the built-in OpDefs as a binary OpList
//
// Exit 0 on success; 1 with "graph_tool: <status>" on stderr otherwise.
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tfckpt/graph.h"
#include "tfckpt/meta_graph.h"
#include "tfckpt/op_registry.h"

namespace {

using nlohmann::json;
using tfckpt::Graph;

int Fail(const tfckpt::Status& s) {
  std::cerr << "graph_tool: " << s.ToString() << "\n";
  return 1;
}

json Describe(const Graph& graph, const tfckpt::ImportMetaGraphResult& r) {
  json nodes = json::array();
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const tfckpt::Node& n = graph.node(i);
    json inputs = json::array();
    for (const tfckpt::TensorId& in : n.data_inputs()) {
      inputs.push_back(in.node + ":" + std::to_string(in.index));
    }
    nodes.push_back({{"name", n.name()},
                     {"op", n.op()},
                     {"device", n.device()},
                     {"inputs", inputs},
                     {"control_inputs", n.control_inputs()}});
  }
  json collections = json::object();
  for (const auto& [key, c] : graph.collections()) {
    json values = json::array();
    if (c.has_node_list()) {
      for (const std::string& v : c.node_list().value()) values.push_back(v);
    } else if (c.has_bytes_list() && key != "savers" &&
               key != "queue_runners" && key != "cond_context" &&
               key != "while_context") {
      auto vars = graph.GetVariables(key);
      if (vars.ok()) {
        for (const tfckpt::Variable& v : *vars) {
          values.push_back(v.def.variable_name());
        }
      } else {
        for (const std::string& v : c.bytes_list().value()) values.push_back(v);
      }
    } else if (c.has_int64_list()) {
      for (int64_t v : c.int64_list().value()) values.push_back(v);
    } else if (c.has_float_list()) {
      for (float v : c.float_list().value()) values.push_back(v);
    } else {
      values = c.bytes_list().value_size() + c.any_list().value_size();
    }
    collections[key] = values;
  }
  json saver = nullptr;
  if (r.saver.has_value()) {
    const tensorflow::SaverDef& d = r.saver->saver_def;
    saver = {{"from_saver_def", r.saver->from_saver_def},
             {"filename_tensor_name", d.filename_tensor_name()},
             {"save_tensor_name", d.save_tensor_name()},
             {"restore_op_name", d.restore_op_name()},
             {"max_to_keep", d.max_to_keep()},
             {"keep_checkpoint_every_n_hours", d.keep_checkpoint_every_n_hours()},
             {"sharded", d.sharded()},
             {"version", static_cast<int>(d.version())}};
  }
  return {{"nodes", nodes},
          {"collections", collections},
          {"saver", saver},
          {"scope", r.scope}};
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 2 && args[0] == "ops") {
    tensorflow::OpList list;
    const tfckpt::OpRegistry& registry = tfckpt::OpRegistry::Default();
    for (const std::string& op : registry.ListOps()) {
      *list.add_op() = *registry.Find(op);
    }
    std::ofstream(args[1], std::ios::binary) << list.SerializeAsString();
    return 0;
  }
  if (args.size() == 2 && args[0] == "describe") {
    Graph graph;
    auto r = tfckpt::ImportMetaGraph(&graph, args[1]);
    if (!r.ok()) return Fail(r.status());
    std::cout << Describe(graph, *r).dump() << "\n";
    return 0;
  }
  if (args.size() >= 3 && args[0] == "roundtrip") {
    tfckpt::ImportMetaGraphOptions in;
    tfckpt::ExportMetaGraphOptions out;
    for (size_t i = 3; i < args.size(); ++i) {
      if (args[i] == "--import-scope" && i + 1 < args.size()) {
        in.import_scope = args[++i];
      } else if (args[i] == "--export-scope" && i + 1 < args.size()) {
        out.export_scope = args[++i];
      } else if (args[i] == "--clear-devices") {
        in.clear_devices = true;
      } else if (args[i] == "--as-text") {
        out.as_text = true;
      } else if (args[i] == "--clear-extraneous-savers") {
        out.clear_extraneous_savers = true;
      } else {
        std::cerr << "graph_tool: bad argument " << args[i] << "\n";
        return 2;
      }
    }
    Graph graph;
    auto r = tfckpt::ImportMetaGraph(&graph, args[1], in);
    if (!r.ok()) return Fail(r.status());
    if (r->saver.has_value() && r->saver->from_saver_def) {
      out.saver_def = r->saver->saver_def;
    }
    out.meta_info_def.mutable_tags()->CopyFrom(r->meta_info_def.tags());
    out.signature_defs = r->signature_defs;
    auto written = tfckpt::ExportMetaGraph(graph, args[2], out);
    if (!written.ok()) return Fail(written.status());
    std::cout << Describe(graph, *r).dump() << "\n";
    return 0;
  }
  std::cerr << "usage: graph_tool describe IN | roundtrip IN OUT [...] | ops OUT\n";
  return 2;
}
