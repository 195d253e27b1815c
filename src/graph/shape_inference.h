// Shape functions: the output shapes of a node from its attrs, its input
// shapes and the values of constant inputs, with TensorFlow's messages when
// they cannot fit. GraphBuilder checks each node it makes with them, and
// ShapeRefiner (shape_refiner.h) applies them to whole graphs.
#ifndef TFCKPT_SRC_GRAPH_SHAPE_INFERENCE_H_
#define TFCKPT_SRC_GRAPH_SHAPE_INFERENCE_H_

#include <span>
#include <string>
#include <vector>

#include "tensorflow/core/framework/node_def.pb.h"
#include "tfckpt/partial_shape.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"
#include "tfckpt/tensor.h"

namespace tfckpt::internal {

struct ShapeInput {
  PartialShape shape;
  // The input's value when it is a constant; nullptr otherwise.
  const Tensor* value = nullptr;
  // For a resource handle: the shape of the variable it refers to.
  PartialShape handle_shape;
};

// Output shapes of `node` (attrs complete) with `num_outputs` outputs.
// INVALID_ARGUMENT in TF's words, e.g. "Dimensions must be equal, but are 2
// and 5 for '{{node add}} = AddV2[T=DT_FLOAT](a/read, b/read)' with input
// shapes: [2], [5]." Ops without a shape function give unknown shapes.
StatusOr<std::vector<PartialShape>> InferOutputShapes(
    const tensorflow::NodeDef& node, int num_outputs,
    std::span<const ShapeInput> inputs);

// TF's SummarizeNodeDef: "{{node add}} = AddV2[T=DT_FLOAT](a/read, b/read)".
std::string SummarizeNodeDef(const tensorflow::NodeDef& node);

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_GRAPH_SHAPE_INFERENCE_H_
