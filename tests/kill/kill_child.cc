// Saves checkpoints in a loop until killed (kill_test.cc kills it at random
// moments). Every tensor of the checkpoint for step s holds the value s, so
// a reader can tell a mixed or torn checkpoint from a complete one.
//
//   kill_child DIR FIRST_STEP [COUNT [same]]   COUNT saves (-1: forever);
//   "same" saves every step over the one prefix DIR/model, with no step.
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "tfckpt/checkpoint_saver.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: kill_child DIR FIRST_STEP [COUNT]\n";
    return 2;
  }
  const std::string dir = argv[1];
  const long first = std::atol(argv[2]);
  const long count = argc > 3 ? std::atol(argv[3]) : -1;
  const bool same_prefix = argc > 4 && std::string(argv[4]) == "same";
  tfckpt::CheckpointSaverOptions options;
  options.max_to_keep = 2;
  auto saver = tfckpt::CheckpointSaver::Create(options);
  if (!saver.ok()) {
    std::cerr << saver.status() << "\n";
    return 1;
  }
  // Adopt earlier runs' checkpoints so retention deletes them too.
  if (auto state = tfckpt::GetCheckpointState(dir); state.ok()) {
    (*saver)->RecoverLastCheckpoints(state->all_model_checkpoint_paths);
  }
  for (long step = first; count < 0 || step < first + count; ++step) {
    const auto value = static_cast<float>(step);
    // Large enough that a kill often lands inside a write.
    std::vector<float> values(256 * 1024, value);
    auto big = tfckpt::Tensor::FromValues<float>({static_cast<int64_t>(values.size())}, values);
    auto small = tfckpt::Tensor::FromValues<float>({1}, std::span<const float>(&value, 1));
    auto label = tfckpt::Tensor::FromStrings({}, {std::to_string(step)});
    if (!big.ok() || !small.ok() || !label.ok()) return 1;
    auto saved = (*saver)->Save({{"big", *big, ""}, {"small", *small, ""}, {"label", *label, ""}},
                                dir + "/model",
                                {.global_step = same_prefix ? std::nullopt : std::optional(step)});
    if (!saved.ok()) {
      std::cerr << saved.status() << "\n";
      return 1;
    }
  }
  return 0;
}
