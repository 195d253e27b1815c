// safetensors: 8-byte little-endian header length N, N bytes of JSON
// {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
//  ..., "__metadata__": {"key": "value"}}, then the tensors' bytes, offsets
// relative to the end of the header.
#include <algorithm>
#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "src/base/atomic_file.h"
#include "src/base/coding.h"
#include "src/formats/tensor_files.h"

namespace tfckpt::internal {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kMetadataKey = "__metadata__";

struct DtypeName {
  DataType dtype;
  std::string_view name;
};
constexpr std::array<DtypeName, 16> kDtypeNames = {{
    {DataType::kBool, "BOOL"},
    {DataType::kUInt8, "U8"},
    {DataType::kInt8, "I8"},
    {DataType::kInt16, "I16"},
    {DataType::kUInt16, "U16"},
    {DataType::kHalf, "F16"},
    {DataType::kBFloat16, "BF16"},
    {DataType::kInt32, "I32"},
    {DataType::kUInt32, "U32"},
    {DataType::kFloat, "F32"},
    {DataType::kDouble, "F64"},
    {DataType::kInt64, "I64"},
    {DataType::kUInt64, "U64"},
    {DataType::kFloat8E5M2, "F8_E5M2"},
    {DataType::kFloat8E4M3FN, "F8_E4M3"},
    {DataType::kComplex64, "C64"},
}};

struct Stored {
  TensorInfo info;
  uint64_t begin = 0;
  uint64_t end = 0;
};

class SafetensorsSource : public TensorSource {
 public:
  SafetensorsSource(std::unique_ptr<RandomAccessFile> file, uint64_t data_start,
                    std::vector<Stored> stored)
      : file_(std::move(file)), data_start_(data_start), stored_(std::move(stored)) {
    for (size_t i = 0; i < stored_.size(); ++i) {
      infos_.push_back(stored_[i].info);
      index_.emplace(stored_[i].info.name, i);
    }
  }

  const std::vector<TensorInfo>& tensors() const override { return infos_; }

  StatusOr<Tensor> Read(std::string_view name) const override {
    auto it = index_.find(name);
    if (it == index_.end()) {
      return NotFoundError(file_->path() + ": no tensor named '" + std::string(name) + "'");
    }
    const Stored& s = stored_[it->second];
    TFCKPT_ASSIGN_OR_RETURN(Tensor tensor, Tensor::Allocate(s.info.dtype, s.info.shape));
    TFCKPT_RETURN_IF_ERROR(file_->Read(data_start_ + s.begin, static_cast<size_t>(s.end - s.begin),
                                       static_cast<char*>(tensor.mutable_data())));
    return tensor;
  }

