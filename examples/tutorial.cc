// tutorial: "A quick complete tutorial to save and restore Tensorflow models"
// in C++, step by step. Every file it writes is an ordinary TensorFlow file:
// tf.compat.v1.train.import_meta_graph and Saver.restore load them as they
// are.
//
//   tutorial [DIR]            DIR defaults to tutorial-out; emptied first
//   tutorial --restore DIR    only the restoring half of part 3, on a
//                             my_test_model-1000 that DIR already holds
//                             (e.g. written by the tutorial's Python code)
//
// 1-saving/     w1, w2 saved as my_test_model and my_test_model-1000
// 2-retention/  a training loop saving every 100 steps with max_to_keep=4
//               and keep_checkpoint_every_n_hours=2 on a simulated clock
// 3-restoring/  placeholders, the bias variable and op_to_restore; saved,
//               then imported into a fresh graph, restored and extended
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
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

namespace fs = std::filesystem;
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

// "[0.4962, -0.1386]" for a float tensor, "2" for a scalar.
std::string Values(const Tensor& tensor) {
  if (tensor.dtype() != DataType::kFloat) return tensor.DebugString();
  std::string out = tensor.shape().rank() == 0 ? "" : "[";
  const auto values = tensor.flat<float>();
  for (size_t i = 0; i < values.size(); ++i) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%s%.4g", i > 0 ? ", " : "",
                  static_cast<double>(values[i]));
    out += buffer;
  }
  return out + (tensor.shape().rank() == 0 ? "" : "]");
}

void ListFiles(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  for (const std::string& name : names) {
    std::cout << "    " << name << "  (" << fs::file_size(fs::path(dir) / name)
              << " bytes)\n";
  }
}

// Part 1: create variables, a Saver and a Session; save twice.
Status Saving(const std::string& dir) {
  std::cout << "\n== 1. Saving a model ==\n";
  Graph graph;
  GraphBuilder tf(&graph);
  GraphVariable w1 = tf.Variable(tf.RandomNormal({2}), "w1");
  GraphVariable w2 = tf.Variable(tf.RandomNormal({5}), "w2");
  TFCKPT_RETURN_IF_ERROR(tf.status());
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<Saver> saver, Saver::Create(&graph));
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<Session> sess, Session::Create(&graph));
  const std::string init = tf.GlobalVariablesInitializer().name();
  TFCKPT_RETURN_IF_ERROR(tf.status());
  TFCKPT_RETURN_IF_ERROR(sess->Run({}, {}, {init}).status());
  std::cout << "w1 = Variable(RandomNormal({2}), \"w1\"), w2 = Variable(RandomNormal({5}), "
               "\"w2\"), initialized:\n";
  TFCKPT_ASSIGN_OR_RETURN(auto values, sess->Run({}, {w1.name(), w2.name()}, {}));
  std::cout << "  w1 = " << Values(values[0]) << "\n  w2 = " << Values(values[1]) << "\n";

  TFCKPT_ASSIGN_OR_RETURN(std::string first, saver->Save(sess.get(), dir + "/my_test_model"));
  std::cout << "saver.Save(sess, \"my_test_model\") wrote " << first << "\n";
  TFCKPT_ASSIGN_OR_RETURN(std::string second,
                          saver->Save(sess.get(), dir + "/my_test_model",
                                      {.global_step = 1000}));
  std::cout << "with global_step = 1000 it wrote " << second << ". The directory now holds:\n";
  ListFiles(dir);
  std::cout << "  .index + .data-00000-of-00001 hold the values (tensor bundle V2), .meta the\n"
               "  graph (MetaGraphDef), and `checkpoint` names the latest checkpoint.\n";
  return tfckpt::OkStatus();
}

