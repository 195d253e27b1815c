// CheckpointSaver: saves named tensors as TensorFlow V2 checkpoints with the
// bookkeeping of TensorFlow's tf.compat.v1.train.Saver: step-numbered
// prefixes, the `checkpoint` state file, and retention by max_to_keep and
// keep_checkpoint_every_n_hours.
//
//   CheckpointSaverOptions options;
//   options.max_to_keep = 4;
//   options.keep_checkpoint_every_n_hours = 2;
//   TFCKPT_ASSIGN_OR_RETURN(auto saver, CheckpointSaver::Create(options));
//   TFCKPT_ASSIGN_OR_RETURN(std::string prefix,
//                           saver->Save(tensors, "ckpt/model", 1000));
//   // prefix == "ckpt/model-1000"
//
// Retention follows TensorFlow exactly: each save records its prefix (a
// re-saved prefix moves to the newest place); when more than max_to_keep are
// tracked, the oldest leaves the list (at most one per save) and is deleted
// unless its save time is past the N-hours mark, in which case it is kept
// forever and the mark advances by N hours. The mark starts N hours after
// Create(). An existing state file is not read: adopt its checkpoints with
// RecoverLastCheckpoints().
//
// Crash safety goes beyond TensorFlow: the state file names a checkpoint
// only after all of its files are durable; a killed save leaves at worst
// stray temporary files, which readers ignore and the next save in that
// directory deletes; saving over an existing prefix first writes a complete
// copy under "<prefix>.staged-<n>" that the state file names meanwhile
// (a kill then leaves that copy as the latest checkpoint); retention never
// deletes a checkpoint that is still tracked, so the newest complete
// checkpoint survives.
//
// Processes sharing a save directory take turns (lock_save_dir): each save,
// from writing the files to updating the state file and deleting old
// checkpoints, holds an exclusive lock on the directory itself, so
// two savers never interleave their files or state updates. Each still
// writes its own list of checkpoints to the state file, as in TensorFlow
// (the last save's list wins). Readers take no lock: they always see a
// complete checkpoint anyway (see above).
//
// Thread safety: needs outside synchronization.
#ifndef TFCKPT_CHECKPOINT_SAVER_H_
#define TFCKPT_CHECKPOINT_SAVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tfckpt/bundle_writer.h"
#include "tfckpt/checkpoint_state.h"
#include "tfckpt/file_system.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"
#include "tfckpt/tensor.h"

namespace tfckpt {

// Seconds since the Unix epoch, as a double (TensorFlow's time.time()).
using Clock = std::function<double()>;
// The system clock.
double SystemTime();

struct CheckpointSaverOptions {
  // Newest checkpoints to keep; 0 keeps every checkpoint and tracks none
  // (the state file then lists only the newest). Negative is rejected.
  int max_to_keep = 5;
  // Keep one checkpoint per this many hours of saving, beyond max_to_keep.
  double keep_checkpoint_every_n_hours = 10000.0;
  // "model-00001000" instead of "model-1000".
  bool pad_step_number = false;
  // Write state-file paths relative to the save directory.
  bool save_relative_paths = false;
  std::string latest_filename = std::string(kDefaultLatestFilename);
  // Suffix of the meta graph file deleted along with a dropped checkpoint.
  std::string meta_graph_suffix = "meta";
  // nullptr means FileSystem::Default(); must outlive the saver.
  FileSystem* file_system = nullptr;
  // Empty means SystemTime.
  Clock clock;
  // Hold an exclusive flock(2) on the save directory during each save (no
  // file is created; TensorFlow takes no such lock).
  // Taken only with the default (local) file system, as other file systems
  // have no such lock.
  bool lock_save_dir = true;
  // Data files per checkpoint, written in parallel (WriteBundle). 1 writes
  // files byte-identical to TensorFlow's Saver; more spread a large save
  // over several cores.
  int num_shards = 1;
};

class CheckpointSaver {
 public:
  // INVALID_ARGUMENT for a negative max_to_keep, a non-positive N-hours value
  // or a latest_filename with a directory part.
  static StatusOr<std::unique_ptr<CheckpointSaver>> Create(CheckpointSaverOptions options = {});

  ~CheckpointSaver();
  CheckpointSaver(const CheckpointSaver&) = delete;
  CheckpointSaver& operator=(const CheckpointSaver&) = delete;

  struct SaveOptions {
    // Appended to the prefix as "-<step>".
    std::optional<int64_t> global_step;
    // false: only write the checkpoint; no state file, no retention.
    bool write_state = true;
    // When set, writes the checkpoint at the given prefix instead of the
    // tensors (the graph-level Saver runs its save ops here); naming, state
    // and retention are unchanged.
    std::function<Status(const std::string& prefix)> write = nullptr;
    // The state file of this save (TF's Saver.save(latest_filename=...));
    // empty means CheckpointSaverOptions::latest_filename. Retention keeps
    // one list whatever file each save names, as in TensorFlow.
    std::string latest_filename = {};
  };

  // Writes the tensors (in name order, as TensorFlow's Saver does) to the
  // prefix built from `save_path` and the step, records it in the state file
  // of dirname(save_path), applies retention, and returns the prefix.
  StatusOr<std::string> Save(std::vector<SaveEntry> tensors, const std::string& save_path,
                             SaveOptions save_options);
  StatusOr<std::string> Save(std::vector<SaveEntry> tensors, const std::string& save_path) {
    return Save(std::move(tensors), save_path, SaveOptions{});
  }

  // The tracked prefixes, oldest first.
  std::vector<std::string> last_checkpoints() const;

  // Replaces the tracked list with (prefix, Unix time of its save) pairs.
  void SetLastCheckpointsWithTime(std::vector<std::pair<std::string, double>> checkpoints);

  // Tracks existing checkpoints (e.g. the state file's list), timed by the
  // modification time of their files; prefixes without files are dropped.
  void RecoverLastCheckpoints(const std::vector<std::string>& prefixes);

 private:
  struct Rep;
  explicit CheckpointSaver(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace tfckpt

#endif  // TFCKPT_CHECKPOINT_SAVER_H_
