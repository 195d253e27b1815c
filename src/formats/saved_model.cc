#include "tfckpt/saved_model.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cstdint>

namespace tfckpt {
namespace {

// Protobuf cannot parse more than 2 GiB.
constexpr uint64_t kMaxSavedModelBytes = (uint64_t{1} << 31) - 1;

StatusOr<std::string> ReadWholeFile(FileSystem* fs, const std::string& path) {
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, fs->OpenForRead(path));
  if (file->size() > kMaxSavedModelBytes) {
    return ResourceExhaustedError(path + ": " + std::to_string(file->size()) +
                                  " bytes is more than a protobuf can hold");
  }
  std::string bytes(static_cast<size_t>(file->size()), '\0');
  TFCKPT_RETURN_IF_ERROR(file->Read(0, bytes.size(), bytes.data()));
  return bytes;
}

}  // namespace

StatusOr<SavedModelInfo> ReadSavedModel(const std::string& dir, FileSystem* fs) {
  if (fs == nullptr) fs = FileSystem::Default();
  SavedModelInfo model;
  model.dir = dir;
  model.variables_prefix = JoinPath(JoinPath(dir, "variables"), "variables");
  const std::string pb = JoinPath(dir, "saved_model.pb");
  const std::string pbtxt = JoinPath(dir, "saved_model.pbtxt");
  if (fs->Exists(pb).ok()) {
    TFCKPT_ASSIGN_OR_RETURN(const std::string bytes, ReadWholeFile(fs, pb));
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                              static_cast<int>(bytes.size()));
    in.SetRecursionLimit(100);
    if (!model.proto.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) {
      return DataLossError(pb + ": not a SavedModel");
    }
  } else if (fs->Exists(pbtxt).ok()) {
    TFCKPT_ASSIGN_OR_RETURN(const std::string text, ReadWholeFile(fs, pbtxt));
    if (!google::protobuf::TextFormat::ParseFromString(text, &model.proto)) {
      return DataLossError(pbtxt + ": not a text-format SavedModel");
    }
  } else {
    return NotFoundError("SavedModel file does not exist at: " + dir +
                         " (neither saved_model.pb nor saved_model.pbtxt)");
  }
  for (const tensorflow::MetaGraphDef& mg : model.proto.meta_graphs()) {
    MetaGraphSummary summary;
    summary.tags.assign(mg.meta_info_def().tags().begin(), mg.meta_info_def().tags().end());
    for (const auto& [key, signature] : mg.signature_def()) summary.signatures.push_back(key);
    std::sort(summary.signatures.begin(), summary.signatures.end());
    summary.has_object_graph = mg.has_object_graph_def();
    model.meta_graphs.push_back(std::move(summary));
  }
  return model;
}

StatusOr<const tensorflow::MetaGraphDef*> FindMetaGraph(const SavedModelInfo& model,
                                                        const std::vector<std::string>& tags) {
  std::vector<std::string> wanted = tags;
  std::sort(wanted.begin(), wanted.end());
  std::string present;
  for (size_t i = 0; i < model.meta_graphs.size(); ++i) {
    std::vector<std::string> have = model.meta_graphs[i].tags;
    std::sort(have.begin(), have.end());
    if (have == wanted) return &model.proto.meta_graphs(static_cast<int>(i));
    present += " {";
    for (size_t t = 0; t < have.size(); ++t) present += (t == 0 ? "" : ", ") + have[t];
    present += "}";
  }
  return NotFoundError(model.dir + ": no MetaGraphDef with the requested tags; present:" +
                       (present.empty() ? " none" : present));
}

StatusOr<std::unique_ptr<CheckpointReader>> OpenSavedModelVariables(const std::string& dir,
                                                                    FileSystem* fs) {
  return CheckpointReader::Open(JoinPath(JoinPath(dir, "variables"), "variables"), {fs});
}

}  // namespace tfckpt
