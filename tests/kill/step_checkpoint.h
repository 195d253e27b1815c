// Checkpoints whose every tensor carries the step they were saved at, so a
// reader can tell a complete checkpoint from a torn or mixed one: "big"
// (float [kBigElements], large enough that kills and faults land inside its
// write), "small" (float [1]) and "label" (string scalar, the step in
// decimal). Written either as tensors (CheckpointSaver) or by a graph's save
// ops (the graph-level Saver over three variables).
#ifndef TFCKPT_TESTS_KILL_STEP_CHECKPOINT_H_
#define TFCKPT_TESTS_KILL_STEP_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tfckpt/checkpoint_saver.h"
#include "tfckpt/file_system.h"
#include "tfckpt/graph.h"
#include "tfckpt/session.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt::testing {

inline constexpr int64_t kBigElements = 256 * 1024;

// The three tensors of `step`.
StatusOr<std::vector<SaveEntry>> StepTensors(int64_t step);

// Imports three VariableV2 nodes ("big", "small", "label") with
// placeholder-fed Assign ops into `graph` and lists them in its "variables"
// collection, so Saver::Create(graph) saves them.
Status BuildStepGraph(Graph* graph);

// Runs the Assign ops of BuildStepGraph with the values of `step`.
Status AssignStep(Session* session, int64_t step);

// Opens `prefix`, verifies every checksum and checks that all three tensors
// carry one step; returns it. DATA_LOSS naming the prefix when they
// disagree; the reader's error when the checkpoint does not open or verify.
StatusOr<int64_t> CheckStepCheckpoint(const std::string& prefix, FileSystem* fs = nullptr);

}  // namespace tfckpt::testing

#endif  // TFCKPT_TESTS_KILL_STEP_CHECKPOINT_H_