 private:
  std::unique_ptr<RandomAccessFile> file_;
  uint64_t data_start_;
  std::vector<Stored> stored_;
  std::vector<TensorInfo> infos_;
  std::map<std::string, size_t, std::less<>> index_;
};

// Parses JSON, rejecting duplicate keys in any object (nlohmann would keep
// the last one silently).
StatusOr<Json> ParseStrictJson(std::string_view text, const std::string& what) {
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  Json parsed = Json::parse(
      text.begin(), text.end(),
      [&](int /*depth*/, Json::parse_event_t event, Json& value) {
        if (event == Json::parse_event_t::object_start) keys.emplace_back();
        if (event == Json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
        if (event == Json::parse_event_t::key && !keys.empty() &&
            !keys.back().insert(value.get<std::string>()).second && duplicate.empty()) {
          duplicate = value.get<std::string>();
        }
        return true;
      },
      /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return DataLossError(what + ": the header is not valid JSON");
  if (!duplicate.empty()) {
    return DataLossError(what + ": the header names '" + duplicate + "' twice");
  }
  return parsed;
}

// A JSON array of non-negative integers.
StatusOr<std::vector<uint64_t>> Unsigneds(const Json& j, const std::string& what) {
  if (!j.is_array()) return DataLossError(what + " is not an array");
  std::vector<uint64_t> out;
  for (const Json& v : j) {
    if (!v.is_number_unsigned()) return DataLossError(what + " holds a non-integer or negative value");
    out.push_back(v.get<uint64_t>());
  }
  return out;
}

StatusOr<Stored> ParseEntry(const std::string& name, const Json& j, const std::string& path) {
  const std::string where = path + ": tensor '" + name + "'";
  if (!j.is_object() || j.size() != 3 || !j.contains("dtype") || !j.contains("shape") ||
      !j.contains("data_offsets") || !j["dtype"].is_string()) {
    return DataLossError(where + ": needs exactly \"dtype\", \"shape\" and \"data_offsets\"");
  }
  Stored s;
  s.info.name = name;
  const auto dtype_name = j["dtype"].get<std::string>();
  const auto it = std::find_if(kDtypeNames.begin(), kDtypeNames.end(),
                               [&](const DtypeName& d) { return d.name == dtype_name; });
  if (it == kDtypeNames.end()) {
    return UnimplementedError(where + ": dtype " + dtype_name + " is not supported");
  }
  s.info.dtype = it->dtype;
  TFCKPT_ASSIGN_OR_RETURN(std::vector<uint64_t> dims, Unsigneds(j["shape"], where + ": shape"));
  std::vector<int64_t> signed_dims;
  for (const uint64_t d : dims) {
    if (d > static_cast<uint64_t>(INT64_MAX)) return DataLossError(where + ": dimension too large");
    signed_dims.push_back(static_cast<int64_t>(d));
  }
  auto shape = TensorShape::Create(signed_dims);
  if (!shape.ok()) return DataLossError(where + ": " + shape.status().message());
  s.info.shape = *std::move(shape);
  TFCKPT_ASSIGN_OR_RETURN(std::vector<uint64_t> offsets,
                          Unsigneds(j["data_offsets"], where + ": data_offsets"));
  if (offsets.size() != 2 || offsets[1] < offsets[0]) {
    return DataLossError(where + ": data_offsets must be [begin, end] with begin <= end");
  }
  s.begin = offsets[0];
  s.end = offsets[1];
  auto bytes = TensorByteSize(s.info.dtype, s.info.shape);
  if (!bytes.ok() || *bytes != s.end - s.begin) {
    return DataLossError(where + ": " + std::to_string(s.end - s.begin) +
                         " bytes do not hold a " + dtype_name + " tensor of shape " +
                         s.info.shape.DebugString());
  }
  return s;
}

}  // namespace

std::optional<std::string_view> SafetensorsDtype(DataType dtype) {
  for (const DtypeName& d : kDtypeNames) {
    if (d.dtype == dtype) return d.name;
  }
  return std::nullopt;
}

StatusOr<std::unique_ptr<TensorSource>> OpenSafetensors(const std::string& path,
                                                        FileSystem* fs) {
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, fs->OpenForRead(path));
  const uint64_t file_size = file->size();
  if (file_size < 8) return DataLossError(path + ": too short for a safetensors file");
  char length_bytes[8];
  TFCKPT_RETURN_IF_ERROR(file->Read(0, 8, length_bytes));
  const uint64_t header_size = DecodeFixed64(length_bytes);
  if (header_size > kSafetensorsMaxHeaderSize) {
    return DataLossError(path + ": header of " + std::to_string(header_size) +
                         " bytes exceeds the " + std::to_string(kSafetensorsMaxHeaderSize) +
                         "-byte limit");
  }
  if (header_size > file_size - 8) {
    return DataLossError(path + ": header of " + std::to_string(header_size) +
                         " bytes runs past the end of the " + std::to_string(file_size) +
                         "-byte file");
  }
  std::string header(static_cast<size_t>(header_size), '\0');
  TFCKPT_RETURN_IF_ERROR(file->Read(8, header.size(), header.data()));
  if (header.empty() || header[0] != '{') {
    return DataLossError(path + ": the header does not start with '{'");
  }
  TFCKPT_ASSIGN_OR_RETURN(Json json, ParseStrictJson(header, path));
  if (!json.is_object()) return DataLossError(path + ": the header is not a JSON object");
  std::vector<Stored> stored;
  for (const auto& [name, value] : json.items()) {
    if (name == kMetadataKey) {
      if (!value.is_object()) return DataLossError(path + ": __metadata__ is not an object");
      for (const auto& [key, v] : value.items()) {
        if (!v.is_string()) return DataLossError(path + ": __metadata__ value '" + key + "' is not a string");
      }
      continue;
    }
    TFCKPT_ASSIGN_OR_RETURN(Stored s, ParseEntry(name, value, path));
    stored.push_back(std::move(s));
  }
  // The data is exactly the tensors, back to back: no holes, no overlaps,
  // nothing after the last one.
  std::sort(stored.begin(), stored.end(), [](const Stored& a, const Stored& b) {
    return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
  });
  uint64_t expected = 0;
  for (const Stored& s : stored) {
    if (s.begin != expected) {
      return DataLossError(path + ": tensor '" + s.info.name + "' starts at " +
                           std::to_string(s.begin) + " but the previous one ends at " +
                           std::to_string(expected));
    }
    expected = s.end;
  }
  const uint64_t data_size = file_size - 8 - header_size;
  if (expected != data_size) {
    return DataLossError(path + ": the tensors hold " + std::to_string(expected) +
                         " bytes but the file has " + std::to_string(data_size) +
                         " bytes of data");
  }
  return std::unique_ptr<TensorSource>(
      new SafetensorsSource(std::move(file), 8 + header_size, std::move(stored)));
}

Status WriteSafetensors(const TensorSource& source, const std::vector<PlannedTensor>& plan,
                        const std::string& path, FileSystem* fs) {
  Json header = Json::object();
  uint64_t offset = 0;
  for (const PlannedTensor& t : plan) {
    TFCKPT_ASSIGN_OR_RETURN(const size_t bytes, TensorByteSize(t.dtype, t.shape));
    Json entry;
    entry["dtype"] = std::string(*SafetensorsDtype(t.dtype));
    entry["shape"] = std::vector<int64_t>(t.shape.dims().begin(), t.shape.dims().end());
    entry["data_offsets"] = {offset, offset + bytes};
    header[t.name] = std::move(entry);
    offset += bytes;
  }
  header[std::string(kMetadataKey)] = {{"format", "tfckpt"}};
  std::string text = header.dump();
  // Pad with spaces so the data starts 8-byte aligned, as the reference
  // writer does.
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string prefix;
  PutFixed64(&prefix, text.size());
  TFCKPT_ASSIGN_OR_RETURN(auto out, AtomicFileWriter::Open(fs, path));
  TFCKPT_RETURN_IF_ERROR(out->file()->Append(prefix));
  TFCKPT_RETURN_IF_ERROR(out->file()->Append(text));
  for (const PlannedTensor& t : plan) {
    TFCKPT_ASSIGN_OR_RETURN(const Tensor tensor, source.Read(t.source_name));
    if (tensor.dtype() != t.dtype || !(tensor.shape() == t.shape)) {
      return DataLossError("tensor '" + t.source_name + "' is not the dtype and shape listed");
    }
    TFCKPT_RETURN_IF_ERROR(out->file()->Append(tensor.bytes()));
  }
  return out->Commit();
}

}  // namespace tfckpt::internal
