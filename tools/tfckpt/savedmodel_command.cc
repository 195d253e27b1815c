// tfckpt savedmodel DIR: the meta graphs of a SavedModel (tags, signatures
// with their inputs and outputs) and its variables.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "tfckpt/dtype.h"
#include "tfckpt/object_graph.h"
#include "tfckpt/saved_model.h"
#include "tools/tfckpt/cli.h"

namespace tfckpt::cli {
namespace {

std::string Describe(const tensorflow::TensorInfo& info) {
  std::string out = std::string(DataTypeName(static_cast<DataType>(info.dtype()))) + " ";
  if (info.tensor_shape().unknown_rank()) {
    out += "[?]";
  } else {
    out += "[";
    for (int d = 0; d < info.tensor_shape().dim_size(); ++d) {
      const int64_t size = info.tensor_shape().dim(d).size();
      out += (d == 0 ? "" : ",") + (size < 0 ? std::string("?") : std::to_string(size));
    }
    out += "]";
  }
  return out + (info.name().empty() ? "" : " <- " + info.name());
}

Status Summarize(const std::string& dir) {
  TFCKPT_ASSIGN_OR_RETURN(const SavedModelInfo model, ReadSavedModel(dir));
  for (int i = 0; i < model.proto.meta_graphs_size(); ++i) {
    const tensorflow::MetaGraphDef& mg = model.proto.meta_graphs(i);
    const MetaGraphSummary& summary = model.meta_graphs[static_cast<size_t>(i)];
    std::cout << "MetaGraph " << i << ": tags {";
    for (size_t t = 0; t < summary.tags.size(); ++t) std::cout << (t ? ", " : "") << summary.tags[t];
    std::cout << "}" << (summary.has_object_graph ? ", object graph (TF2)" : "") << "\n";
    for (const std::string& key : summary.signatures) {
      const tensorflow::SignatureDef& sig = mg.signature_def().at(key);
      std::cout << "  signature " << key << " (" << sig.method_name() << ")\n";
      for (const auto& [name, info] : sig.inputs()) {
        std::cout << "    input  " << name << ": " << Describe(info) << "\n";
      }
      for (const auto& [name, info] : sig.outputs()) {
        std::cout << "    output " << name << ": " << Describe(info) << "\n";
      }
    }
  }
  auto variables = OpenSavedModelVariables(dir);
  if (!variables.ok()) {
    if (variables.status().code() != StatusCode::kNotFound) return variables.status();
    std::cout << "variables: none\n";
    return OkStatus();
  }
  TFCKPT_ASSIGN_OR_RETURN(const auto entries, (*variables)->ListEntries());
  TFCKPT_ASSIGN_OR_RETURN(const auto graph, ReadObjectGraph(**variables));
  std::cout << "variables: " << model.variables_prefix << " ("
            << CheckpointFormatName((*variables)->format()) << ", " << entries.size()
            << " tensors" << (graph.has_value() ? ", object-based" : "")
            << "; list them with `tfckpt ls`)\n";
  return OkStatus();
}

}  // namespace

void AddSavedModelCommand(CLI::App& app, Action* action) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "savedmodel", "Summarize a SavedModel directory: meta graphs, tags, signatures, variables");
  cmd->add_option("DIR", *dir, "SavedModel directory (holding saved_model.pb)")->required();
  cmd->callback([dir, action] {
    *action = [dir] {
      const Status status = Summarize(*dir);
      return status.ok() ? kExitOk : Fail(status);
    };
  });
}

}  // namespace tfckpt::cli
