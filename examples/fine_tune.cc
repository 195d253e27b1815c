// fine_tune: the tutorial's last section in C++. A pre-trained model is
// imported from its meta graph and checkpoint, cut at a layer with
// StopGradient, extended with a new softmax layer, and only the new layer
// is initialized and trained (GradientDescent); the result is saved as an
// ordinary TensorFlow checkpoint with the extended meta graph.
//
//   fine_tune OUT_DIR
//       builds and saves a small CNN itself first (OUT_DIR/base/model),
//       then fine-tunes it
//   fine_tune OUT_DIR --model PREFIX [--input x:0] [--cut features:0]
//       fine-tunes the model at PREFIX (PREFIX.meta + checkpoint), e.g. one
//       TensorFlow trained; --input names its image placeholder
//       ([batch, 8, 8, 1] floats) and --cut the tensor to build on
//
// The fine-tuned model goes to OUT_DIR/fine_tuned/model-<steps>. The new
// layer is "fine_tune/..." (logits, loss, labels placeholder).
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tfckpt/gradients.h"
#include "tfckpt/graph.h"
#include "tfckpt/graph_builder.h"
#include "tfckpt/meta_graph.h"
#include "tfckpt/optimizers.h"
#include "tfckpt/saver.h"
#include "tfckpt/session.h"
#include "tfckpt/tensor.h"

namespace {

namespace fs = std::filesystem;
using tfckpt::ConvOptions;
using tfckpt::DataType;
using tfckpt::Graph;
using tfckpt::GraphBuilder;
using tfckpt::GraphVariable;
using tfckpt::Output;
using tfckpt::PartialShape;
using tfckpt::RandomOptions;
using tfckpt::Saver;
using tfckpt::Session;
using tfckpt::Status;
using tfckpt::StatusOr;
using tfckpt::Tensor;

constexpr int kImageSize = 8;
constexpr int kClasses = 3;
constexpr int kBatch = 24;
constexpr int kSteps = 60;

struct Batch {
  Tensor images;  // [kBatch, 8, 8, 1]
  Tensor labels;  // [kBatch, kClasses], one-hot
};

// A fixed, learnable task: an image's class is the quadrant band (top,
// middle or bottom rows) where its bright blob sits.
StatusOr<Batch> MakeBatch() {
  std::vector<float> images(kBatch * kImageSize * kImageSize);
  std::vector<float> labels(kBatch * kClasses, 0.0f);
  uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return static_cast<float>(state >> 8) / static_cast<float>(1u << 24);
  };
  for (int n = 0; n < kBatch; ++n) {
    const int label = n % kClasses;
    const int row = 1 + label * 2 + static_cast<int>(next() * 2.0f);
    const int col = 1 + static_cast<int>(next() * 5.0f);
    for (int i = 0; i < kImageSize * kImageSize; ++i) {
      const int r = i / kImageSize;
      const int c = i % kImageSize;
      const bool blob = std::abs(r - row) <= 1 && std::abs(c - col) <= 1;
      images[static_cast<size_t>(n * kImageSize * kImageSize + i)] =
          (blob ? 1.0f : 0.0f) + 0.1f * next();
    }
    labels[static_cast<size_t>(n * kClasses + label)] = 1.0f;
  }
  TFCKPT_ASSIGN_OR_RETURN(
      Tensor image_tensor,
      Tensor::FromValues(
          tfckpt::TensorShape({kBatch, kImageSize, kImageSize, 1}),
          std::span<const float>(images)));
  TFCKPT_ASSIGN_OR_RETURN(
      Tensor label_tensor,
      Tensor::FromValues(tfckpt::TensorShape({kBatch, kClasses}),
                         std::span<const float>(labels)));
  return Batch{std::move(image_tensor), std::move(label_tensor)};
}

// The pre-trained model when no file is given: conv 3x3x4 + ReLU + 2x2 max
// pool, flattened to "features" [batch, 64]; saved as DIR/model.
StatusOr<std::string> BuildBaseModel(const std::string& dir) {
  Graph graph;
  GraphBuilder tf(&graph);
  tf.SetRandomSeed(7);
  Output x = tf.Placeholder(DataType::kFloat,
                            PartialShape({-1, kImageSize, kImageSize, 1}), "x");
  Output features;
  {
    GraphBuilder::ScopeGuard scope = tf.NameScope("conv");
    GraphVariable w =
        tf.Variable(tf.TruncatedNormal({3, 3, 1, 4}, {.stddev = 0.5}), "w");
    GraphVariable b = tf.Variable(tf.Fill(0.1, {4}), "b");
    Output conv = tf.Relu(tf.BiasAdd(tf.Conv2D(x, w, {.padding = "SAME"}), b));
    Output pooled = tf.MaxPool(conv, {1, 2, 2, 1},
                               {.strides = {1, 2, 2, 1}, .padding = "VALID"});
    features = tf.Reshape(pooled, {-1, 64}, "features");
  }
  const std::string init = tf.GlobalVariablesInitializer().name();
  TFCKPT_RETURN_IF_ERROR(tf.status());
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                          Session::Create(&graph));
  TFCKPT_RETURN_IF_ERROR(session->Run({}, {}, {init}).status());
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<Saver> saver, Saver::Create(&graph));
  tfckpt::SaverSaveOptions options;
  options.write_state = false;
  return saver->Save(session.get(), dir + "/model", options);
}

