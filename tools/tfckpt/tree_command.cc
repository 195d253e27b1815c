// tfckpt ls --tree: the object tree of a TF2 checkpoint (the
// _CHECKPOINTABLE_OBJECT_GRAPH), with the keys holding each object's values.
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tfckpt/object_graph.h"
#include "tools/tfckpt/cli.h"

namespace tfckpt::cli {
namespace {

nlohmann::json ToJson(const ObjectGraph& graph, std::optional<int64_t> save_counter) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const ObjectNode& node : graph.nodes) {
    nlohmann::json j;
    j["id"] = node.id;
    j["path"] = node.path.has_value() ? nlohmann::json(*node.path) : nlohmann::json();
    j["is_slot"] = node.is_slot;
    j["children"] = nlohmann::json::array();
    for (const auto& c : node.children) {
      j["children"].push_back({{"local_name", c.local_name}, {"node_id", c.node_id}});
    }
    j["attributes"] = nlohmann::json::array();
    for (const auto& a : node.attributes) {
      j["attributes"].push_back(
          {{"name", a.name}, {"full_name", a.full_name}, {"checkpoint_key", a.checkpoint_key}});
    }
    j["slot_variables"] = nlohmann::json::array();
    for (const auto& s : node.slot_variables) {
      j["slot_variables"].push_back({{"original_variable_node_id", s.original_variable_node_id},
                                     {"slot_name", s.slot_name},
                                     {"slot_variable_node_id", s.slot_variable_node_id}});
    }
    nodes.push_back(std::move(j));
  }
  nlohmann::json out;
  out["save_counter"] = save_counter.has_value() ? nlohmann::json(*save_counter) : nlohmann::json();
  out["nodes"] = std::move(nodes);
  return out;
}

void PrintAttributes(const CheckpointReader& reader, const ObjectNode& node,
                     const std::string& indent) {
  for (const auto& a : node.attributes) {
    std::cout << indent << "  ." << a.name << " = " << a.checkpoint_key;
    if (auto info = reader.GetEntryInfo(a.checkpoint_key); info.ok()) {
      std::cout << "  " << DataTypeName(info->dtype) << " " << info->shape.DebugString();
    }
    std::cout << "\n";
  }
}

// Depth-first in child order. A node is expanded where its own path (the
// breadth-first one) leads; other edges to it only name it.
void PrintNode(const CheckpointReader& reader, const ObjectGraph& graph, int id,
               const std::string& label, const std::optional<std::string>& here,
               const std::string& indent, std::vector<bool>* printed) {
  const ObjectNode& node = graph.nodes[static_cast<size_t>(id)];
  std::cout << indent << label << " [" << id << "]";
  if ((*printed)[static_cast<size_t>(id)] || node.path != here) {
    std::cout << " (see " << (node.path.has_value() && !node.path->empty() ? *node.path : "(root)")
              << ")\n";
    return;
  }
  std::cout << "\n";
  (*printed)[static_cast<size_t>(id)] = true;
  PrintAttributes(reader, node, indent);
  for (const auto& slot : node.slot_variables) {
    const ObjectNode& var = graph.nodes[static_cast<size_t>(slot.original_variable_node_id)];
    const ObjectNode& slot_node = graph.nodes[static_cast<size_t>(slot.slot_variable_node_id)];
    PrintNode(reader, graph, slot.slot_variable_node_id,
              "slot '" + slot.slot_name + "' of " + var.path.value_or("node " + std::to_string(var.id)),
              slot_node.path, indent + "  ", printed);
  }
  for (const auto& child : node.children) {
    const std::string child_path =
        here->empty() ? child.local_name : *here + "/" + child.local_name;
    PrintNode(reader, graph, child.node_id, child.local_name, child_path, indent + "  ", printed);
  }
}

}  // namespace

int RunTree(const std::string& path, bool json) {
  auto reader = OpenCheckpoint(path);
  if (!reader.ok()) return Fail(reader.status());
  auto graph = ReadObjectGraph(**reader);
  if (!graph.ok()) return Fail(graph.status());
  if (!graph->has_value()) {
    return Fail(NotFoundError((*reader)->prefix() +
                              ": not an object-based (TF2) checkpoint: it has no " +
                              std::string(kObjectGraphKey)));
  }
  auto counter = ReadSaveCounter(**reader);
  if (!counter.ok()) return Fail(counter.status());
  if (json) {
    std::cout << ToJson(**graph, *counter).dump(2, ' ', false,
                                                 nlohmann::json::error_handler_t::replace)
              << "\n";
    return kExitOk;
  }
  if (counter->has_value()) std::cout << "save_counter: " << **counter << "\n";
  std::vector<bool> printed((*graph)->nodes.size(), false);
  PrintNode(**reader, **graph, 0, "(root)", std::string(), "", &printed);
  return kExitOk;
}

}  // namespace tfckpt::cli
