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

StatusOr<std::string> Latest(const std::string& dir) {
  TFCKPT_ASSIGN_OR_RETURN(std::optional<std::string> latest, LatestCheckpoint(dir));
  if (!latest.has_value()) {
    return NotFoundError("no checkpoint in " + dir + ": its `" +
                         std::string(kDefaultLatestFilename) +
                         "` file is missing or names a checkpoint whose files are gone");
  }
  return *latest;
}

}  // namespace

StatusOr<std::unique_ptr<CheckpointReader>> OpenCheckpoint(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_directory(path, error)) return CheckpointReader::Open(path);
  TFCKPT_ASSIGN_OR_RETURN(std::string prefix, Latest(path));
  return CheckpointReader::Open(prefix);
}

void AddLatestCommand(CLI::App& app, Action* action) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "latest", "Print the latest checkpoint prefix recorded in DIR's `checkpoint` file");
  cmd->add_option("DIR", *dir, "Checkpoint directory")->required();
  cmd->callback([dir, action] {
    *action = [dir] {
      StatusOr<std::string> prefix = Latest(*dir);
      if (!prefix.ok()) return Fail(prefix.status());
      std::cout << *prefix << "\n";
      return kExitOk;
    };
  });
}

}  // namespace tfckpt::cli
