#include "tfckpt/object_graph.h"

#include <cstdint>
#include <deque>
#include <utility>

namespace tfckpt {

StatusOr<ObjectGraph> ParseObjectGraph(std::string_view serialized, std::string_view source) {
  ObjectGraph graph;
  if (serialized.size() > static_cast<size_t>(INT32_MAX) ||
      !graph.proto.ParseFromArray(serialized.data(), static_cast<int>(serialized.size()))) {
    return DataLossError(std::string(source) + ": " + std::string(kObjectGraphKey) +
                         " is not a TrackableObjectGraph");
  }
  const int n = graph.proto.nodes_size();
  if (n == 0) return DataLossError(std::string(source) + ": the object graph has no root");
  const auto check = [&](int id, std::string_view what) -> Status {
    if (id < 0 || id >= n) {
      return DataLossError(std::string(source) + ": object graph " + std::string(what) +
                           " refers to node " + std::to_string(id) + " of " +
                           std::to_string(n));
    }
    return OkStatus();
  };
  graph.nodes.resize(static_cast<size_t>(n));
  for (int id = 0; id < n; ++id) {
    const auto& object = graph.proto.nodes(id);
    ObjectNode& node = graph.nodes[static_cast<size_t>(id)];
    node.id = id;
    for (const auto& child : object.children()) {
      TFCKPT_RETURN_IF_ERROR(check(child.node_id(), "child '" + child.local_name() + "'"));
      node.children.push_back({child.local_name(), child.node_id()});
    }
    for (const auto& a : object.attributes()) {
      node.attributes.push_back({a.name(), a.full_name(), a.checkpoint_key()});
    }
    for (const auto& s : object.slot_variables()) {
      TFCKPT_RETURN_IF_ERROR(check(s.original_variable_node_id(), "slot variable"));
      TFCKPT_RETURN_IF_ERROR(check(s.slot_variable_node_id(), "slot variable"));
      node.slot_variables.push_back(
          {s.original_variable_node_id(), s.slot_name(), s.slot_variable_node_id()});
    }
  }
  // Breadth-first from the root, children in stored order.
  graph.nodes[0].path = "";
  std::deque<int> queue = {0};
  while (!queue.empty()) {
    const ObjectNode& node = graph.nodes[static_cast<size_t>(queue.front())];
    queue.pop_front();
    for (const ObjectNode::Child& child : node.children) {
      ObjectNode& target = graph.nodes[static_cast<size_t>(child.node_id)];
      if (target.path.has_value()) continue;
      target.path = node.path->empty() ? child.local_name : *node.path + "/" + child.local_name;
      queue.push_back(child.node_id);
    }
  }
  for (const ObjectNode& optimizer : graph.nodes) {
    if (!optimizer.path.has_value()) continue;
    for (const ObjectNode::Slot& slot : optimizer.slot_variables) {
      const ObjectNode& var = graph.nodes[static_cast<size_t>(slot.original_variable_node_id)];
      ObjectNode& target = graph.nodes[static_cast<size_t>(slot.slot_variable_node_id)];
      if (target.path.has_value() || !var.path.has_value()) continue;
      target.path = *var.path + "/.OPTIMIZER_SLOT/" + *optimizer.path + "/" + slot.slot_name;
      target.is_slot = true;
    }
  }
  return graph;
}

StatusOr<std::optional<ObjectGraph>> ReadObjectGraph(const CheckpointReader& reader) {
  if (!reader.Contains(kObjectGraphKey)) return std::optional<ObjectGraph>();
  TFCKPT_ASSIGN_OR_RETURN(const Tensor t, reader.ReadTensor(kObjectGraphKey));
  if (t.dtype() != DataType::kString || t.num_elements() != 1) {
    return DataLossError(reader.prefix() + ": " + std::string(kObjectGraphKey) +
                         " is not a string scalar");
  }
  TFCKPT_ASSIGN_OR_RETURN(ObjectGraph graph, ParseObjectGraph(t.strings()[0], reader.prefix()));
  return std::optional<ObjectGraph>(std::move(graph));
}

StatusOr<std::optional<int64_t>> ReadSaveCounter(const CheckpointReader& reader) {
  if (!reader.Contains(kSaveCounterKey)) return std::optional<int64_t>();
  TFCKPT_ASSIGN_OR_RETURN(const Tensor t, reader.ReadTensor(kSaveCounterKey));
  if (t.dtype() != DataType::kInt64 || t.num_elements() != 1) {
    return DataLossError(reader.prefix() + ": save_counter is not an int64 scalar");
  }
  return std::optional<int64_t>(t.flat<int64_t>()[0]);
}

}  // namespace tfckpt
