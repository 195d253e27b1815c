// tfckpt convert SRC DST [--rename MAP.json] [--format v1|v2]: between
// TensorFlow checkpoints, safetensors files and .npz archives (format by
// extension; --format picks the checkpoint version written).
#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "tfckpt/checkpoint_state.h"
#include "tfckpt/convert.h"
#include "tools/tfckpt/cli.h"

namespace tfckpt::cli {
namespace {

struct ConvertCommandOptions {
  std::string src;
  std::string dst;
  std::string rename_file;
  std::string checkpoint_format = "v2";
};

Status RunConvertStatus(const ConvertCommandOptions& opts) {
  ConvertOptions options;
  if (opts.checkpoint_format == "v1") {
    if (TensorFileFormatOf(opts.dst) != TensorFileFormat::kCheckpoint) {
      return InvalidArgumentError("--format v1 applies to a checkpoint destination, not " +
                                  opts.dst);
    }
    options.checkpoint_version = CheckpointVersion::kV1;
  }
  if (!opts.rename_file.empty()) {
    std::ifstream in(opts.rename_file, std::ios::binary);
    if (!in) return NotFoundError("cannot read " + opts.rename_file);
    std::stringstream text;
    text << in.rdbuf();
    TFCKPT_ASSIGN_OR_RETURN(options.rename, ParseRenameMap(text.str(), opts.rename_file));
  }
  std::string src = opts.src;
  std::error_code error;
  if (std::filesystem::is_directory(src, error)) {
    TFCKPT_ASSIGN_OR_RETURN(std::optional<std::string> latest, LatestCheckpoint(src));
    if (!latest.has_value()) return NotFoundError("no checkpoint recorded in " + src);
    src = *latest;
  }
  TFCKPT_ASSIGN_OR_RETURN(ConvertResult result, Convert(src, opts.dst, options));
  for (const std::string& skipped : result.skipped) {
    std::cerr << "tfckpt: skipped " << skipped << "\n";
  }
  std::cout << "wrote " << result.written.size() << " tensors to " << opts.dst << "\n";
  return OkStatus();
}

}  // namespace

void AddConvertCommand(CLI::App& app, Action* action) {
  auto opts = std::make_shared<ConvertCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "convert",
      "Convert between TensorFlow checkpoints (V1, V2, TF2; written as V2, or V1 "
      "with --format v1), "
      "safetensors (.safetensors) and NumPy (.npz). Tensors the destination "
      "cannot hold are skipped with a note on stderr");
  cmd->add_option("SRC", opts->src,
                  std::string(kCheckpointArgHelp) + "; or a .safetensors / .npz file")
      ->required();
  cmd->add_option("DST", opts->dst, "Destination: X.safetensors, X.npz, or a checkpoint prefix")
      ->required();
  cmd->add_option("--rename", opts->rename_file,
                  R"(JSON file {"source name": "new name"}; other names are kept)");
  cmd->add_option("--format", opts->checkpoint_format,
                  "Checkpoint version of a checkpoint DST: v2 (PREFIX.index + data "
                  "file, the default) or v1 (one SSTable file at DST)")
      ->check(CLI::IsMember({"v1", "v2"}));
  cmd->callback([opts, action] {
    *action = [opts] {
      const Status status = RunConvertStatus(*opts);
      return status.ok() ? kExitOk : Fail(status);
    };
  });
}

}  // namespace tfckpt::cli
