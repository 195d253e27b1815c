// TF2 object-based checkpoints (tf.train.Checkpoint, Keras, SavedModel
// variables): the object graph stored under _CHECKPOINTABLE_OBJECT_GRAPH,
// the path of every object from the root, and the keys of their values.
//
//   TFCKPT_ASSIGN_OR_RETURN(auto reader, CheckpointReader::Open("run/ckpt-3"));
//   TFCKPT_ASSIGN_OR_RETURN(std::optional<ObjectGraph> graph, ReadObjectGraph(*reader));
//   for (const ObjectNode& node : graph->nodes) ...  // node.path == "model/dense/kernel"
//
// Thread safety: functions are thread-safe; results are values.
#ifndef TFCKPT_OBJECT_GRAPH_H_
#define TFCKPT_OBJECT_GRAPH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tensorflow/core/protobuf/trackable_object_graph.pb.h"
#include "tfckpt/checkpoint_reader.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt {

// The key of the DT_STRING scalar holding the serialized TrackableObjectGraph.
inline constexpr std::string_view kObjectGraphKey = "_CHECKPOINTABLE_OBJECT_GRAPH";
// tf.train.Checkpoint's save counter (int64 scalar).
inline constexpr std::string_view kSaveCounterKey = "save_counter/.ATTRIBUTES/VARIABLE_VALUE";

struct ObjectNode {
  int id = 0;
  // Local names of the edges from the root, joined with "/"; "" for the
  // root. The first path of a breadth-first walk, as TensorFlow names them.
  // An optimizer slot variable that no child edge reaches is named as TF
  // keys it: "<variable path>/.OPTIMIZER_SLOT/<optimizer path>/<slot name>".
  // nullopt for nodes reached neither way.
  std::optional<std::string> path;
  // True for a slot variable named through its optimizer.
  bool is_slot = false;
  struct Child {
    std::string local_name;
    int node_id = 0;
  };
  std::vector<Child> children;
  struct Attribute {
    std::string name;            // "VARIABLE_VALUE"
    std::string full_name;       // TF1-style name, "dense/kernel"
    std::string checkpoint_key;  // the bundle key
  };
  std::vector<Attribute> attributes;
  struct Slot {
    int original_variable_node_id = 0;
    std::string slot_name;
    int slot_variable_node_id = 0;
  };
  // On optimizer nodes: the slot variables they own.
  std::vector<Slot> slot_variables;
};

struct ObjectGraph {
  tensorflow::TrackableObjectGraph proto;
  // Indexed by node id; nodes[0] is the root.
  std::vector<ObjectNode> nodes;
};

// Decodes and validates an object graph (every node id in range).
// DATA_LOSS naming `source` when it is unusable.
StatusOr<ObjectGraph> ParseObjectGraph(std::string_view serialized, std::string_view source);

// The object graph of a checkpoint; nullopt for a name-based (TF1) one.
StatusOr<std::optional<ObjectGraph>> ReadObjectGraph(const CheckpointReader& reader);

// tf.train.Checkpoint's save_counter; nullopt when the checkpoint has none.
StatusOr<std::optional<int64_t>> ReadSaveCounter(const CheckpointReader& reader);

}  // namespace tfckpt

#endif  // TFCKPT_OBJECT_GRAPH_H_
