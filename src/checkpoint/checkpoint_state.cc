#include "tfckpt/checkpoint_state.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <filesystem>

#include "src/base/atomic_file.h"
#include "src/checkpoint/python_format.h"
#include "tensorflow/core/protobuf/checkpoint_state.pb.h"

namespace tfckpt {
namespace {

// A state file lists paths; anything near this size is not one.
constexpr uint64_t kMaxStateFileBytes = uint64_t{64} << 20;

FileSystem* OrDefault(FileSystem* fs) { return fs != nullptr ? fs : FileSystem::Default(); }

bool IsAbsolute(std::string_view path) { return !path.empty() && path.front() == '/'; }

// Keeps the first parse error with its position.
class ErrorCollector final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!first_.empty()) return;
    first_ = "line " + std::to_string(line + 1) + ", column " + std::to_string(column + 1) +
             ": " + message;
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

// Lexically normalized absolute form of `path` ("" means ".").
std::vector<std::string> AbsoluteComponents(std::string_view path) {
  std::string full(path.empty() ? "." : path);
  if (!IsAbsolute(full)) full = std::filesystem::current_path().string() + "/" + full;
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= full.size()) {
    size_t end = full.find('/', start);
    if (end == std::string::npos) end = full.size();
    const std::string part = full.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  return parts;
}

}  // namespace

std::string RelativePath(std::string_view path, std::string_view start) {
  const std::vector<std::string> to = AbsoluteComponents(path);
  const std::vector<std::string> from = AbsoluteComponents(start);
  size_t common = 0;
  while (common < to.size() && common < from.size() && to[common] == from[common]) ++common;
  std::string out;
  for (size_t i = common; i < from.size(); ++i) out += out.empty() ? ".." : "/..";
  for (size_t i = common; i < to.size(); ++i) out += (out.empty() ? "" : "/") + to[i];
  return out.empty() ? "." : out;
}

StatusOr<CheckpointState> ParseCheckpointState(std::string_view text, std::string_view source) {
  tensorflow::CheckpointState proto;
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (text.size() > kMaxStateFileBytes ||
      !parser.ParseFromString(std::string(text), &proto)) {
    return DataLossError(std::string(source) + ": not a valid checkpoint state file: " +
                         (errors.first().empty() ? "too large" : errors.first()));
  }
  CheckpointState state;
  state.model_checkpoint_path = proto.model_checkpoint_path();
  state.all_model_checkpoint_paths.assign(proto.all_model_checkpoint_paths().begin(),
                                          proto.all_model_checkpoint_paths().end());
  state.all_model_checkpoint_timestamps.assign(proto.all_model_checkpoint_timestamps().begin(),
                                               proto.all_model_checkpoint_timestamps().end());
  state.last_preserved_timestamp = proto.last_preserved_timestamp();
  return state;
}

std::string FormatCheckpointState(const CheckpointState& state) {
  std::string out;
  const auto add_string = [&](std::string_view field, std::string_view value) {
    out += std::string(field) + ": \"" + internal::PythonCEscape(value) + "\"\n";
  };
  const auto add_double = [&](std::string_view field, double value) {
    out += std::string(field) + ": " + internal::PythonFloatRepr(value) + "\n";
  };
  // proto3 omits default values.
  if (!state.model_checkpoint_path.empty()) {
    add_string("model_checkpoint_path", state.model_checkpoint_path);
  }
  for (const std::string& path : state.all_model_checkpoint_paths) {
    add_string("all_model_checkpoint_paths", path);
  }
  for (const double t : state.all_model_checkpoint_timestamps) {
    add_double("all_model_checkpoint_timestamps", t);
  }
  if (state.last_preserved_timestamp != 0) {
    add_double("last_preserved_timestamp", state.last_preserved_timestamp);
  }
  return out;
}

