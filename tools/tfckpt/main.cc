// tfckpt: inspect, check and copy TensorFlow checkpoints (tensor bundles).
//
// Exit codes: 0 success, 1 the operation failed (one "tfckpt: ..." line on
// stderr), 2 bad command line.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "tfckpt/version.h"
#include "tools/tfckpt/cli.h"

int main(int argc, char** argv) {
  using tfckpt::cli::Action;
  CLI::App app(
      "Inspect, verify and copy TensorFlow checkpoints (tensor "
      "bundles: PREFIX.index + PREFIX.data-NNNNN-of-NNNNN).",
      "tfckpt");
  app.set_version_flag("--version", TFCKPT_VERSION_STRING);
  app.require_subcommand(1);

  Action action;
  tfckpt::cli::AddLsCommand(app, &action);
  tfckpt::cli::AddDumpCommand(app, &action);
  tfckpt::cli::AddVerifyCommand(app, &action);
  tfckpt::cli::AddCpCommand(app, &action);
  tfckpt::cli::AddLatestCommand(app, &action);
  tfckpt::cli::AddGraphCommand(app, &action);
  tfckpt::cli::AddConvertCommand(app, &action);
  tfckpt::cli::AddSavedModelCommand(app, &action);
  tfckpt::cli::AddRunCommand(app, &action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive here too, with exit code 0. CLI11 has its
    // own codes for each usage error; we promise 2 for all of them.
    return app.exit(e) == 0 ? tfckpt::cli::kExitOk : tfckpt::cli::kExitUsage;
  }
  try {
    return action();
  } catch (const std::exception& e) {
    // The library returns Status; this is std::bad_alloc and the like.
    std::cerr << "tfckpt: " << e.what() << "\n";
    return tfckpt::cli::kExitFailure;
  }
}
