// Saves checkpoints in a loop (kill_test.cc kills it at random moments and
// runs several at once). Every tensor of the checkpoint for step s holds s
// (step_checkpoint.h), so a reader can tell a mixed or torn checkpoint from
// a complete one. After each save returns OK it prints "saved PREFIX" on
// stdout, so the parent knows which checkpoints were reported saved.
//
//   kill_child DIR FIRST_STEP [COUNT [MODE [nolock]]]
//     COUNT  saves (-1: forever)
//     MODE   steps: CheckpointSaver, a new prefix DIR/model-<step> per save
//            same:  CheckpointSaver, every save over the one prefix DIR/model
//            graph: the graph-level Saver running SaveV2 in a Session, as steps
//     nolock saves without the save-directory lock (to show what it prevents)
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/kill/step_checkpoint.h"
#include "tfckpt/checkpoint_saver.h"
#include "tfckpt/saver.h"

namespace {

using tfckpt::Status;
using tfckpt::StatusOr;

// One save of `step`, whichever saver the mode uses.
class StepSaver {
 public:
  virtual ~StepSaver() = default;
  virtual StatusOr<std::string> Save(int64_t step) = 0;
};

class TensorSaver final : public StepSaver {
 public:
  TensorSaver(std::unique_ptr<tfckpt::CheckpointSaver> saver, std::string dir, bool same_prefix)
      : saver_(std::move(saver)), dir_(std::move(dir)), same_prefix_(same_prefix) {}
  StatusOr<std::string> Save(int64_t step) override {
    TFCKPT_ASSIGN_OR_RETURN(std::vector<tfckpt::SaveEntry> tensors,
                            tfckpt::testing::StepTensors(step));
    tfckpt::CheckpointSaver::SaveOptions options;
    if (!same_prefix_) options.global_step = step;
    return saver_->Save(std::move(tensors), dir_ + "/model", options);
  }

 private:
  std::unique_ptr<tfckpt::CheckpointSaver> saver_;
  std::string dir_;
  bool same_prefix_;
};

class GraphSaver final : public StepSaver {
 public:
  StatusOr<std::string> Save(int64_t step) override {
    TFCKPT_RETURN_IF_ERROR(tfckpt::testing::AssignStep(session.get(), step));
    tfckpt::SaverSaveOptions options;
    options.global_step = step;
    return saver->Save(session.get(), dir + "/model", options);
  }

  tfckpt::Graph graph;
  std::unique_ptr<tfckpt::Session> session;
  std::unique_ptr<tfckpt::Saver> saver;
  std::string dir;
};

StatusOr<std::unique_ptr<StepSaver>> MakeSaver(const std::string& dir, const std::string& mode,
                                               bool lock) {
  // Adopt earlier runs' checkpoints so retention deletes them too.
  std::vector<std::string> earlier;
  if (auto state = tfckpt::GetCheckpointState(dir); state.ok()) {
    earlier = state->all_model_checkpoint_paths;
  }
  if (mode == "graph") {
    if (!lock) return tfckpt::InvalidArgumentError("nolock is for the tensor modes");
    auto saver = std::make_unique<GraphSaver>();
    saver->dir = dir;
    TFCKPT_RETURN_IF_ERROR(tfckpt::testing::BuildStepGraph(&saver->graph));
    TFCKPT_ASSIGN_OR_RETURN(saver->session, tfckpt::Session::Create(&saver->graph));
    tfckpt::SaverOptions options;
    options.max_to_keep = 2;
    TFCKPT_ASSIGN_OR_RETURN(saver->saver, tfckpt::Saver::Create(&saver->graph, options));
    saver->saver->RecoverLastCheckpoints(earlier);
    return std::unique_ptr<StepSaver>(std::move(saver));
  }
  if (mode != "steps" && mode != "same") {
    return tfckpt::InvalidArgumentError("unknown mode '" + mode + "'");
  }
  tfckpt::CheckpointSaverOptions options;
  options.max_to_keep = 2;
  options.lock_save_dir = lock;
  TFCKPT_ASSIGN_OR_RETURN(auto saver, tfckpt::CheckpointSaver::Create(options));
  saver->RecoverLastCheckpoints(earlier);
  return std::unique_ptr<StepSaver>(
      std::make_unique<TensorSaver>(std::move(saver), dir, mode == "same"));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: kill_child DIR FIRST_STEP [COUNT [MODE [nolock]]]\n";
    return 2;
  }
  const std::string dir = argv[1];
  const long first = std::atol(argv[2]);
  const long count = argc > 3 ? std::atol(argv[3]) : -1;
  const std::string mode = argc > 4 ? argv[4] : "steps";
  const bool lock = !(argc > 5 && std::string(argv[5]) == "nolock");
  auto saver = MakeSaver(dir, mode, lock);
  if (!saver.ok()) {
    std::cerr << saver.status() << "\n";
    return 1;
  }
  for (long step = first; count < 0 || step < first + count; ++step) {
    auto saved = (*saver)->Save(step);
    if (!saved.ok()) {
      std::cerr << saved.status() << "\n";
      return 1;
    }
    // One write(2) per line: the parent may kill us at any moment, and must
    // never see a save reported that did not complete.
    const std::string line = "saved " + *saved + "\n";
    if (write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      return 1;
    }
  }
  return 0;
}
