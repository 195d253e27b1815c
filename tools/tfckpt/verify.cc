// tfckpt verify PREFIX: checks every index block and tensor checksum.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tfckpt/bundle_reader.h"
#include "tfckpt/checkpoint_reader.h"
#include "tfckpt/status.h"
#include "tools/tfckpt/cli.h"
#include "tools/tfckpt/progress.h"

namespace tfckpt::cli {
namespace {

struct VerifyOptions {
  std::string prefix;
};

int RunVerify(const VerifyOptions& opts) {
  auto reader = OpenCheckpoint(opts.prefix);
  if (!reader.ok()) return Fail(reader.status());
  std::vector<Status> problems;
  if (const BundleReader* bundle = (*reader)->bundle(); bundle != nullptr) {
    std::unique_ptr<Progress> progress;
    uint64_t reported = 0;
    problems = bundle->Verify([&](uint64_t done, uint64_t total) {
      if (progress == nullptr) progress = std::make_unique<Progress>("verify", total);
      progress->Add(done - reported);
      reported = done;
    });
  } else {
    problems = (*reader)->Verify();  // V1: small, and no progress hook
  }
  if (!problems.empty()) {
    // Every problem, not just the first: the point is to see the damage.
    // Each distinct one once, though: a missing data file is reported for
    // every tensor in it.
    std::vector<Status> printed;
    for (const Status& problem : problems) {
      if (std::find(printed.begin(), printed.end(), problem) != printed.end()) {
        continue;
      }
      Fail(problem);
      printed.push_back(problem);
    }
    return kExitFailure;
  }
  auto entries = (*reader)->ListEntries();
  if (!entries.ok()) return Fail(entries.status());
  std::cout << "OK: " << entries->size() << " tensors verified\n";
  return kExitOk;
}

}  // namespace

void AddVerifyCommand(CLI::App& app, Action* action) {
  auto opts = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Check every index block and tensor checksum; one line per problem");
  cmd->add_option("PREFIX", opts->prefix,
                  kCheckpointArgHelp)
      ->required();
  cmd->callback(
      [opts, action] { *action = [opts] { return RunVerify(*opts); }; });
}

}  // namespace tfckpt::cli