double Scalar(const Tensor& t) {
  return static_cast<double>(t.flat<float>()[0]);
}

Status FineTune(const std::string& prefix, const std::string& input_name,
                const std::string& cut_name, const std::string& out_dir) {
  Graph graph;
  TFCKPT_ASSIGN_OR_RETURN(tfckpt::ImportMetaGraphResult imported,
                          tfckpt::ImportMetaGraph(&graph, prefix + ".meta"));
  if (!imported.saver.has_value()) {
    return tfckpt::InvalidArgumentError(prefix +
                                        ".meta has no variables to restore");
  }
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                          Session::Create(&graph));
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<Saver> restorer,
                          Saver::FromImported(&graph, *imported.saver));
  TFCKPT_RETURN_IF_ERROR(restorer->Restore(session.get(), prefix));
  std::cout << "restored " << prefix << "\n";

  // Cut at the pre-trained features and add a new softmax layer.
  GraphBuilder tf(&graph);
  tf.SetRandomSeed(1);
  Output features =
      tf.StopGradient(tf.GetTensorByName(cut_name), "frozen_features");
  TFCKPT_RETURN_IF_ERROR(tf.status());
  const PartialShape shape = features.shape();
  if (!shape.rank_known() || shape.rank() != 2 || shape.dim(1) < 0) {
    return tfckpt::InvalidArgumentError(
        "--cut " + cut_name + " must be [batch, n] with n known, not " +
        shape.ToString());
  }
  Output labels;
  Output loss;
  std::string train;
  std::string init;
  {
    GraphBuilder::ScopeGuard scope = tf.NameScope("fine_tune");
    labels = tf.Placeholder(DataType::kFloat, PartialShape({-1, kClasses}),
                            "labels");
    GraphVariable w = tf.Variable(
        tf.TruncatedNormal({shape.dim(1), kClasses}, {.stddev = 0.1}), "w");
    GraphVariable b = tf.Variable(tf.Zeros({kClasses}), "b");
    Output logits = tf.BiasAdd(tf.MatMul(features, w), b, "logits");
    loss = tf.ReduceMean(tf.SoftmaxCrossEntropyWithLogits(labels, logits), {},
                         false, "loss");
    tfckpt::GradientDescentOptimizer sgd(0.5);
    train = sgd.Minimize(tf, loss, {w, b}).name();
    // Only the new variables: the restored ones keep their values.
    init = tf.VariablesInitializer({w, b}).name();
  }
  TFCKPT_RETURN_IF_ERROR(tf.status());

  TFCKPT_ASSIGN_OR_RETURN(Batch batch, MakeBatch());
  const std::vector<std::pair<std::string, Tensor>> feeds = {
      {input_name, batch.images}, {labels.name(), batch.labels}};
  TFCKPT_RETURN_IF_ERROR(session->Run({}, {}, {init}).status());
  TFCKPT_ASSIGN_OR_RETURN(auto first, session->Run(feeds, {loss.name()}, {}));
  for (int step = 0; step < kSteps; ++step) {
    TFCKPT_RETURN_IF_ERROR(session->Run(feeds, {}, {train}).status());
  }
  TFCKPT_ASSIGN_OR_RETURN(auto last, session->Run(feeds, {loss.name()}, {}));
  std::cout << "loss before: " << Scalar(first[0]) << "\n"
            << "loss after " << kSteps << " steps: " << Scalar(last[0]) << "\n";

  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<Saver> saver, Saver::Create(&graph));
  TFCKPT_ASSIGN_OR_RETURN(
      std::string saved,
      saver->Save(session.get(), out_dir + "/model", {.global_step = kSteps}));
  std::cout << "saved " << saved << "\n";
  return tfckpt::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string out_dir;
  std::string model;
  std::string input_name = "x:0";
  std::string cut_name = "conv/features:0";
  for (size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--model" && has_value) {
      model = args[++i];
    } else if (args[i] == "--input" && has_value) {
      input_name = args[++i];
    } else if (args[i] == "--cut" && has_value) {
      cut_name = args[++i];
    } else if (out_dir.empty() && !args[i].starts_with("-")) {
      out_dir = args[i];
    } else {
      out_dir.clear();
      break;
    }
  }
  if (out_dir.empty()) {
    std::cerr << "usage: fine_tune OUT_DIR [--model PREFIX] [--input NAME] "
                 "[--cut NAME]\n";
    return 2;
  }
  std::error_code error;
  fs::create_directories(fs::path(out_dir) / "fine_tuned", error);
  if (!error && model.empty())
    fs::create_directories(fs::path(out_dir) / "base", error);
  if (error) {
    std::cerr << "fine_tune: cannot create " << out_dir << ": "
              << error.message() << "\n";
    return 1;
  }
  Status status = tfckpt::OkStatus();
  if (model.empty()) {
    StatusOr<std::string> base = BuildBaseModel(out_dir + "/base");
    if (base.ok()) {
      model = *base;
      std::cout << "built and saved the base model " << model << "\n";
    }
    status = base.status();
  }
  if (status.ok())
    status = FineTune(model, input_name, cut_name, out_dir + "/fine_tuned");
  if (!status.ok()) {
    std::cerr << "fine_tune: " << status << "\n";
    return 1;
  }
  return 0;
}
