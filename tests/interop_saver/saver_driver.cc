// Test-only bridge for test_saver_interop.py: drives tfckpt's
// CheckpointSaver and state-file look-ups from a JSON script, reporting
// after every save so the test can compare each step with TensorFlow.
//
//   saver_driver run SCRIPT.json    one JSON object per save on stdout
//   saver_driver latest DIR         LatestCheckpoint(DIR) as JSON
//   saver_driver state DIR          GetCheckpointState(DIR) as JSON
//
// SCRIPT: {"options": {"max_to_keep", "keep_checkpoint_every_n_hours",
//          "pad_step_number", "save_relative_paths"}, "start_time": T,
//          "write_meta": bool, "recover_from": DIR (optional),
//          "saves": [{"path", "step" (or null), "time"}]}
// The process's working directory is the test's, so relative paths work.
// Each save reports the prefix, the tracked list, every file under the
// working directory and the text of the state file.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <nlohmann/json.hpp>

#include "tfckpt/checkpoint_saver.h"
#include "tfckpt/checkpoint_state.h"

namespace {

using nlohmann::json;

int Fail(const tfckpt::Status& status) {
  std::cerr << "saver_driver: " << status.ToString() << "\n";
  return 1;
}

json StateToJson(const tfckpt::CheckpointState& state) {
  return json{{"model_checkpoint_path", state.model_checkpoint_path},
              {"all_model_checkpoint_paths", state.all_model_checkpoint_paths}};
}

// Every file under the working directory, relative to it, sorted.
std::set<std::string> ListFiles() {
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(".")) {
    if (entry.is_regular_file()) {
      files.insert(std::filesystem::relative(entry.path(), ".").string());
    }
  }
  return files;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int Run(const std::string& script_path) {
  std::ifstream in(script_path);
  const json script = json::parse(in);
  double now = script.at("start_time").get<double>();
  tfckpt::CheckpointSaverOptions options;
  const json& o = script.at("options");
  options.max_to_keep = o.value("max_to_keep", 5);
  options.keep_checkpoint_every_n_hours = o.value("keep_checkpoint_every_n_hours", 10000.0);
  options.pad_step_number = o.value("pad_step_number", false);
  options.save_relative_paths = o.value("save_relative_paths", false);
  options.clock = [&now] { return now; };
  auto saver = tfckpt::CheckpointSaver::Create(options);
  if (!saver.ok()) return Fail(saver.status());
  if (script.contains("recover_from")) {
    auto state = tfckpt::GetCheckpointState(script.at("recover_from").get<std::string>());
    if (!state.ok()) return Fail(state.status());
    (*saver)->RecoverLastCheckpoints(state->all_model_checkpoint_paths);
  }
  const float values[] = {1.0f, 2.0f};
  auto tensor = tfckpt::Tensor::FromValues<float>({2}, values);
  if (!tensor.ok()) return Fail(tensor.status());
  for (const json& save : script.at("saves")) {
    now = save.at("time").get<double>();
    tfckpt::CheckpointSaver::SaveOptions save_options;
    if (!save.at("step").is_null()) save_options.global_step = save.at("step").get<int64_t>();
    auto prefix = (*saver)->Save({{"w", *tensor, ""}}, save.at("path").get<std::string>(),
                                 save_options);
    if (!prefix.ok()) return Fail(prefix.status());
    // Stands in for the graph-level Saver's .meta, so deletion covers it.
    if (script.value("write_meta", false)) {
      std::ofstream(tfckpt::MetaGraphFilename(*prefix), std::ios::binary) << "meta";
    }
    const std::string state_file =
        tfckpt::JoinPath(tfckpt::DirName(save.at("path").get<std::string>()), "checkpoint");
    std::cout << json{{"prefix", *prefix},
                      {"last_checkpoints", (*saver)->last_checkpoints()},
                      {"files", ListFiles()},
                      {"state", ReadFile(state_file)}}
              << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: saver_driver run SCRIPT.json | latest DIR | state DIR\n";
    return 2;
  }
  const std::string command = argv[1];
  if (command == "run") return Run(argv[2]);
  if (command == "latest") {
    auto latest = tfckpt::LatestCheckpoint(argv[2]);
    if (!latest.ok()) return Fail(latest.status());
    std::cout << (latest->has_value() ? json(**latest) : json(nullptr)) << "\n";
    return 0;
  }
  if (command == "state") {
    auto state = tfckpt::GetCheckpointState(argv[2]);
    if (!state.ok()) return Fail(state.status());
    std::cout << StateToJson(*state) << "\n";
    return 0;
  }
  std::cerr << "saver_driver: unknown command " << command << "\n";
  return 2;
}
