#include "tests/kill/step_checkpoint.h"

#include <google/protobuf/text_format.h>

#include <charconv>
#include <span>

#include "tensorflow/core/framework/graph.pb.h"
#include "tfckpt/bundle_reader.h"

namespace tfckpt::testing {
namespace {

// One VariableV2 assigned from a placeholder; $N, $T and $S are the name,
// dtype and shape.
constexpr std::string_view kVariableTemplate = R"pb(
  node {
    name: "$N" op: "VariableV2"
    attr { key: "dtype" value { type: $T } }
    attr { key: "shape" value { shape { $S } } }
  }
  node {
    name: "$N/value" op: "Placeholder"
    attr { key: "dtype" value { type: $T } }
  }
  node {
    name: "$N/Assign" op: "Assign" input: "$N" input: "$N/value"
    attr { key: "T" value { type: $T } }
  }
)pb";

std::string Instantiate(std::string text, std::string_view name, std::string_view dtype,
                        std::string_view shape) {
  for (const auto& [key, value] :
       {std::pair<std::string_view, std::string_view>{"$N", name}, {"$T", dtype}, {"$S", shape}}) {
    for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
      text.replace(at, key.size(), value);
      at += value.size();
    }
  }
  return text;
}

}  // namespace

StatusOr<std::vector<SaveEntry>> StepTensors(int64_t step) {
  const auto value = static_cast<float>(step);
  const std::vector<float> values(static_cast<size_t>(kBigElements), value);
  TFCKPT_ASSIGN_OR_RETURN(Tensor big, Tensor::FromValues<float>({kBigElements}, values));
  TFCKPT_ASSIGN_OR_RETURN(Tensor small,
                          Tensor::FromValues<float>({1}, std::span<const float>(&value, 1)));
  TFCKPT_ASSIGN_OR_RETURN(Tensor label, Tensor::FromStrings({}, {std::to_string(step)}));
  return std::vector<SaveEntry>{{"big", big, ""}, {"small", small, ""}, {"label", label, ""}};
}

Status BuildStepGraph(Graph* graph) {
  const std::string text =
      Instantiate(std::string(kVariableTemplate), "big", "DT_FLOAT",
                  "dim { size: " + std::to_string(kBigElements) + " }") +
      Instantiate(std::string(kVariableTemplate), "small", "DT_FLOAT", "dim { size: 1 }") +
      Instantiate(std::string(kVariableTemplate), "label", "DT_STRING", "");
  tensorflow::GraphDef graph_def;
  if (!google::protobuf::TextFormat::ParseFromString(text, &graph_def)) {
    return InternalError("the step graph's text does not parse");
  }
  TFCKPT_RETURN_IF_ERROR(graph->Import(graph_def, {}));
  for (const char* name : {"big", "small", "label"}) {
    tensorflow::VariableDef variable;
    variable.set_variable_name(std::string(name) + ":0");
    variable.set_initializer_name(std::string(name) + "/Assign");
    variable.set_snapshot_name(std::string(name) + ":0");
    TFCKPT_RETURN_IF_ERROR(graph->AddVariableToCollection("variables", variable));
  }
  return OkStatus();
}

Status AssignStep(Session* session, int64_t step) {
  TFCKPT_ASSIGN_OR_RETURN(std::vector<SaveEntry> tensors, StepTensors(step));
  std::vector<std::pair<std::string, Tensor>> feeds;
  std::vector<std::string> targets;
  for (const SaveEntry& entry : tensors) {
    feeds.emplace_back(entry.name + "/value:0", entry.tensor);
    targets.push_back(entry.name + "/Assign");
  }
  return session->Run(feeds, {}, targets).status();
}

StatusOr<int64_t> CheckStepCheckpoint(const std::string& prefix, FileSystem* fs) {
  BundleReaderOptions options;
  options.file_system = fs;
  TFCKPT_ASSIGN_OR_RETURN(auto reader, BundleReader::Open(prefix, options));
  const std::vector<Status> problems = reader->Verify();
  if (!problems.empty()) return problems.front();
  TFCKPT_ASSIGN_OR_RETURN(Tensor small, reader->ReadTensor("small"));
  TFCKPT_ASSIGN_OR_RETURN(Tensor big, reader->ReadTensor("big"));
  TFCKPT_ASSIGN_OR_RETURN(Tensor label, reader->ReadTensor("label"));
  if (label.dtype() != DataType::kString || label.num_elements() != 1 ||
      small.dtype() != DataType::kFloat || small.num_elements() != 1 ||
      big.dtype() != DataType::kFloat || big.num_elements() != kBigElements) {
    return DataLossError(prefix + ": the tensors have unexpected dtypes or shapes");
  }
  const std::string& text = label.strings()[0];
  int64_t step = 0;
  if (std::from_chars(text.data(), text.data() + text.size(), step).ec != std::errc()) {
    return DataLossError(prefix + ": label '" + text + "' is not a step");
  }
  const auto value = static_cast<float>(step);
  for (const float v :
       {small.flat<float>()[0], big.flat<float>().front(), big.flat<float>().back()}) {
    if (v != value) {
      return DataLossError(prefix + ": tensors of different saves (label " + text + ", value " +
                           std::to_string(v) + ")");
    }
  }
  return step;
}

}  // namespace tfckpt::testing
