// The `checkpoint` state file that records a directory's latest checkpoints,
// and the look-ups built on it (TensorFlow's tf.train.latest_checkpoint,
// get_checkpoint_state, checkpoint_exists, get_checkpoint_mtimes).
//
//   TFCKPT_ASSIGN_OR_RETURN(std::optional<std::string> latest,
//                           LatestCheckpoint("./"));
//   if (latest) Use(*latest);  // "./my_test_model-1000"
//
// The file is text-format tensorflow.CheckpointState. Reading accepts every
// form TensorFlow writes (relative or absolute paths, V1 glob patterns,
// timestamps, escaped strings); writing renders it exactly as TensorFlow's
// Python text_format does, atomically (temp file, fsync, rename, fsync dir).
//
// Thread safety: functions are thread-compatible; concurrent writers of one
// state file overwrite each other, as in TensorFlow.
#ifndef TFCKPT_CHECKPOINT_STATE_H_
#define TFCKPT_CHECKPOINT_STATE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tfckpt/file_system.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt {

inline constexpr std::string_view kDefaultLatestFilename = "checkpoint";

struct CheckpointState {
  // Newest checkpoint prefix.
  std::string model_checkpoint_path;
  // Tracked checkpoints, oldest first; the newest is model_checkpoint_path.
  std::vector<std::string> all_model_checkpoint_paths;
  // Unix seconds parallel to the paths (written by TF2's CheckpointManager).
  std::vector<double> all_model_checkpoint_timestamps;
  // 0 when absent.
  double last_preserved_timestamp = 0;

  friend bool operator==(const CheckpointState&, const CheckpointState&) = default;
};

// Parses the text of a state file. DATA_LOSS (with the parser's line and
// column) when it is not valid text format; `source` names it in messages.
StatusOr<CheckpointState> ParseCheckpointState(std::string_view text,
                                               std::string_view source);

// Renders the state as TensorFlow writes it: one "field: value" line per
// value in field order, C-escaped strings, Python float formatting.
std::string FormatCheckpointState(const CheckpointState& state);

// Reads <dir>/<latest_filename>. Relative paths in it are joined onto `dir`.
// NOT_FOUND when the file does not exist; DATA_LOSS when it cannot be
// parsed; INVALID_ARGUMENT when model_checkpoint_path is empty.
StatusOr<CheckpointState> GetCheckpointState(
    const std::string& dir,
    std::string_view latest_filename = kDefaultLatestFilename,
    FileSystem* fs = nullptr);

// The newest checkpoint prefix of `dir`, or nullopt when there is no state
// file or the recorded checkpoint's files are missing (TensorFlow never
// falls back to older entries). Errors only for unreadable or corrupt state.
StatusOr<std::optional<std::string>> LatestCheckpoint(
    const std::string& dir,
    std::string_view latest_filename = kDefaultLatestFilename,
    FileSystem* fs = nullptr);

// How GetCheckpointState and LatestCheckpoint read a state file.
struct CheckpointStateReadOptions {
  std::string_view latest_filename = kDefaultLatestFilename;
  // nullptr means FileSystem::Default().
  FileSystem* file_system = nullptr;
  // TensorFlow follows every path a state file holds, absolute or with
  // "..", so a state file from elsewhere can point a reader at any file.
  // false: a path that resolves outside `dir` is refused with
  // PERMISSION_DENIED naming the state file and the path. The check is
  // lexical (see IsPathInside): a symlink inside `dir` is still followed.
  bool allow_paths_outside_dir = true;
};

StatusOr<CheckpointState> GetCheckpointState(const std::string& dir,
                                             const CheckpointStateReadOptions& options);
StatusOr<std::optional<std::string>> LatestCheckpoint(
    const std::string& dir, const CheckpointStateReadOptions& options);

// True when `path` lies in `dir` or below it, comparing the lexically
// normalized absolute forms (relative paths are relative to the working
// directory; "." and ".." are resolved, symlinks are not).
bool IsPathInside(std::string_view path, std::string_view dir);

// How TensorFlow records one save in the state file.
struct UpdateCheckpointStateOptions {
  std::string_view latest_filename = kDefaultLatestFilename;
  // Write paths relative to the save directory even when given absolute.
  bool save_relative_paths = false;
  FileSystem* file_system = nullptr;
};

// Writes <save_dir>/<latest_filename> for a save of `model_checkpoint_path`
// with the tracked list `all_paths` (appending the model path when it is not
// last). Relative paths are made relative to `save_dir` when `save_dir` is
// itself relative, as TensorFlow does. `timestamps` must be empty or
// parallel to the final path list.
Status UpdateCheckpointState(const std::string& save_dir,
                             const std::string& model_checkpoint_path,
                             std::vector<std::string> all_paths,
                             const UpdateCheckpointStateOptions& options = {},
                             std::vector<double> timestamps = {},
                             double last_preserved_timestamp = 0);

// True when `prefix` names a V2 checkpoint (prefix.index) or V1 files
// matching `prefix` (which may be a glob such as "model-?????-of-00002").
bool CheckpointExists(const std::string& prefix, FileSystem* fs = nullptr);

// Modification time (Unix seconds) of each existing checkpoint, in order;
// missing ones are skipped, so the result may be shorter.
std::vector<double> GetCheckpointMtimes(const std::vector<std::string>& prefixes,
                                        FileSystem* fs = nullptr);

// The meta graph file of a checkpoint: "model-1000.meta" for prefix
// "model-1000"; a sharded V1 tail ("-?????-of-00002") is dropped first.
std::string MetaGraphFilename(std::string_view prefix, std::string_view suffix = "meta");

// Deletes the checkpoint's meta graph file, prefix.index and every
// prefix.data-?????-of-?????. Missing files are not an error; the first
// other failure is returned after trying every file.
Status RemoveCheckpoint(const std::string& prefix,
                        std::string_view meta_graph_suffix = "meta",
                        FileSystem* fs = nullptr);

// Python's os.path.relpath(path, start) on lexical paths (no symlinks);
// both relative (to the current directory) or both absolute.
std::string RelativePath(std::string_view path, std::string_view start);

}  // namespace tfckpt

#endif  // TFCKPT_CHECKPOINT_STATE_H_
