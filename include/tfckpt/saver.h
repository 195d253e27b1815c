// Saver: TensorFlow's graph-level tf.compat.v1.train.Saver. It adds the
// save/restore ops TF adds to a graph (scope "save", "save_1", ...:
// save/Const, save/SaveV2, save/control_dependency, save/RestoreV2,
// save/Assign*, save/restore_all) and describes them with a SaverDef; Save()
// and Restore() run those ops in a Session, so the checkpoint is written and
// read by the graph, as in TF. Naming, the `checkpoint` state file and
// retention (max_to_keep, keep_checkpoint_every_n_hours) are
// CheckpointSaver's.
//
//   Graph graph;
//   TFCKPT_ASSIGN_OR_RETURN(auto imported, ImportMetaGraph(&graph, "m-1000.meta"));
//   TFCKPT_ASSIGN_OR_RETURN(auto session, Session::Create(&graph));
//   TFCKPT_ASSIGN_OR_RETURN(auto saver, Saver::FromImported(&graph, *imported.saver));
//   TFCKPT_RETURN_IF_ERROR(saver->Restore(session.get(), "m-1000"));
//   TFCKPT_ASSIGN_OR_RETURN(std::string prefix,
//                           saver->Save(session.get(), "out/m", {.global_step = 1}));
//
// Thread safety: needs outside synchronization; the graph must not be used
// by a running Session while a Saver is created over it (creation adds
// nodes).
#ifndef TFCKPT_SAVER_H_
#define TFCKPT_SAVER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tensorflow/core/protobuf/saver.pb.h"
#include "tfckpt/checkpoint_saver.h"
#include "tfckpt/file_system.h"
#include "tfckpt/graph.h"
#include "tfckpt/meta_graph.h"
#include "tfckpt/session.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt {

struct SaverOptions {
  int max_to_keep = 5;
  double keep_checkpoint_every_n_hours = 10000.0;
  bool pad_step_number = false;
  bool save_relative_paths = false;
  // Name scope of the added ops; TF's default is "save".
  std::string name = "save";
  // Default of save/filename (TF's `filename` argument).
  std::string filename = "model";
  // TF's Saver(sharded=True): one SaveV2 per device (variables grouped by
  // their node's device, in device order) writing "<prefix>_temp/part-..."
  // shards that MergeV2Checkpoints joins at the prefix; restore_all groups
  // one restore_shard per device.
  bool sharded = false;
  // nullptr means FileSystem::Default(); must outlive the saver.
  FileSystem* file_system = nullptr;
  // Empty means SystemTime.
  Clock clock;
};

struct SaverSaveOptions {
  std::optional<int64_t> global_step;
  // Also write the graph to MetaGraphFilename(prefix, meta_graph_suffix).
  bool write_meta_graph = true;
  // false: no state file and no retention.
  bool write_state = true;
  // The state file in dirname(save_path) this save updates. The saver keeps
  // one list of checkpoints for retention whichever file a save names, as
  // TF's Saver.save(latest_filename=...) does.
  std::string latest_filename = std::string(kDefaultLatestFilename);
  std::string meta_graph_suffix = "meta";
  bool strip_default_attrs = false;
};

class Saver {
 public:
  // Over every variable of the graph's "variables" collection (keys: op
  // names). INVALID_ARGUMENT "No variables to save" when there is none.
  static StatusOr<std::unique_ptr<Saver>> Create(Graph* graph,
                                                 SaverOptions options = {});
  // Over the given variables, keyed by their op names; INVALID_ARGUMENT for
  // two variables with the same name.
  static StatusOr<std::unique_ptr<Saver>> Create(
      Graph* graph, const std::vector<Variable>& variables,
      SaverOptions options = {});
  // Over checkpoint key -> variable (TF's dict var_list).
  static StatusOr<std::unique_ptr<Saver>> Create(
      Graph* graph, const std::map<std::string, Variable>& variables,
      SaverOptions options = {});
  // Uses save ops already in the graph, as a SaverDef names them (TF's
  // Saver(saver_def=...)). INVALID_ARGUMENT when a named op is missing.
  // max_to_keep and the N-hours value come from the SaverDef.
  static StatusOr<std::unique_ptr<Saver>> FromSaverDef(
      const Graph* graph, const tensorflow::SaverDef& saver_def,
      SaverOptions options = {});
  // The Saver TF's import_meta_graph returns: the imported SaverDef's ops,
  // or a new default Saver over all variables (with the saved policy).
  static StatusOr<std::unique_ptr<Saver>> FromImported(
      Graph* graph, const ImportedSaver& imported, SaverOptions options = {});

  ~Saver();
  Saver(const Saver&) = delete;
  Saver& operator=(const Saver&) = delete;

  const tensorflow::SaverDef& saver_def() const;

  // Runs the save op with the prefix built from `save_path` and the step,
  // records it in the state file (retention as CheckpointSaver), writes the
  // .meta, and returns the prefix.
  StatusOr<std::string> Save(Session* session, const std::string& save_path,
                             const SaverSaveOptions& options = {});

  // Runs the restore op on `prefix`. INVALID_ARGUMENT "The passed save_path
  // is not a valid checkpoint: <prefix>" when there is no checkpoint there;
  // errors of the restore ops otherwise, with TF's "Restoring from
  // checkpoint failed. ..." explanation before the original message
  // (NOT_FOUND "Key w1/Adam not found in checkpoint", INVALID_ARGUMENT for
  // dtype and shape mismatches).
  Status Restore(Session* session, const std::string& prefix);

  // The tracked checkpoints, oldest first.
  std::vector<std::string> last_checkpoints() const;
  // Adopts existing checkpoints (e.g. a state file's list) for retention.
  void RecoverLastCheckpoints(const std::vector<std::string>& prefixes);

 private:
  struct Rep;
  explicit Saver(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace tfckpt

#endif  // TFCKPT_SAVER_H_