// Part 2: max_to_keep and keep_checkpoint_every_n_hours, on a clock that
// advances 50 minutes per 100 training steps.
Status Retention(const std::string& dir) {
  std::cout << "\n== 2. Keeping the newest 4 checkpoints, plus one every 2 hours ==\n";
  Graph graph;
  GraphBuilder tf(&graph);
  GraphVariable w = tf.Variable(tf.Zeros({3}), "w");
  Output train_step = tf.AssignAdd(w, tf.Ones({3}));
  const std::string init = tf.GlobalVariablesInitializer().name();
  TFCKPT_RETURN_IF_ERROR(tf.status());
  double now = 0.0;  // simulated seconds since training started
  TFCKPT_ASSIGN_OR_RETURN(
      std::unique_ptr<Saver> saver,
      Saver::Create(&graph, {.max_to_keep = 4,
                             .keep_checkpoint_every_n_hours = 2,
                             .clock = [&now] { return now; }}));
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<Session> sess, Session::Create(&graph));
  TFCKPT_RETURN_IF_ERROR(sess->Run({}, {}, {init}).status());
  std::cout << "Saver({.max_to_keep = 4, .keep_checkpoint_every_n_hours = 2}); a save every 100\n"
               "steps, 50 simulated minutes apart. A checkpoint that falls out of the newest 4\n"
               "is deleted, unless it was saved 2 hours or more after the last one kept.\n";
  auto name = [](const std::string& prefix) { return fs::path(prefix).filename().string(); };
  for (int step = 1; step <= 1200; ++step) {
    TFCKPT_RETURN_IF_ERROR(sess->Run({}, {}, {train_step.node()->name()}).status());
    now += 30.0;
    if (step % 100 != 0) continue;
    const std::vector<std::string> before = saver->last_checkpoints();
    TFCKPT_RETURN_IF_ERROR(
        saver->Save(sess.get(), dir + "/model",
                    {.global_step = step, .write_meta_graph = step == 100})
            .status());
    const std::vector<std::string> newest = saver->last_checkpoints();
    char clock[32];
    std::snprintf(clock, sizeof clock, "%dh%02dm", static_cast<int>(now / 3600),
                  static_cast<int>(now / 60) % 60);
    std::cout << "  step " << step << " at " << clock << ": saved model-" << step;
    for (const std::string& old : before) {
      if (std::find(newest.begin(), newest.end(), old) != newest.end()) continue;
      const bool kept = fs::exists(old + ".index");
      std::cout << "; " << name(old)
                << (kept ? " leaves the newest 4 but is KEPT (2-hour rule)"
                         : " leaves the newest 4 and is deleted");
    }
    std::cout << "\n";
  }
  std::cout << "Checkpoints left on disk:";
  std::map<int, std::string> left;  // by step
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".index") continue;
    const std::string prefix = entry.path().stem().string();
    int step = 0;
    const std::string digits = prefix.substr(prefix.rfind('-') + 1);
    std::from_chars(digits.data(), digits.data() + digits.size(), step);
    left.emplace(step, prefix);
  }
  for (const auto& [step, prefix] : left) std::cout << " " << prefix;
  std::cout << "\n  (the newest 4, and the ones the 2-hour rule kept)\n";
  return tfckpt::OkStatus();
}

// Part 3, first half: a model with placeholders, saved at step 1000.
Status SaveForRestoring(const std::string& dir) {
  std::cout << "\n== 3. Working with restored models ==\n";
  Graph graph;
  GraphBuilder tf(&graph);
  Output w1 = tf.Placeholder(DataType::kFloat, PartialShape::Unknown(), "w1");
  Output w2 = tf.Placeholder(DataType::kFloat, PartialShape::Unknown(), "w2");
  GraphVariable b1 = tf.Variable(2.0f, "bias");
  Output w3 = tf.Add(w1, w2);
  Output w4 = tf.Multiply(w3, b1, "op_to_restore");
  const std::string init = tf.GlobalVariablesInitializer().name();
  TFCKPT_RETURN_IF_ERROR(tf.status());
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<Session> sess, Session::Create(&graph));
  TFCKPT_RETURN_IF_ERROR(sess->Run({}, {}, {init}).status());
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<Saver> saver, Saver::Create(&graph));
  TFCKPT_ASSIGN_OR_RETURN(
      auto result, sess->Run({{"w1:0", Tensor::Scalar(4.0f)}, {"w2:0", Tensor::Scalar(8.0f)}},
                             {w4.name()}, {}));
  std::cout << "op_to_restore = (w1 + w2) * bias, with w1 = 4, w2 = 8 and bias = 2: "
            << Values(result[0]) << "\n";
  TFCKPT_ASSIGN_OR_RETURN(std::string prefix,
                          saver->Save(sess.get(), dir + "/my_test_model",
                                      {.global_step = 1000}));
  std::cout << "saved " << prefix << " (+ .meta)\n";
  return tfckpt::OkStatus();
}