bool IsPathInside(std::string_view path, std::string_view dir) {
  const std::vector<std::string> inner = AbsoluteComponents(path);
  const std::vector<std::string> outer = AbsoluteComponents(dir);
  return inner.size() >= outer.size() && std::equal(outer.begin(), outer.end(), inner.begin());
}

StatusOr<CheckpointState> GetCheckpointState(const std::string& dir,
                                             std::string_view latest_filename,
                                             FileSystem* fs) {
  CheckpointStateReadOptions options;
  options.latest_filename = latest_filename;
  options.file_system = fs;
  return GetCheckpointState(dir, options);
}

StatusOr<CheckpointState> GetCheckpointState(const std::string& dir,
                                             const CheckpointStateReadOptions& options) {
  FileSystem* fs = OrDefault(options.file_system);
  const std::string path = JoinPath(dir, options.latest_filename);
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, fs->OpenForRead(path));
  if (file->size() > kMaxStateFileBytes) {
    return DataLossError(path + ": " + std::to_string(file->size()) +
                         " bytes is too large for a checkpoint state file");
  }
  std::string text(file->size(), '\0');
  TFCKPT_RETURN_IF_ERROR(file->Read(0, text.size(), text.data()));
  TFCKPT_ASSIGN_OR_RETURN(CheckpointState state, ParseCheckpointState(text, path));
  if (state.model_checkpoint_path.empty()) {
    return InvalidArgumentError("Invalid checkpoint state loaded from " + dir + ": " + path +
                                " has no model_checkpoint_path");
  }
  // Relative paths are relative to the directory the caller named.
  if (!IsAbsolute(state.model_checkpoint_path)) {
    state.model_checkpoint_path = JoinPath(dir, state.model_checkpoint_path);
  }
  for (std::string& p : state.all_model_checkpoint_paths) {
    if (!IsAbsolute(p)) p = JoinPath(dir, p);
  }
  if (!options.allow_paths_outside_dir) {
    std::vector<const std::string*> paths = {&state.model_checkpoint_path};
    for (const std::string& p : state.all_model_checkpoint_paths) paths.push_back(&p);
    for (const std::string* p : paths) {
      if (!IsPathInside(*p, dir)) {
        return PermissionDeniedError(path + " names checkpoint '" + *p + "', outside " + dir +
                                     " (paths outside the directory are not allowed)");
      }
    }
  }
  return state;
}

bool CheckpointExists(const std::string& prefix, FileSystem* fs) {
  fs = OrDefault(fs);
  for (const std::string& pattern : {prefix + ".index", prefix}) {
    auto matches = MatchingPaths(fs, pattern);
    if (matches.ok() && !matches->empty()) return true;
  }
  return false;
}

StatusOr<std::optional<std::string>> LatestCheckpoint(const std::string& dir,
                                                      std::string_view latest_filename,
                                                      FileSystem* fs) {
  CheckpointStateReadOptions options;
  options.latest_filename = latest_filename;
  options.file_system = fs;
  return LatestCheckpoint(dir, options);
}

StatusOr<std::optional<std::string>> LatestCheckpoint(const std::string& dir,
                                                      const CheckpointStateReadOptions& options) {
  auto state = GetCheckpointState(dir, options);
  if (!state.ok()) {
    if (state.status().code() == StatusCode::kNotFound) return std::optional<std::string>();
    return state.status();
  }
  if (!CheckpointExists(state->model_checkpoint_path, options.file_system)) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(state->model_checkpoint_path);
}

