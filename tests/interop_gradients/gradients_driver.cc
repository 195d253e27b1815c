// The C++ side of the gradient and optimizer interop tests: the models of
// test_gradients_interop.py built with GraphBuilder, their variables
// restored from a checkpoint TensorFlow wrote.
//
//   gradients_driver grads MODEL INIT_PREFIX OUT_PREFIX
//       Gradients(loss, trainable variables), written to OUT_PREFIX (a
//       bundle keyed by variable name), the graph to OUT_PREFIX.meta
//   gradients_driver train MODEL INIT_PREFIX OPTIMIZER STEPS OUT_PREFIX
//       MODEL + global_step + OPTIMIZER (sgd, momentum, adam).Minimize,
//       STEPS steps from the restored values, saved (with .meta) at
//       OUT_PREFIX
#include <cstdlib>
#include <iostream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tfckpt/bundle_writer.h"
#include "tfckpt/gradients.h"
#include "tfckpt/graph.h"
#include "tfckpt/graph_builder.h"
#include "tfckpt/meta_graph.h"
#include "tfckpt/optimizers.h"
#include "tfckpt/saver.h"
#include "tfckpt/session.h"

namespace {

using tfckpt::DataType;
using tfckpt::GraphBuilder;
using tfckpt::GraphVariable;
using tfckpt::Output;
using tfckpt::Status;
using tfckpt::Tensor;
using tfckpt::TensorShape;

struct Model {
  // Every variable the model makes (data and weights): restored from the
  // initial checkpoint.
  std::vector<GraphVariable> variables;
  Output loss;
};

GraphVariable Data(GraphBuilder& tf, std::vector<int64_t> shape,
                   const char* name) {
  return tf.Variable(tf.Zeros(std::move(shape)), name, {.trainable = false});
}

// A two-layer perceptron with a softmax cross-entropy loss and weight decay.
Model Mlp(GraphBuilder& tf) {
  GraphVariable x = Data(tf, {4, 5}, "x");
  GraphVariable labels = Data(tf, {4, 3}, "labels");
  GraphVariable w1 = tf.Variable(tf.Zeros({5, 6}), "w1");
  GraphVariable b1 = tf.Variable(tf.Zeros({6}), "b1");
  GraphVariable w2 = tf.Variable(tf.Zeros({6, 3}), "w2");
  GraphVariable b2 = tf.Variable(tf.Zeros({3}), "b2");
  Output hidden = tf.Relu(tf.BiasAdd(tf.MatMul(x, w1), b1));
  Output gated = hidden * tf.Sigmoid(hidden);
  Output logits = tf.BiasAdd(tf.MatMul(gated, w2), b2);
  Output xent = tf.ReduceMean(tf.SoftmaxCrossEntropyWithLogits(labels, logits));
  Output decay = tf.ReduceSum(tf.Square(w1));
  Output loss = xent + decay * 0.005;
  return {{x, labels, w1, b1, w2, b2}, loss};
}

// Convolution, both poolings, concat and a mix of elementwise math.
Model Cnn(GraphBuilder& tf) {
  GraphVariable x = Data(tf, {2, 6, 6, 2}, "x");
  GraphVariable target = Data(tf, {2, 3}, "target");
  GraphVariable kernel = tf.Variable(tf.Zeros({3, 3, 2, 4}), "kernel");
  GraphVariable bias = tf.Variable(tf.Zeros({4}), "bias");
  GraphVariable w = tf.Variable(tf.Zeros({3, 72}), "w");
  Output conv =
      tf.Tanh(tf.BiasAdd(tf.Conv2D(x, kernel, {.padding = "SAME"}), bias));
  const tfckpt::ConvOptions pool = {.strides = {1, 2, 2, 1},
                                    .padding = "VALID"};
  Output max = tf.MaxPool(conv, {1, 2, 2, 1}, pool);
  Output avg = tf.AvgPool(conv, {1, 2, 2, 1}, pool);
  Output features = tf.Reshape(tf.Concat({max, avg}, 3), {2, 72});
  Output out = tf.Relu6(tf.MatMul(features, w, false, true) * 3.0);
  Output error = tf.Sqrt(tf.Square(out - target) + 1.0);
  Output soft = tf.Log(tf.Exp(out * 0.1) + 1.0) / error;
  Output loss =
      tf.ReduceSum(tf.ReduceSum(soft, {1})) - tf.ReduceMean(tf.Sigmoid(-out));
  return {{x, target, kernel, bias, w}, loss};
}

// Elementwise binary ops and Abs: one pair of variables per op, each with
// and without broadcasting ("pos" variables hold positive values).
Model Binary(GraphBuilder& tf) {
  std::vector<GraphVariable> vars;
  auto var = [&](std::vector<int64_t> shape, const char* name) {
    vars.push_back(tf.Variable(tf.Zeros(std::move(shape)), name));
    return vars.back();
  };
  Output maximum = tf.Maximum(var({2, 3}, "max_x"), var({3}, "max_y"));
  Output minimum = tf.Minimum(var({2, 3}, "min_x"), var({2, 3}, "min_y"));
  Output power = tf.Pow(var({2, 3}, "pos_base"), var({3}, "exponent"));
  Output magnitude = tf.Abs(var({2, 3}, "abs_x"));
  Output spread = tf.SquaredDifference(var({2, 3}, "sd_x"), var({3}, "sd_y"));
  Output same =
      tf.SquaredDifference(var({2, 3}, "sd_same_x"), var({2, 3}, "sd_same_y"));
  // One op per statement: TF numbers the ops in the order Python makes them.
  Output loss = tf.ReduceSum(maximum);
  for (const Output& term : {minimum, power, magnitude, spread, same}) {
    Output term_sum = tf.ReduceSum(term);
    loss = loss + term_sum;
  }
  return {vars, loss};
}

Tensor Int32s(std::vector<int64_t> dims, std::vector<int32_t> values) {
  auto tensor = Tensor::FromValues(*TensorShape::Create(dims),
                                   std::span<const int32_t>(values));
  return *std::move(tensor);
}

Tensor Floats(std::vector<float> values) {
  auto tensor = Tensor::FromValues(
      TensorShape({static_cast<int64_t>(values.size())}),
      std::span<const float>(values));
  return *std::move(tensor);
}

tensorflow::AttrValue IntAttr(int64_t value) {
  tensorflow::AttrValue attr;
  attr.set_i(value);
  return attr;
}

// Layout ops, gather, slicing, padding, batch norm (inference and training),
// partial reductions, a concat of 17 inputs and gathers along inner axes.
Model Shapes(GraphBuilder& tf) {
  std::vector<GraphVariable> vars;
  auto var = [&](std::vector<int64_t> shape, const char* name) {
    vars.push_back(tf.Variable(tf.Zeros(std::move(shape)), name));
    return vars.back();
  };
  auto first = [](const std::vector<Output>& outputs) {
    return outputs.empty() ? Output() : outputs[0];
  };
  Output log_probs = tf.LogSoftmax(var({2, 4}, "logits"));
  Output moved = tf.Transpose(var({2, 3, 4}, "cube"), {2, 0, 1});
  Output expanded = tf.ExpandDims(var({2, 3}, "flat"), 1);
  Output rows = first(tf.AddOp("GatherV2",
                               {var({4, 3}, "table"), Int32s({3}, {2, 0, 2}),
                                Int32s({}, {0})},
                               {}));
  // table[1:3, ::2]
  Output sliced = first(tf.AddOp(
      "StridedSlice",
      {var({4, 5}, "grid"), Int32s({2}, {1, 0}), Int32s({2}, {3, 0}),
       Int32s({2}, {1, 2})},
      {{"begin_mask", IntAttr(2)}, {"end_mask", IntAttr(2)}},
      "strided_slice"));
  Output padded = first(
      tf.AddOp("Pad", {var({2, 3}, "padded"), Int32s({2, 2}, {1, 0, 2, 1})}, {}));
  Output padded_with = first(tf.AddOp(
      "PadV2",
      {var({2, 3}, "padded_with"), Int32s({2, 2}, {0, 1, 1, 1}),
       tf.Fill(2.0, {}, DataType::kFloat, "")},
      {}));
  tensorflow::AttrValue inference;
  inference.set_b(false);
  tensorflow::AttrValue epsilon;
  epsilon.set_f(0.001f);
  Output normalized = first(tf.AddOp(
      "FusedBatchNormV3",
      {var({2, 3, 3, 2}, "images"), var({2}, "gamma"), var({2}, "beta"),
       tf.Constant(Floats({0.1f, 0.2f})), tf.Constant(Floats({1.0f, 2.0f}))},
      {{"is_training", inference}, {"epsilon", epsilon}}));
  Output joined = tf.Concat({var({2, 3}, "left"), var({2, 2}, "right")}, 1);
  // Training mode: normalized by the batch's own statistics.
  Output trained = first(tf.AddOp(
      "FusedBatchNormV3",
      {var({2, 3, 3, 2}, "batch"), var({2}, "batch_gamma"), var({2}, "batch_beta"),
       tf.Constant(Floats({})), tf.Constant(Floats({}))},
      {{"epsilon", epsilon}}));
  // Past 16 inputs, TF's gradient of concat splits instead of slicing.
  std::vector<Output> wide_parts;
  for (int k = 0; k < 17; ++k) {
    wide_parts.push_back(var({2, k % 3 + 1}, ("wide_" + std::to_string(k)).c_str()));
  }
  Output wide = tf.Concat(wide_parts, 1);
  // Past axis 0, the gradient of gather moves the axis first and back.
  Output columns = first(tf.AddOp(
      "GatherV2", {var({3, 4, 2}, "columns"), Int32s({2, 2}, {1, 0, 1, 3}), Int32s({}, {1})},
      {}));
  Output last = first(tf.AddOp(
      "GatherV2", {var({2, 3}, "last"), Int32s({3}, {2, 2, 0}), Int32s({}, {-1})}, {}));
  // One op per statement: TF numbers the ops in the order Python makes them.
  Output loss = tf.ReduceSum(log_probs);
  Output moved_sum = tf.ReduceSum(moved, {0, 1});
  loss = loss + moved_sum * 0.5;
  Output expanded_mean = tf.ReduceMean(expanded, {1});
  loss = loss + expanded_mean;
  for (const Output& part : {rows, sliced, padded, padded_with}) {
    Output part_sum = tf.ReduceSum(part);
    loss = loss + part_sum;
  }
  Output normalized_mean = tf.ReduceMean(normalized);
  loss = loss + normalized_mean;
  for (const Output& squared : {joined, trained, wide, columns, last}) {
    Output square_sum = tf.ReduceSum(squared * squared);
    loss = loss + square_sum;
  }
  return {vars, tf.ReduceSum(loss)};
}

Status Restore(tfckpt::Graph* graph, tfckpt::Session* session,
               const Model& model, const std::string& prefix) {
  std::vector<tfckpt::Variable> variables;
  for (const GraphVariable& v : model.variables)
    variables.push_back(v.variable());
  tfckpt::SaverOptions options;
  options.name = "restore";
  TFCKPT_ASSIGN_OR_RETURN(auto restorer,
                          tfckpt::Saver::Create(graph, variables, options));
  return restorer->Restore(session, prefix);
}

Model BuildModel(GraphBuilder& tf, const std::string& name) {
  if (name == "cnn") return Cnn(tf);
  if (name == "binary") return Binary(tf);
  if (name == "shapes") return Shapes(tf);
  if (name != "mlp")
    tf.RecordError(tfckpt::InvalidArgumentError("unknown model " + name));
  return Mlp(tf);
}

Status Grads(const std::string& model_name, const std::string& init,
             const std::string& out) {
  tfckpt::Graph graph;
  GraphBuilder tf(&graph);
  Model model = BuildModel(tf, model_name);
  std::vector<GraphVariable> trainable;
  std::vector<Output> xs;
  for (const GraphVariable& v : model.variables) {
    if (!v.variable().def.trainable()) continue;
    trainable.push_back(v);
    xs.push_back(tfckpt::VariableRef(tf, v));
  }
  std::vector<Output> grads = tfckpt::Gradients(tf, {model.loss}, xs);
  TFCKPT_RETURN_IF_ERROR(tf.status());
  TFCKPT_ASSIGN_OR_RETURN(auto session, tfckpt::Session::Create(&graph));
  TFCKPT_RETURN_IF_ERROR(Restore(&graph, session.get(), model, init));
  std::vector<std::string> fetches;
  for (const Output& g : grads) fetches.push_back(g.name());
  TFCKPT_ASSIGN_OR_RETURN(auto values, session->Run({}, fetches, {}));
  TFCKPT_ASSIGN_OR_RETURN(auto writer, tfckpt::BundleWriter::Create(out));
  for (size_t i = 0; i < values.size(); ++i) {
    TFCKPT_RETURN_IF_ERROR(
        writer->Add(trainable[i].variable().name(), values[i]));
  }
  TFCKPT_RETURN_IF_ERROR(writer->Finish());
  return tfckpt::ExportMetaGraph(graph, out + ".meta").status();
}

Status Train(const std::string& model_name, const std::string& init,
             const std::string& optimizer_name, int steps,
             const std::string& out) {
  tfckpt::Graph graph;
  GraphBuilder tf(&graph);
  Model model = BuildModel(tf, model_name);
  GraphVariable global_step = tfckpt::CreateGlobalStep(tf);
  std::unique_ptr<tfckpt::Optimizer> optimizer;
  if (optimizer_name == "sgd") {
    optimizer = std::make_unique<tfckpt::GradientDescentOptimizer>(0.1);
  } else if (optimizer_name == "momentum") {
    optimizer = std::make_unique<tfckpt::MomentumOptimizer>(0.05, 0.9);
  } else if (optimizer_name == "adam") {
    optimizer = std::make_unique<tfckpt::AdamOptimizer>(0.01);
  } else {
    return tfckpt::InvalidArgumentError("unknown optimizer " + optimizer_name);
  }
  const std::string train =
      optimizer->Minimize(tf, model.loss, {}, &global_step).name();
  const std::string init_op = tf.GlobalVariablesInitializer().name();
  TFCKPT_RETURN_IF_ERROR(tf.status());
  TFCKPT_ASSIGN_OR_RETURN(auto saver, tfckpt::Saver::Create(&graph));
  TFCKPT_ASSIGN_OR_RETURN(auto session, tfckpt::Session::Create(&graph));
  TFCKPT_RETURN_IF_ERROR(session->Run({}, {}, {init_op}).status());
  TFCKPT_RETURN_IF_ERROR(Restore(&graph, session.get(), model, init));
  for (int step = 0; step < steps; ++step) {
    TFCKPT_RETURN_IF_ERROR(session->Run({}, {}, {train}).status());
  }
  tfckpt::SaverSaveOptions options;
  options.write_state = false;
  return saver->Save(session.get(), out, options).status();
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  Status status =
      tfckpt::InvalidArgumentError("usage: see gradients_driver.cc");
  if (args.size() == 4 && args[0] == "grads") {
    status = Grads(args[1], args[2], args[3]);
  } else if (args.size() == 6 && args[0] == "train") {
    status =
        Train(args[1], args[2], args[3], std::atoi(args[4].c_str()), args[5]);
  }
  if (!status.ok()) {
    std::cerr << "gradients_driver: " << status << "\n";
    return 1;
  }
  return 0;
}
