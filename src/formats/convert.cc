#include "tfckpt/convert.h"

#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "src/formats/tensor_files.h"
#include "src/formats/v1_writer.h"
#include "tfckpt/bundle_writer.h"
#include "tfckpt/checkpoint_reader.h"

namespace tfckpt {
namespace {

using internal::PlannedTensor;

class CheckpointSource : public TensorSource {
 public:
  explicit CheckpointSource(std::unique_ptr<CheckpointReader> reader,
                            std::vector<TensorInfo> infos)
      : reader_(std::move(reader)), infos_(std::move(infos)) {}

  const std::vector<TensorInfo>& tensors() const override { return infos_; }
  StatusOr<Tensor> Read(std::string_view name) const override {
    return reader_->ReadTensor(name);
  }

 private:
  std::unique_ptr<CheckpointReader> reader_;
  std::vector<TensorInfo> infos_;
};

// Why `format` cannot hold `dtype`; empty when it can.
std::string Unsupported(TensorFileFormat format, CheckpointVersion version, DataType dtype) {
  const std::string name(DataTypeName(dtype));
  switch (format) {
    case TensorFileFormat::kCheckpoint:
      return version == CheckpointVersion::kV2 || internal::V1WriterSupports(dtype)
                 ? ""
                 : "a V1 checkpoint cannot hold " + name + " tensors";
    case TensorFileFormat::kSafetensors:
      return internal::SafetensorsDtype(dtype).has_value()
                 ? ""
                 : "safetensors has no " + name + " dtype";
    case TensorFileFormat::kNpz:
      return internal::NpzSupports(dtype) ? "" : ".npz cannot hold " + name + " tensors";
  }
  return "";
}

Status WriteCheckpoint(const TensorSource& source, const std::vector<PlannedTensor>& plan,
                       const std::string& prefix, FileSystem* fs) {
  TFCKPT_ASSIGN_OR_RETURN(auto writer, BundleWriter::Create(prefix, {1, fs}));
  for (const PlannedTensor& t : plan) {
    TFCKPT_ASSIGN_OR_RETURN(const Tensor tensor, source.Read(t.source_name));
    TFCKPT_RETURN_IF_ERROR(writer->Add(t.name, tensor));
  }
  return writer->Finish();
}

Status WriteV1Checkpoint(const TensorSource& source, const std::vector<PlannedTensor>& plan,
                         const std::string& path, FileSystem* fs) {
  std::vector<TensorInfo> declared;
  declared.reserve(plan.size());
  std::map<std::string, std::string, std::less<>> source_names;
  for (const PlannedTensor& t : plan) {
    declared.push_back({t.name, t.dtype, t.shape});
    source_names[t.name] = t.source_name;
  }
  const std::vector<std::string> order = internal::V1Writer::RecordOrder(declared);
  TFCKPT_ASSIGN_OR_RETURN(auto writer, internal::V1Writer::Create(path, std::move(declared), fs));
  for (const std::string& name : order) {
    TFCKPT_ASSIGN_OR_RETURN(const Tensor tensor, source.Read(source_names.at(name)));
    TFCKPT_RETURN_IF_ERROR(writer->Add(name, tensor));
  }
  return writer->Finish();
}

}  // namespace

TensorFileFormat TensorFileFormatOf(std::string_view path) {
  if (path.ends_with(".safetensors")) return TensorFileFormat::kSafetensors;
  if (path.ends_with(".npz")) return TensorFileFormat::kNpz;
  return TensorFileFormat::kCheckpoint;
}

StatusOr<std::unique_ptr<TensorSource>> TensorSource::Open(const std::string& path,
                                                           FileSystem* fs) {
  if (fs == nullptr) fs = FileSystem::Default();
  switch (TensorFileFormatOf(path)) {
    case TensorFileFormat::kSafetensors:
      return internal::OpenSafetensors(path, fs);
    case TensorFileFormat::kNpz:
      return internal::OpenNpz(path, fs);
    case TensorFileFormat::kCheckpoint:
      break;
  }
  TFCKPT_ASSIGN_OR_RETURN(auto reader, CheckpointReader::Open(path, {fs}));
  TFCKPT_ASSIGN_OR_RETURN(const std::vector<BundleEntryInfo> entries, reader->ListEntries());
  std::vector<TensorInfo> infos;
  infos.reserve(entries.size());
  for (const BundleEntryInfo& e : entries) infos.push_back({e.name, e.dtype, e.shape});
  return std::unique_ptr<TensorSource>(new CheckpointSource(std::move(reader), std::move(infos)));
}

StatusOr<ConvertResult> ConvertTensors(const TensorSource& source, const std::string& dst,
                                       const ConvertOptions& options) {
  FileSystem* fs = options.file_system != nullptr ? options.file_system : FileSystem::Default();
  const TensorFileFormat format = TensorFileFormatOf(dst);
  ConvertResult result;
  std::vector<PlannedTensor> plan;
  std::set<std::string, std::less<>> names;
  for (const TensorInfo& info : source.tensors()) {
    if (const std::string why = Unsupported(format, options.checkpoint_version, info.dtype);
        !why.empty()) {
      result.skipped.push_back(info.name + ": " + why);
      continue;
    }
    auto renamed = options.rename.find(info.name);
    std::string name = renamed == options.rename.end() ? info.name : renamed->second;
    if (name.empty() || (format == TensorFileFormat::kNpz && name == internal::kNpzDtypesMember)) {
      return InvalidArgumentError("tensor '" + info.name + "' cannot be written as '" + name + "'");
    }
    if (!names.insert(name).second) {
      return InvalidArgumentError("two tensors would both be written as '" + name + "'");
    }
    result.written.push_back(name);
    plan.push_back({info.name, std::move(name), info.dtype, info.shape});
  }
  Status status;
  switch (format) {
    case TensorFileFormat::kSafetensors:
      status = internal::WriteSafetensors(source, plan, dst, fs);
      break;
    case TensorFileFormat::kNpz:
      status = internal::WriteNpz(source, plan, dst, fs);
      break;
    case TensorFileFormat::kCheckpoint:
      status = options.checkpoint_version == CheckpointVersion::kV1
                   ? WriteV1Checkpoint(source, plan, dst, fs)
                   : WriteCheckpoint(source, plan, dst, fs);
      break;
  }
  if (!status.ok()) return status.WithContext("writing " + dst);
  return result;
}

StatusOr<ConvertResult> Convert(const std::string& src, const std::string& dst,
                                const ConvertOptions& options) {
  TFCKPT_ASSIGN_OR_RETURN(auto source, TensorSource::Open(src, options.file_system));
  return ConvertTensors(*source, dst, options);
}

StatusOr<std::map<std::string, std::string>> ParseRenameMap(std::string_view json,
                                                            std::string_view source) {
  const nlohmann::json parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    return InvalidArgumentError(std::string(source) +
                                ": expected a JSON object {\"source name\": \"new name\"}");
  }
  std::map<std::string, std::string> rename;
  for (const auto& [from, to] : parsed.items()) {
    if (!to.is_string()) {
      return InvalidArgumentError(std::string(source) + ": the new name of '" + from +
                                  "' is not a string");
    }
    rename[from] = to.get<std::string>();
  }
  return rename;
}

}  // namespace tfckpt
