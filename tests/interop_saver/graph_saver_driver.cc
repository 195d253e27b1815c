// Test-only bridge for test_graph_saver.py: tfckpt's graph-level Saver over
// a meta graph TensorFlow exported without a saver.
//
//   graph_saver_driver save META INIT_OP PREFIX SHARDED LATEST_FILENAME STEP...
//     imports META, runs INIT_OP, adds a Saver (SHARDED: 0 or 1) and saves
//     once per STEP to PREFIX-STEP with that state file (max_to_keep 2); the
//     last save also writes PREFIX-STEP.meta with the saver's ops.
//   graph_saver_driver restore META CHECKPOINT PREFIX SHARDED
//     imports META, adds a Saver, restores CHECKPOINT with it and saves the
//     restored values to PREFIX (no state file, no .meta).
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "tfckpt/graph.h"
#include "tfckpt/meta_graph.h"
#include "tfckpt/saver.h"
#include "tfckpt/session.h"

namespace {

struct Loaded {
  std::unique_ptr<tfckpt::Graph> graph;
  std::unique_ptr<tfckpt::Session> session;
  std::unique_ptr<tfckpt::Saver> saver;
};

tfckpt::StatusOr<Loaded> Load(const std::string& meta, bool sharded) {
  Loaded loaded;
  loaded.graph = std::make_unique<tfckpt::Graph>();
  TFCKPT_RETURN_IF_ERROR(
      tfckpt::ImportMetaGraph(loaded.graph.get(), meta).status());
  tfckpt::SaverOptions options;
  options.sharded = sharded;
  options.max_to_keep = 2;
  TFCKPT_ASSIGN_OR_RETURN(loaded.saver,
                          tfckpt::Saver::Create(loaded.graph.get(), options));
  TFCKPT_ASSIGN_OR_RETURN(loaded.session,
                          tfckpt::Session::Create(loaded.graph.get()));
  return loaded;
}

tfckpt::Status Save(const std::vector<std::string>& args) {
  TFCKPT_ASSIGN_OR_RETURN(Loaded loaded, Load(args[0], args[3] == "1"));
  TFCKPT_RETURN_IF_ERROR(loaded.session->Run({}, {}, {args[1]}).status());
  for (size_t i = 5; i < args.size(); ++i) {
    tfckpt::SaverSaveOptions options;
    options.global_step = std::atoll(args[i].c_str());
    options.latest_filename = args[4];
    options.write_meta_graph = i + 1 == args.size();
    TFCKPT_RETURN_IF_ERROR(
        loaded.saver->Save(loaded.session.get(), args[2], options).status());
  }
  return tfckpt::OkStatus();
}

tfckpt::Status Restore(const std::vector<std::string>& args) {
  TFCKPT_ASSIGN_OR_RETURN(Loaded loaded, Load(args[0], args[3] == "1"));
  TFCKPT_RETURN_IF_ERROR(loaded.saver->Restore(loaded.session.get(), args[1]));
  tfckpt::SaverSaveOptions options;
  options.write_meta_graph = false;
  options.write_state = false;
  return loaded.saver->Save(loaded.session.get(), args[2], options).status();
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  tfckpt::Status status;
  if (args.size() >= 7 && args[0] == "save") {
    status = Save({args.begin() + 1, args.end()});
  } else if (args.size() == 5 && args[0] == "restore") {
    status = Restore({args.begin() + 1, args.end()});
  } else {
    std::cerr << "usage: graph_saver_driver save META INIT_OP PREFIX SHARDED "
                 "LATEST_FILENAME STEP...\n"
                 "       graph_saver_driver restore META CHECKPOINT PREFIX "
                 "SHARDED\n";
    return 2;
  }
  if (!status.ok()) {
    std::cerr << "graph_saver_driver: " << status.ToString() << "\n";
    return 1;
  }
  return 0;
}
