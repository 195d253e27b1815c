// tfckpt latest DIR: the latest checkpoint recorded in DIR's state file; and
// OpenCheckpoint, which lets every command take such a directory.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "tfckpt/checkpoint_state.h"
#include "tools/tfckpt/cli.h"

namespace tfckpt::cli {
namespace {

// The latest checkpoint of `dir`. A state file may name a checkpoint
// anywhere (TensorFlow follows it); `inside_only` refuses one outside `dir`.
StatusOr<std::string> Latest(const std::string& dir, bool inside_only) {
  CheckpointStateReadOptions options;
  options.allow_paths_outside_dir = !inside_only;
  TFCKPT_ASSIGN_OR_RETURN(std::optional<std::string> latest, LatestCheckpoint(dir, options));
  if (!latest.has_value()) {
    return NotFoundError("no checkpoint in " + dir + ": its `" +
                         std::string(kDefaultLatestFilename) +
                         "` file is missing or names a checkpoint whose files are gone");
  }
  return *latest;
}

// "DIR/checkpoint", and whether `prefix` lies outside DIR, for the note
// that says where a command reads from.
std::string StateFileNote(const std::string& dir, const std::string& prefix) {
  std::string note = "the latest checkpoint in " + JoinPath(dir, kDefaultLatestFilename);
  if (!IsPathInside(prefix, dir)) note += ", outside " + dir;
  return note;
}

}  // namespace

StatusOr<std::unique_ptr<CheckpointReader>> OpenCheckpoint(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_directory(path, error)) return CheckpointReader::Open(path);
  TFCKPT_ASSIGN_OR_RETURN(std::string prefix, Latest(path, /*inside_only=*/false));
  // A directory is resolved through its state file: say where we read.
  std::cerr << "tfckpt: reading " << prefix << " (" << StateFileNote(path, prefix) << ")\n";
  return CheckpointReader::Open(prefix);
}

void AddLatestCommand(CLI::App& app, Action* action) {
  auto dir = std::make_shared<std::string>();
  auto inside_only = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "latest", "Print the latest checkpoint prefix recorded in DIR's `checkpoint` file");
  cmd->add_option("DIR", *dir, "Checkpoint directory")->required();
  cmd->add_flag("--inside-only", *inside_only,
                "Fail when the state file names a checkpoint outside DIR");
  cmd->callback([dir, inside_only, action] {
    *action = [dir, inside_only] {
      StatusOr<std::string> prefix = Latest(*dir, *inside_only);
      if (!prefix.ok()) return Fail(prefix.status());
      // stdout stays the bare prefix for scripts; a prefix outside DIR is
      // worth a note, since TensorFlow would follow it without one.
      if (!IsPathInside(*prefix, *dir)) {
        std::cerr << "tfckpt: note: " << *prefix << " is " << StateFileNote(*dir, *prefix) << "\n";
      }
      std::cout << *prefix << "\n";
      return kExitOk;
    };
  });
}

}  // namespace tfckpt::cli
