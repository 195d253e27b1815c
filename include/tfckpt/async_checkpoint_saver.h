// AsyncCheckpointSaver: CheckpointSaver's Save() in the background, so a
// training loop is blocked only while its tensors are copied.
//
//   TFCKPT_ASSIGN_OR_RETURN(auto saver, AsyncCheckpointSaver::Create(options));
//   for (int64_t step = 1; step <= steps; ++step) {
//     Train();
//     if (step % 1000 == 0) {
//       // Returns once the tensors are snapshotted into host memory.
//       TFCKPT_RETURN_IF_ERROR(saver->SaveAsync(Variables(), "ckpt/model",
//                                               {.global_step = step}));
//     }
//   }
//   TFCKPT_ASSIGN_OR_RETURN(std::string last, saver->Wait());
//
// Each save is written, recorded in the state file and subject to retention
// exactly as CheckpointSaver::Save() does it (same options, same crash
// safety: a failed or interrupted save never replaces or deletes the
// previous checkpoint). At most one save is in flight: SaveAsync() first
// waits for the previous one, so its own cost is at most one save plus the
// copy. A failed save is reported by Wait() (and by on_complete); it does
// not stop later saves.
//
// Thread safety: SaveAsync() and Wait() need outside synchronization;
// on_complete runs on the background thread.
#ifndef TFCKPT_ASYNC_CHECKPOINT_SAVER_H_
#define TFCKPT_ASYNC_CHECKPOINT_SAVER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tfckpt/checkpoint_saver.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt {

// Called on the background thread when a save ends: the prefix written, or
// the error.
using SaveCompletionCallback = std::function<void(const StatusOr<std::string>& result)>;

class AsyncCheckpointSaver {
 public:
  // As CheckpointSaver::Create().
  static StatusOr<std::unique_ptr<AsyncCheckpointSaver>> Create(
      CheckpointSaverOptions options = {}, SaveCompletionCallback on_complete = nullptr);

  // Waits for the save in flight; its outcome then only reaches on_complete.
  ~AsyncCheckpointSaver();
  AsyncCheckpointSaver(const AsyncCheckpointSaver&) = delete;
  AsyncCheckpointSaver& operator=(const AsyncCheckpointSaver&) = delete;

  // Waits for the save in flight, copies `tensors` (so the caller may
  // change them as soon as this returns) and starts saving the copy as
  // CheckpointSaver::Save(tensors, save_path, save_options) would.
  // INVALID_ARGUMENT for save_options.write (a callback would run on the
  // background thread against the caller's live state); RESOURCE_EXHAUSTED
  // when the copy cannot be allocated. Nothing is started on error.
  Status SaveAsync(const std::vector<SaveEntry>& tensors, const std::string& save_path,
                   CheckpointSaver::SaveOptions save_options = {});

  // Blocks until no save is in flight. Returns the first error of the saves
  // started since the previous Wait(), else the prefix of the last one
  // (FAILED_PRECONDITION when none was started).
  StatusOr<std::string> Wait();

  // The tracked prefixes, oldest first (waits for the save in flight).
  std::vector<std::string> last_checkpoints();

 private:
  struct Rep;
  explicit AsyncCheckpointSaver(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace tfckpt

#endif  // TFCKPT_ASYNC_CHECKPOINT_SAVER_H_
