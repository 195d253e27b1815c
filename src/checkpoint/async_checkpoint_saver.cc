#include "tfckpt/async_checkpoint_saver.h"

#include <optional>
#include <thread>
#include <utility>

namespace tfckpt {
namespace {

// A copy of `tensor` that shares nothing with it.
StatusOr<Tensor> DeepCopy(const Tensor& tensor) {
  if (tensor.dtype() == DataType::kString) {
    return Tensor::FromStrings(tensor.shape(), tensor.strings());
  }
  return Tensor::FromBytes(tensor.dtype(), tensor.shape(), tensor.bytes());
}

}  // namespace

struct AsyncCheckpointSaver::Rep {
  std::unique_ptr<CheckpointSaver> saver;
  SaveCompletionCallback on_complete;
  // The save in flight; joined before the next one starts, so `saver` is
  // only ever used by one thread at a time.
  std::thread worker;
  // Written by the worker, read after joining it.
  std::optional<StatusOr<std::string>> last_result;
  Status first_error;
  bool started_since_wait = false;

  // Joins the worker and folds its outcome into first_error.
  void Join() {
    if (!worker.joinable()) return;
    worker.join();
    if (last_result.has_value() && !last_result->ok() && first_error.ok()) {
      first_error = last_result->status();
    }
  }
};

AsyncCheckpointSaver::AsyncCheckpointSaver(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

AsyncCheckpointSaver::~AsyncCheckpointSaver() { rep_->Join(); }

StatusOr<std::unique_ptr<AsyncCheckpointSaver>> AsyncCheckpointSaver::Create(
    CheckpointSaverOptions options, SaveCompletionCallback on_complete) {
  auto rep = std::make_unique<Rep>();
  TFCKPT_ASSIGN_OR_RETURN(rep->saver, CheckpointSaver::Create(std::move(options)));
  rep->on_complete = std::move(on_complete);
  return std::unique_ptr<AsyncCheckpointSaver>(new AsyncCheckpointSaver(std::move(rep)));
}

Status AsyncCheckpointSaver::SaveAsync(const std::vector<SaveEntry>& tensors,
                                       const std::string& save_path,
                                       CheckpointSaver::SaveOptions save_options) {
  if (save_options.write != nullptr) {
    return InvalidArgumentError("AsyncCheckpointSaver cannot save " + save_path +
                                " through a write callback; pass the tensors");
  }
  rep_->Join();
  std::vector<SaveEntry> snapshot;
  snapshot.reserve(tensors.size());
  for (const SaveEntry& entry : tensors) {
    auto copy = DeepCopy(entry.tensor);
    if (!copy.ok()) {
      return copy.status().WithContext("snapshot of tensor '" + entry.name + "' for " +
                                       save_path);
    }
    snapshot.push_back({entry.name, *std::move(copy), entry.slice_spec});
  }
  rep_->started_since_wait = true;
  rep_->last_result.reset();
  Rep* rep = rep_.get();
  rep_->worker = std::thread(
      [rep, save_path, save_options, snapshot = std::move(snapshot)]() mutable {
        StatusOr<std::string> result =
            rep->saver->Save(std::move(snapshot), save_path, save_options);
        if (rep->on_complete) rep->on_complete(result);
        rep->last_result = std::move(result);
      });
  return OkStatus();
}

StatusOr<std::string> AsyncCheckpointSaver::Wait() {
  rep_->Join();
  if (!rep_->started_since_wait) {
    return FailedPreconditionError("AsyncCheckpointSaver::Wait: no save was started");
  }
  rep_->started_since_wait = false;
  Status error = std::exchange(rep_->first_error, OkStatus());
  if (!error.ok()) return error;
  return *rep_->last_result;
}

std::vector<std::string> AsyncCheckpointSaver::last_checkpoints() {
  rep_->Join();
  return rep_->saver->last_checkpoints();
}

}  // namespace tfckpt
