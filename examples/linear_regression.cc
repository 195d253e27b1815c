// linear_regression: trains y = W*x + b in C++ with gradient descent, saves
// the model as TensorFlow does, then restores it into a fresh graph and
// predicts. The gradient of the mean squared error is written out as graph
// ops, so the whole loop runs in one Session::Run per step.
//
//   linear_regression [DIR]     DIR defaults to linear-regression-out
//
// TensorFlow loads the result: import_meta_graph("DIR/linear-200.meta"),
// restore, and fetch "prediction:0" feeding "x:0".
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tfckpt/checkpoint_state.h"
#include "tfckpt/graph.h"
#include "tfckpt/graph_builder.h"
#include "tfckpt/meta_graph.h"
#include "tfckpt/saver.h"
#include "tfckpt/session.h"
#include "tfckpt/tensor.h"

namespace {

using tfckpt::DataType;
using tfckpt::Graph;
using tfckpt::GraphBuilder;
using tfckpt::GraphVariable;
using tfckpt::Output;
using tfckpt::PartialShape;
using tfckpt::Saver;
using tfckpt::Session;
using tfckpt::Status;
using tfckpt::Tensor;

constexpr float kTrueW = 3.0f;
constexpr float kTrueB = 2.0f;
constexpr int kSteps = 200;

tfckpt::StatusOr<Tensor> Vector(const std::vector<float>& values) {
  return Tensor::FromValues<float>(tfckpt::TensorShape{static_cast<int64_t>(values.size())},
                                   values);
}

Status Train(const std::string& dir) {
  Graph graph;
  GraphBuilder tf(&graph);
  Output x = tf.Placeholder(DataType::kFloat, PartialShape({-1}), "x");
  Output y = tf.Placeholder(DataType::kFloat, PartialShape({-1}), "y");
  GraphVariable w = tf.Variable(0.0f, "W");
  GraphVariable b = tf.Variable(0.0f, "b");
  Output prediction = tf.Add(w * x, b, "prediction");
  Output error = prediction - y;
  Output loss = tf.ReduceMean(tf.Square(error), {}, false, "loss");
  // d(loss)/dW = mean(2 * error * x), d(loss)/db = mean(2 * error).
  Output grad_w = tf.ReduceMean(2.0 * error * x);
  Output grad_b = tf.ReduceMean(2.0 * error);
  const double learning_rate = 0.1;
  Output step_w = tf.AssignSub(w, learning_rate * grad_w);
  Output step_b = tf.AssignSub(b, learning_rate * grad_b);
  tfckpt::Operation train =
      tf.Group({{step_w.node()}, {step_b.node()}}, "train");
  tfckpt::Operation init = tf.GlobalVariablesInitializer();
  TFCKPT_RETURN_IF_ERROR(tf.status());

  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<Session> sess, Session::Create(&graph));
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<Saver> saver, Saver::Create(&graph));
  TFCKPT_RETURN_IF_ERROR(sess->Run({}, {}, {init.name()}).status());

  // 32 points on y = 3x + 2, with a small deterministic wobble.
  std::vector<float> xs, ys;
  for (int i = 0; i < 32; ++i) {
    const float xi = static_cast<float>(i) / 16.0f - 1.0f;
    xs.push_back(xi);
    ys.push_back(kTrueW * xi + kTrueB + 0.05f * static_cast<float>((i * 7) % 5 - 2));
  }
  TFCKPT_ASSIGN_OR_RETURN(Tensor x_data, Vector(xs));
  TFCKPT_ASSIGN_OR_RETURN(Tensor y_data, Vector(ys));
  std::cout << "Training y = W*x + b on 32 points of y = 3x + 2 (gradient descent, rate 0.1)\n";
  for (int step = 1; step <= kSteps; ++step) {
    TFCKPT_ASSIGN_OR_RETURN(
        auto out, sess->Run({{"x:0", x_data}, {"y:0", y_data}}, {loss.name()}, {train.name()}));
    if (step == 1 || step % 50 == 0) {
      TFCKPT_ASSIGN_OR_RETURN(auto wb, sess->Run({}, {w.name(), b.name()}, {}));
      std::printf("  step %3d: loss %.5f  W %.4f  b %.4f\n", step,
                  static_cast<double>(out[0].flat<float>()[0]),
                  static_cast<double>(wb[0].flat<float>()[0]),
                  static_cast<double>(wb[1].flat<float>()[0]));
    }
  }
  TFCKPT_ASSIGN_OR_RETURN(std::string prefix,
                          saver->Save(sess.get(), dir + "/linear", {.global_step = kSteps}));
  std::cout << "Saved " << prefix << " (.index, .data-00000-of-00001, .meta)\n";
  return tfckpt::OkStatus();
}

Status Predict(const std::string& dir) {
  Graph graph;
  TFCKPT_ASSIGN_OR_RETURN(auto latest, tfckpt::LatestCheckpoint(dir));
  if (!latest.has_value()) return tfckpt::NotFoundError("no checkpoint in " + dir);
  TFCKPT_ASSIGN_OR_RETURN(auto imported, tfckpt::ImportMetaGraph(&graph, *latest + ".meta"));
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<Session> sess, Session::Create(&graph));
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<Saver> saver,
                          Saver::FromImported(&graph, *imported.saver));
  TFCKPT_RETURN_IF_ERROR(saver->Restore(sess.get(), *latest));
  TFCKPT_ASSIGN_OR_RETURN(Tensor x_new, Vector({-2.0f, 0.5f, 10.0f}));
  TFCKPT_ASSIGN_OR_RETURN(auto out, sess->Run({{"x:0", x_new}}, {"prediction:0"}, {}));
  std::cout << "Restored " << *latest << " into a fresh graph; predictions:\n";
  const auto xs = x_new.flat<float>();
  const auto ys = out[0].flat<float>();
  for (size_t i = 0; i < xs.size(); ++i) {
    std::printf("  x = %5.1f -> %.3f (true line: %.3f)\n", static_cast<double>(xs[i]),
                static_cast<double>(ys[i]), static_cast<double>(kTrueW * xs[i] + kTrueB));
  }
  return tfckpt::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "linear-regression-out";
  std::error_code error;
  std::filesystem::remove_all(dir, error);
  std::filesystem::create_directories(dir, error);
  if (error) {
    std::cerr << "linear_regression: cannot create " << dir << ": " << error.message() << "\n";
    return 1;
  }
  Status status = Train(dir);
  if (status.ok()) status = Predict(dir);
  if (!status.ok()) {
    std::cerr << "linear_regression: " << status << "\n";
    return 1;
  }
  return 0;
}
