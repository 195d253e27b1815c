// Symbolic gradients for graphs built with GraphBuilder, as TF1's
// tf.gradients builds them: the same ops, under the same names
// ("gradients/grad_ys_0", "gradients/MatMul_grad/MatMul_1",
// "gradients/AddN" where several paths meet), so a graph trained in C++
// exports to a .meta that looks like TensorFlow's.
//
//   std::vector<Output> grads = Gradients(tf, {loss}, {w, b});
//   TFCKPT_RETURN_IF_ERROR(tf.status());
//
// Every differentiable op GraphBuilder makes has a gradient, as do Gather,
// StridedSlice, Pad and FusedBatchNorm made with AddOp (Gather's gradient,
// IndexedSlices in TF, is made dense as TF converts it: an
// UnsortedSegmentSum in the gradient's own scope); StopGradient
// (and ops such as Shape or ArgMax) pass none back. A variable's value
// ("w/read", "w/Read/ReadVariableOp") routes its gradient to the variable,
// so xs may be GraphVariables. An op on the path without a gradient makes
// the builder's error (UNIMPLEMENTED, naming the node and its op type).
#ifndef TFCKPT_GRADIENTS_H_
#define TFCKPT_GRADIENTS_H_

#include <string>
#include <vector>

#include "tfckpt/graph_builder.h"

namespace tfckpt {

struct GradientsOptions {
  // The name scope of every gradient op ("gradients", "gradients_1", ...).
  std::string name = "gradients";
  // TF's gate_gradients: the gradients of each op's inputs pass through a
  // "tuple" of control dependencies, so none is used before all are
  // computed (what Optimizer::Minimize asks for).
  bool gate_gradients = false;
  // Tensors treated as constants (TF's stop_gradients).
  std::vector<Output> stop_gradients = {};
};

// d(sum of ys)/d(x) for each of `xs`: an invalid Output where no y depends
// on x (TF's None). `grad_ys` is empty or one per y (the seed; default:
// ones shaped like y). Errors are kept in builder.status().
std::vector<Output> Gradients(GraphBuilder& builder,
                              const std::vector<Output>& ys,
                              const std::vector<Output>& xs,
                              const std::vector<Output>& grad_ys = {},
                              const GradientsOptions& options = {});

// The tensor that stands for `variable` in Gradients' xs: the variable op's
// output ("w:0"), which its value's gradient reaches.
Output VariableRef(GraphBuilder& builder, const GraphVariable& variable);

}  // namespace tfckpt

#endif  // TFCKPT_GRADIENTS_H_
