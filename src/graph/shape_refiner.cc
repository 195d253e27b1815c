#include "src/graph/shape_refiner.h"

#include <algorithm>
#include <set>
#include <string>

#include "src/core/proto_conversions.h"
#include "src/graph/shape_inference.h"

namespace tfckpt::internal {

const std::vector<PartialShape>& ShapeRefiner::OutputShapes(const Node* node) {
  std::vector<const Node*> stack = {node};
  std::set<int> visiting;
  while (!stack.empty()) {
    const Node* top = stack.back();
    if (shapes_.contains(top->id())) {
      stack.pop_back();
      continue;
    }
    const int num_outputs = std::max(top->num_outputs(), 0);
    if (const tensorflow::AttrValue* recorded = top->FindAttr(kOutputShapesAttr)) {
      std::vector<PartialShape> shapes;
      for (const auto& shape : recorded->list().shape()) {
        shapes.push_back(PartialShape::FromProto(shape));
      }
      shapes.resize(static_cast<size_t>(num_outputs));
      shapes_[top->id()] = std::move(shapes);
      stack.pop_back();
      continue;
    }
    std::vector<std::pair<const Node*, int>> inputs;
    bool ready = true;
    for (const TensorId& id : top->data_inputs()) {
      const Node* producer = graph_->FindNode(id.node);
      if (producer == nullptr) continue;
      inputs.emplace_back(producer, id.index);
      if (!shapes_.contains(producer->id()) && !visiting.contains(producer->id())) {
        stack.push_back(producer);
        ready = false;
      }
    }
    if (!ready && visiting.insert(top->id()).second) continue;
    auto inferred = Infer(top->def(), num_outputs, inputs);
    shapes_[top->id()] = inferred.ok()
                             ? *std::move(inferred)
                             : std::vector<PartialShape>(static_cast<size_t>(num_outputs));
    stack.pop_back();
  }
  return shapes_.at(node->id());
}

PartialShape ShapeRefiner::OutputShape(const Node* node, int index) {
  const std::vector<PartialShape>& shapes = OutputShapes(node);
  if (index < 0 || static_cast<size_t>(index) >= shapes.size()) return PartialShape();
  return shapes[static_cast<size_t>(index)];
}

StatusOr<std::vector<PartialShape>> ShapeRefiner::InferNew(
    const tensorflow::NodeDef& node, int num_outputs,
    const std::vector<std::pair<const Node*, int>>& inputs) {
  for (const auto& [producer, index] : inputs) OutputShapes(producer);
  return Infer(node, num_outputs, inputs);
}

void ShapeRefiner::Record(const Node* node, std::vector<PartialShape> shapes) {
  shapes_[node->id()] = std::move(shapes);
}

// Inputs whose shapes are cached (or unknown, inside a loop).
StatusOr<std::vector<PartialShape>> ShapeRefiner::Infer(
    const tensorflow::NodeDef& node, int num_outputs,
    const std::vector<std::pair<const Node*, int>>& inputs) {
  std::vector<ShapeInput> shape_inputs;
  // Constant inputs' values, which shape functions read (Reshape's shape,
  // Fill's dims); ShapeInput points into it.
  std::vector<Tensor> constants(inputs.size());
  for (size_t k = 0; k < inputs.size(); ++k) {
    const auto [producer, index] = inputs[k];
    ShapeInput in;
    auto known = shapes_.find(producer->id());
    if (known != shapes_.end() && index >= 0 &&
        static_cast<size_t>(index) < known->second.size()) {
      in.shape = known->second[static_cast<size_t>(index)];
    }
    if (producer->op() == "Const") {
      if (const tensorflow::AttrValue* value = producer->FindAttr("value")) {
        auto tensor = TensorFromProto(value->tensor());
        if (tensor.ok()) {
          constants[k] = *std::move(tensor);
          in.value = &constants[k];
        }
      }
    } else if (producer->op() == "VarHandleOp") {
      if (const tensorflow::AttrValue* shape = producer->FindAttr("shape")) {
        in.handle_shape = PartialShape::FromProto(shape->shape());
      }
    }
    shape_inputs.push_back(std::move(in));
  }
  return InferOutputShapes(node, num_outputs, shape_inputs);
}

}  // namespace tfckpt::internal
