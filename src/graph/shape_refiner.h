// ShapeRefiner: the output shapes of a graph's nodes before it runs, as
// TensorFlow's shape refiner knows them. A node's "_output_shapes" attr (TF
// records it in the meta graphs it exports) wins; other nodes are inferred
// from their inputs by their op's shape function (shape_inference.h), using
// the values of constant inputs and the shapes of resource variables.
// Shapes are computed once per node and cached.
//
// Thread safety: needs outside synchronization; the graph must outlive it
// and may grow, but its nodes must not change.
#ifndef TFCKPT_SRC_GRAPH_SHAPE_REFINER_H_
#define TFCKPT_SRC_GRAPH_SHAPE_REFINER_H_

#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "tensorflow/core/framework/node_def.pb.h"
#include "tfckpt/graph.h"
#include "tfckpt/partial_shape.h"
#include "tfckpt/statusor.h"

namespace tfckpt::internal {

// The attr in which TF records a node's output shapes in the graphs it
// exports, and from which it takes them back on import.
inline constexpr std::string_view kOutputShapesAttr = "_output_shapes";

class ShapeRefiner {
 public:
  explicit ShapeRefiner(const Graph* graph) : graph_(graph) {}

  // The shapes of every output of `node` (empty for an op the graph does
  // not know), inferring its producers first; an output no shape function
  // can tell is unknown. Iterative, so deep graphs cannot overflow the
  // stack; a node met again on its own input path (a loop) sees unknown
  // shapes.
  const std::vector<PartialShape>& OutputShapes(const Node* node);
  // One output's shape; unknown for an index out of range.
  PartialShape OutputShape(const Node* node, int index);

  // The shapes of a node about to be added with these inputs (producer,
  // output index). INVALID_ARGUMENT with TF's message when they cannot fit.
  StatusOr<std::vector<PartialShape>> InferNew(
      const tensorflow::NodeDef& node, int num_outputs,
      const std::vector<std::pair<const Node*, int>>& inputs);
  // Records the shapes InferNew gave once the node is in the graph.
  void Record(const Node* node, std::vector<PartialShape> shapes);

 private:
  StatusOr<std::vector<PartialShape>> Infer(
      const tensorflow::NodeDef& node, int num_outputs,
      const std::vector<std::pair<const Node*, int>>& inputs);

  const Graph* graph_;
  // By node id.
  std::map<int, std::vector<PartialShape>> shapes_;
};

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_GRAPH_SHAPE_REFINER_H_