Status UpdateCheckpointState(const std::string& save_dir,
                             const std::string& model_checkpoint_path,
                             std::vector<std::string> all_paths,
                             const UpdateCheckpointStateOptions& options,
                             std::vector<double> timestamps,
                             double last_preserved_timestamp) {
  FileSystem* fs = OrDefault(options.file_system);
  CheckpointState state;
  state.model_checkpoint_path = model_checkpoint_path;
  if (options.save_relative_paths) {
    if (IsAbsolute(state.model_checkpoint_path)) {
      state.model_checkpoint_path = RelativePath(state.model_checkpoint_path, save_dir);
    }
    for (std::string& p : all_paths) {
      if (IsAbsolute(p)) p = RelativePath(p, save_dir);
    }
  }
  if (all_paths.empty() || all_paths.back() != state.model_checkpoint_path) {
    all_paths.push_back(state.model_checkpoint_path);
  }
  if (!timestamps.empty() && timestamps.size() != all_paths.size()) {
    return InvalidArgumentError("checkpoint state: " + std::to_string(timestamps.size()) +
                                " timestamps for " + std::to_string(all_paths.size()) + " paths");
  }
  // A relative save directory makes relative paths relative to it, so the
  // file stays valid when the directory moves.
  if (!IsAbsolute(save_dir)) {
    if (!IsAbsolute(state.model_checkpoint_path)) {
      state.model_checkpoint_path = RelativePath(state.model_checkpoint_path, save_dir);
    }
    for (std::string& p : all_paths) {
      if (!IsAbsolute(p)) p = RelativePath(p, save_dir);
    }
  }
  state.all_model_checkpoint_paths = std::move(all_paths);
  state.all_model_checkpoint_timestamps = std::move(timestamps);
  state.last_preserved_timestamp = last_preserved_timestamp;

  const std::string state_path = JoinPath(save_dir, options.latest_filename);
  if (state_path == state.model_checkpoint_path) {
    return InvalidArgumentError("Save path '" + model_checkpoint_path +
                                "' conflicts with path used for checkpoint state. "
                                "Please use a different save path.");
  }
  TFCKPT_ASSIGN_OR_RETURN(auto writer, internal::AtomicFileWriter::Open(fs, state_path));
  TFCKPT_RETURN_IF_ERROR(writer->file()->Append(FormatCheckpointState(state)));
  return writer->Commit();
}

std::vector<double> GetCheckpointMtimes(const std::vector<std::string>& prefixes,
                                        FileSystem* fs) {
  fs = OrDefault(fs);
  std::vector<double> mtimes;
  for (const std::string& prefix : prefixes) {
    // V2's index first, then V1, where the prefix is the file itself.
    for (const std::string& pattern : {prefix + ".index", prefix}) {
      auto matches = MatchingPaths(fs, pattern);
      if (!matches.ok() || matches->empty()) continue;
      auto mtime = fs->ModificationTime(matches->front());
      if (mtime.ok()) mtimes.push_back(*mtime);
      break;
    }
  }
  return mtimes;
}

std::string MetaGraphFilename(std::string_view prefix, std::string_view suffix) {
  // Strip a sharded V1 tail "-<digits or ?>-of-<digits>".
  std::string base(prefix);
  const size_t of = base.rfind("-of-");
  if (of != std::string::npos && of + 4 < base.size() &&
      base.find_first_not_of("0123456789", of + 4) == std::string::npos) {
    const size_t dash = base.rfind('-', of - 1);
    if (dash != std::string::npos && dash + 1 < of &&
        base.substr(dash + 1, of - dash - 1).find_first_not_of("0123456789?") == std::string::npos) {
      base.resize(dash);
    }
  }
  return base + "." + std::string(suffix);
}

Status RemoveCheckpoint(const std::string& prefix, std::string_view meta_graph_suffix,
                        FileSystem* fs) {
  fs = OrDefault(fs);
  Status first_error;
  for (const std::string& pattern : {MetaGraphFilename(prefix, meta_graph_suffix),
                                     prefix + ".index", prefix + ".data-?????-of-?????"}) {
    auto paths = MatchingPaths(fs, pattern);
    if (!paths.ok()) {
      if (first_error.ok()) first_error = paths.status();
      continue;
    }
    for (const std::string& path : *paths) {
      Status deleted = fs->Delete(path);
      if (!deleted.ok() && deleted.code() != StatusCode::kNotFound && first_error.ok()) {
        first_error = deleted;
      }
    }
  }
  return first_error;
}

}  // namespace tfckpt