// Part 3, second half: a fresh graph and session, as in a new program.
Status Restoring(const std::string& dir) {
  Graph graph;
  TFCKPT_ASSIGN_OR_RETURN(tfckpt::ImportMetaGraphResult imported,
                          tfckpt::ImportMetaGraph(&graph, dir + "/my_test_model-1000.meta"));
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<Session> sess, Session::Create(&graph));
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<Saver> saver,
                          Saver::FromImported(&graph, *imported.saver));
  TFCKPT_ASSIGN_OR_RETURN(std::optional<std::string> latest, tfckpt::LatestCheckpoint(dir));
  if (!latest.has_value()) return tfckpt::NotFoundError("no checkpoint in " + dir);
  TFCKPT_RETURN_IF_ERROR(saver->Restore(sess.get(), *latest));
  std::cout << "ImportMetaGraph(\"my_test_model-1000.meta\") into a new graph; Restore(sess, "
               "LatestCheckpoint(dir)) loaded " << *latest << "\n";
  TFCKPT_ASSIGN_OR_RETURN(auto bias, sess->Run({}, {"bias:0"}, {}));
  std::cout << "  sess.Run(\"bias:0\") = " << Values(bias[0]) << "\n";

  GraphBuilder tf(&graph);
  Output w1 = tf.GetTensorByName("w1:0");
  Output w2 = tf.GetTensorByName("w2:0");
  Output op_to_restore = tf.GetTensorByName("op_to_restore:0");
  TFCKPT_RETURN_IF_ERROR(tf.status());
  const std::vector<std::pair<std::string, Tensor>> feed = {
      {w1.name(), Tensor::Scalar(13.0f)}, {w2.name(), Tensor::Scalar(17.0f)}};
  TFCKPT_ASSIGN_OR_RETURN(auto restored, sess->Run(feed, {op_to_restore.name()}, {}));
  std::cout << "  feeding w1 = 13, w2 = 17 to op_to_restore:0 gives " << Values(restored[0])
            << "  ((13 + 17) * 2)\n";
  Output add_on_op = tf.Multiply(op_to_restore, 2);
  TFCKPT_RETURN_IF_ERROR(tf.status());
  TFCKPT_ASSIGN_OR_RETURN(auto extended, sess->Run(feed, {add_on_op.name()}, {}));
  std::cout << "  a new op on the restored graph, Multiply(op_to_restore, 2) ("
            << add_on_op.name() << "), gives " << Values(extended[0]) << "\n";
  return tfckpt::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--restore") {
    const Status status = Restoring(argv[2]);
    if (!status.ok()) std::cerr << "tutorial: " << status << "\n";
    return status.ok() ? 0 : 1;
  }
  if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
    std::cerr << "usage: tutorial [DIR] | tutorial --restore DIR\n";
    return 2;
  }
  const std::string dir = argc > 1 ? argv[1] : "tutorial-out";
  std::error_code error;
  fs::remove_all(dir, error);
  for (const char* part : {"1-saving", "2-retention", "3-restoring"}) {
    fs::create_directories(fs::path(dir) / part, error);
    if (error) {
      std::cerr << "tutorial: cannot create " << dir << "/" << part << ": "
                << error.message() << "\n";
      return 1;
    }
  }
  Status status = Saving(dir + "/1-saving");
  if (status.ok()) status = Retention(dir + "/2-retention");
  if (status.ok()) status = SaveForRestoring(dir + "/3-restoring");
  if (status.ok()) status = Restoring(dir + "/3-restoring");
  if (!status.ok()) {
    std::cerr << "tutorial: " << status << "\n";
    return 1;
  }
  std::cout << "\nEverything above is plain TensorFlow: load it with "
               "tf.compat.v1.train.import_meta_graph and Saver.restore.\n";
  return 0;
}
