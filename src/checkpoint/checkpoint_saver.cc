#include "tfckpt/checkpoint_saver.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <random>

#include "src/base/file_lock.h"
#include "tfckpt/bundle_writer.h"

namespace tfckpt {
namespace {

// Suffix of every temporary file tfckpt writes before renaming it into place.
constexpr std::string_view kTempMarker = ".tempstate";
// Names the complete copy a save of an existing prefix makes first.
constexpr std::string_view kStagedMarker = ".staged-";

bool IsStaleTempFile(std::string_view name) {
  const size_t marker = name.rfind(kTempMarker);
  if (marker == std::string_view::npos) return false;
  const std::string_view digits = name.substr(marker + kTempMarker.size());
  return !digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos;
}

Status CheckLatestFilename(const std::string& latest_filename) {
  if (latest_filename.empty() || latest_filename.find('/') != std::string::npos) {
    return InvalidArgumentError("'latest_filename' must be a file name without path components, got '" +
                                latest_filename + "'");
  }
  return OkStatus();
}

}  // namespace

double SystemTime() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct CheckpointSaver::Rep {
  CheckpointSaverOptions options;
  FileSystem* fs = nullptr;
  // Tracked checkpoints with their save times, oldest first.
  std::vector<std::pair<std::string, double>> last;
  // Checkpoints that left `last` and await the keep-or-delete decision.
  std::deque<std::pair<std::string, double>> evicted;
  // Save times after this mark keep an evicted checkpoint forever.
  double next_keep_time = 0;

  double Now() const { return options.clock(); }

  // Deletes temporary files left in `dir` by a killed save.
  void CleanStaleTempFiles(const std::string& dir) const {
    auto names = fs->ListDir(dir);
    if (!names.ok()) return;
    for (const std::string& name : *names) {
      if (IsStaleTempFile(name)) fs->Delete(JoinPath(dir, name)).IgnoreError();
    }
  }

  Status WriteSortedBundle(std::vector<SaveEntry> tensors, const std::string& prefix) const {
    // TensorFlow's Saver writes tensors sorted by name.
    std::stable_sort(tensors.begin(), tensors.end(),
                     [](const SaveEntry& a, const SaveEntry& b) { return a.name < b.name; });
    WriteBundleOptions write_options;
    write_options.writer.file_system = fs;
    write_options.num_shards = options.num_shards;
    return WriteBundle(prefix, tensors, write_options);
  }

  // The tracked list after recording a save of `prefix` at `now`.
  std::vector<std::pair<std::string, double>> Recorded(const std::string& prefix,
                                                      double now) const {
    if (options.max_to_keep == 0) return {};
    std::vector<std::pair<std::string, double>> next;
    for (const auto& entry : last) {
      if (entry.first != prefix) next.push_back(entry);
    }
    next.emplace_back(prefix, now);
    return next;
  }

  // Decides the fate of one evicted checkpoint per save, as TensorFlow does.
  void MaybeDeleteOldCheckpoints() {
    if (evicted.empty()) return;
    const auto [prefix, saved_at] = evicted.front();
    evicted.pop_front();
    if (saved_at > next_keep_time) {
      next_keep_time += options.keep_checkpoint_every_n_hours * 3600;
      return;
    }
    // Unlike TensorFlow, never delete a checkpoint that was saved again.
    const bool tracked = std::any_of(last.begin(), last.end(),
                                     [&p = prefix](const auto& entry) { return entry.first == p; });
    if (tracked) return;
    // As in TensorFlow, a failed deletion does not fail the save.
    RemoveCheckpoint(prefix, options.meta_graph_suffix, fs).IgnoreError();
  }
};

CheckpointSaver::CheckpointSaver(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
CheckpointSaver::~CheckpointSaver() = default;

StatusOr<std::unique_ptr<CheckpointSaver>> CheckpointSaver::Create(
    CheckpointSaverOptions options) {
  if (options.max_to_keep < 0) {
    return InvalidArgumentError("max_to_keep must be >= 0, got " +
                                std::to_string(options.max_to_keep));
  }
  if (!(options.keep_checkpoint_every_n_hours > 0)) {
    return InvalidArgumentError("keep_checkpoint_every_n_hours must be > 0");
  }
  if (options.num_shards < 1) {
    return InvalidArgumentError("num_shards must be >= 1, got " +
                                std::to_string(options.num_shards));
  }
  TFCKPT_RETURN_IF_ERROR(CheckLatestFilename(options.latest_filename));
  auto rep = std::make_unique<Rep>();
  if (!options.clock) options.clock = SystemTime;
  rep->fs = options.file_system != nullptr ? options.file_system : FileSystem::Default();
  rep->options = std::move(options);
  // TensorFlow keeps the hours in SaverDef's float field, so its rounding
  // shows in when checkpoints are kept.
  rep->options.keep_checkpoint_every_n_hours =
      static_cast<double>(static_cast<float>(rep->options.keep_checkpoint_every_n_hours));
  rep->next_keep_time = rep->Now() + rep->options.keep_checkpoint_every_n_hours * 3600;
  return std::unique_ptr<CheckpointSaver>(new CheckpointSaver(std::move(rep)));
}

StatusOr<std::string> CheckpointSaver::Save(std::vector<SaveEntry> tensors,
                                            const std::string& save_path,
                                            SaveOptions save_options) {
  if (save_path.empty()) return InvalidArgumentError("save_path is empty");
  const std::string& latest_filename = save_options.latest_filename.empty()
                                            ? rep_->options.latest_filename
                                            : save_options.latest_filename;
  TFCKPT_RETURN_IF_ERROR(CheckLatestFilename(latest_filename));
  std::string prefix = save_path;
  if (save_options.global_step.has_value()) {
    char step[32];
    std::snprintf(step, sizeof(step), rep_->options.pad_step_number ? "-%08lld" : "-%lld",
                  static_cast<long long>(*save_options.global_step));
    prefix += step;
  } else if (BaseName(save_path) == latest_filename) {
    return InvalidArgumentError("'latest_filename' collides with 'save_path': '" +
                                latest_filename + "' and '" + save_path + "'");
  }
  const std::string save_dir = DirName(save_path);
  // Held until the save returns; it also keeps the stale-file cleanup below
  // from deleting another process's files mid-save.
  std::unique_ptr<internal::FileLock> lock;
  if (rep_->options.lock_save_dir && rep_->fs == FileSystem::Default()) {
    TFCKPT_RETURN_IF_ERROR(rep_->fs->CreateDir(save_dir));
    TFCKPT_ASSIGN_OR_RETURN(
        lock, internal::FileLock::Acquire(save_dir.empty() ? "." : save_dir));
  }
  rep_->CleanStaleTempFiles(save_dir);
  const auto write_at = [&](const std::string& at) {
    Status written = save_options.write ? save_options.write(at) : rep_->WriteSortedBundle(tensors, at);
    return written.WithContext("saving checkpoint " + at);
  };
  UpdateCheckpointStateOptions state_options;
  state_options.latest_filename = latest_filename;
  state_options.save_relative_paths = rep_->options.save_relative_paths;
  state_options.file_system = rep_->fs;

  // Replacing an existing checkpoint's two files cannot be atomic, and the
  // state file may name it: first save a complete copy under a staging
  // prefix and let the state file name that while the real one is rewritten.
  std::string staged;
  if (save_options.write_state && rep_->fs->Exists(prefix + ".index").ok()) {
    staged = prefix + std::string(kStagedMarker) + std::to_string(std::random_device()());
    TFCKPT_RETURN_IF_ERROR(write_at(staged));
    std::vector<std::string> paths;
    for (const auto& entry : rep_->last) {
      if (entry.first != prefix) paths.push_back(entry.first);
    }
    TFCKPT_RETURN_IF_ERROR(UpdateCheckpointState(save_dir, staged, paths, state_options));
  }
  TFCKPT_RETURN_IF_ERROR(write_at(prefix));
  if (!save_options.write_state) return prefix;

  // The state file names the checkpoint only now that its files are durable,
  // and the in-memory lists change only once the state file is written.
  std::vector<std::pair<std::string, double>> next = rep_->Recorded(prefix, rep_->Now());
  std::optional<std::pair<std::string, double>> evicted;
  // At most one checkpoint leaves the list per save.
  if (rep_->options.max_to_keep > 0 &&
      next.size() > static_cast<size_t>(rep_->options.max_to_keep)) {
    evicted = next.front();
    next.erase(next.begin());
  }
  std::vector<std::string> paths;
  for (const auto& entry : next) paths.push_back(entry.first);
  TFCKPT_RETURN_IF_ERROR(UpdateCheckpointState(save_dir, prefix, paths, state_options));
  if (!staged.empty()) RemoveCheckpoint(staged, rep_->options.meta_graph_suffix, rep_->fs).IgnoreError();
  rep_->last = std::move(next);
  if (evicted.has_value()) rep_->evicted.push_back(*std::move(evicted));
  rep_->MaybeDeleteOldCheckpoints();
  return prefix;
}

std::vector<std::string> CheckpointSaver::last_checkpoints() const {
  std::vector<std::string> paths;
  for (const auto& entry : rep_->last) paths.push_back(entry.first);
  return paths;
}

void CheckpointSaver::SetLastCheckpointsWithTime(
    std::vector<std::pair<std::string, double>> checkpoints) {
  rep_->last = std::move(checkpoints);
}

void CheckpointSaver::RecoverLastCheckpoints(const std::vector<std::string>& prefixes) {
  std::vector<std::pair<std::string, double>> recovered;
  for (const std::string& prefix : prefixes) {
    const std::vector<double> mtime = GetCheckpointMtimes({prefix}, rep_->fs);
    if (!mtime.empty()) recovered.emplace_back(prefix, mtime.front());
  }
  SetLastCheckpointsWithTime(std::move(recovered));
}

}  // namespace tfckpt
