// Shared pieces of the tfckpt command-line tool: the subcommand registry and
// the error and JSON conventions every subcommand follows.
#ifndef TFCKPT_TOOLS_TFCKPT_CLI_H_
#define TFCKPT_TOOLS_TFCKPT_CLI_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tfckpt/bundle_reader.h"
#include "tfckpt/checkpoint_reader.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the operation failed
inline constexpr int kExitUsage = 2;    // bad command line

// What a subcommand does once the command line is parsed; returns the exit
// code. Parsing only records the action, so usage errors are all reported
// before any file is touched.
using Action = std::function<int()>;

// Each registers one subcommand on `app`; when the command line selects it,
// parsing stores its action in `*action`.
void AddLsCommand(CLI::App& app, Action* action);
void AddDumpCommand(CLI::App& app, Action* action);
void AddVerifyCommand(CLI::App& app, Action* action);
void AddCpCommand(CLI::App& app, Action* action);
void AddLatestCommand(CLI::App& app, Action* action);
void AddGraphCommand(CLI::App& app, Action* action);
void AddConvertCommand(CLI::App& app, Action* action);
void AddSavedModelCommand(CLI::App& app, Action* action);
// `ls --tree [--json]`: the object tree of a TF2 checkpoint.
int RunTree(const std::string& path, bool json);
void AddRunCommand(CLI::App& app, Action* action);

// Help text of every argument that names a checkpoint.
inline constexpr const char* kCheckpointArgHelp =
    "Checkpoint prefix (the path of PREFIX.index without \".index\"; for a V1 "
    "checkpoint its file or a pattern such as model.ckpt-?????-of-00002), or a "
    "directory, meaning the latest checkpoint its `checkpoint` file records";

// Opens the checkpoint `path` names: a prefix, or a directory whose
// `checkpoint` state file names the latest checkpoint (then "tfckpt: reading
// PREFIX (...)" on stderr says which, and whether it lies outside the
// directory). V2 bundles and V1 checkpoints (a file or a sharded pattern)
// are both accepted.
StatusOr<std::unique_ptr<CheckpointReader>> OpenCheckpoint(const std::string& path);

// Prints one line "tfckpt: <status>" to stderr; returns kExitFailure.
inline int Fail(const Status& status) {
  std::cerr << "tfckpt: " << status.ToString() << "\n";
  return kExitFailure;
}

// `s` as a quoted JSON string. Invalid UTF-8 becomes U+FFFD rather than
// making the output unparsable.
inline std::string JsonString(std::string_view s) {
  return nlohmann::json(s).dump(-1, ' ', /*ensure_ascii=*/false,
                                nlohmann::json::error_handler_t::replace);
}

}  // namespace tfckpt::cli

#endif  // TFCKPT_TOOLS_TFCKPT_CLI_H_
