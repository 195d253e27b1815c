#include "src/formats/v1_reader.h"

#include <algorithm>
#include <complex>
#include <cstdint>
#include <cstring>
#include <optional>
#include <type_traits>
#include <utility>

#include "src/bundle/entry_codec.h"
#include "src/core/proto_conversions.h"
#include "src/core/tensor_region.h"
#include "tensorflow/core/util/saved_tensor_slice.pb.h"

namespace tfckpt::internal {
namespace {

// Copies a repeated field into `dst`, whose elements are one or (complex)
// two values of type T each.
template <typename T, typename Field>
Status CopyField(const Field& field, Tensor* dst) {
  const size_t count = dst->byte_size() / sizeof(T);
  if (static_cast<size_t>(field.size()) != count) {
    return DataLossError("the record holds " + std::to_string(field.size()) +
                         " values where " + std::to_string(count) + " were expected");
  }
  if (count == 0) return OkStatus();
  auto* out = static_cast<char*>(dst->mutable_data());
  using Stored = std::decay_t<decltype(field.Get(0))>;
  if constexpr (std::is_same_v<Stored, T>) {
    std::memcpy(out, field.data(), count * sizeof(T));
  } else {
    for (size_t i = 0; i < count; ++i) {
      // Narrowing as TensorFlow does: int_val carries int8..uint16 widened,
      // half_val the 16-bit patterns.
      const T v = static_cast<T>(field.Get(static_cast<int>(i)));
      std::memcpy(out + i * sizeof(T), &v, sizeof(T));
    }
  }
  return OkStatus();
}

}  // namespace

Status TensorProtoValuesToTensor(const tensorflow::TensorProto& proto, Tensor* dst) {
  switch (dst->dtype()) {
    case DataType::kFloat:
      return CopyField<float>(proto.float_val(), dst);
    case DataType::kDouble:
      return CopyField<double>(proto.double_val(), dst);
    case DataType::kInt32:
    case DataType::kQInt32:
      return CopyField<int32_t>(proto.int_val(), dst);
    case DataType::kInt16:
    case DataType::kQInt16:
      return CopyField<int16_t>(proto.int_val(), dst);
    case DataType::kUInt16:
    case DataType::kQUInt16:
      return CopyField<uint16_t>(proto.int_val(), dst);
    case DataType::kInt8:
    case DataType::kQInt8:
      return CopyField<int8_t>(proto.int_val(), dst);
    case DataType::kUInt8:
    case DataType::kQUInt8:
      return CopyField<uint8_t>(proto.int_val(), dst);
    case DataType::kInt64:
      return CopyField<int64_t>(proto.int64_val(), dst);
    case DataType::kUInt32:
      return CopyField<uint32_t>(proto.uint32_val(), dst);
    case DataType::kUInt64:
      return CopyField<uint64_t>(proto.uint64_val(), dst);
    case DataType::kBool:
      return CopyField<bool>(proto.bool_val(), dst);
    case DataType::kHalf:
    case DataType::kBFloat16:
      // Bit patterns, widened to int32.
      return CopyField<uint16_t>(proto.half_val(), dst);
    case DataType::kComplex64:
      return CopyField<float>(proto.scomplex_val(), dst);
    case DataType::kComplex128:
      return CopyField<double>(proto.dcomplex_val(), dst);
    case DataType::kString: {
      const auto n = static_cast<size_t>(dst->num_elements());
      if (static_cast<size_t>(proto.string_val_size()) != n) {
        return DataLossError("the record holds " + std::to_string(proto.string_val_size()) +
                             " strings where " + std::to_string(n) + " were expected");
      }
      std::copy(proto.string_val().begin(), proto.string_val().end(),
                dst->mutable_strings().begin());
      return OkStatus();
    }
    default:
      return UnimplementedError("dtype " + std::string(DataTypeName(dst->dtype())) +
                                " cannot be stored in a V1 checkpoint");
  }
}

StatusOr<std::unique_ptr<V1Reader>> V1Reader::Open(const std::string& pattern, FileSystem* fs) {
  TFCKPT_ASSIGN_OR_RETURN(std::vector<std::string> paths, MatchingPaths(fs, pattern));
  if (paths.empty()) {
    return NotFoundError("Unsuccessful TensorSliceReader constructor: Failed to find any "
                         "matching files for " + pattern);
  }
  std::unique_ptr<V1Reader> reader(new V1Reader());
  reader->pattern_ = pattern;
  for (std::string& path : paths) {
    TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, fs->OpenForRead(path));
    auto table = TableReader::Open(std::move(file));
    if (!table.ok()) {
      return table.status().WithContext(path + ": not a V1 checkpoint (SSTable)");
    }
    TFCKPT_RETURN_IF_ERROR(reader->AddFile(std::move(path), *std::move(table)));
  }
  return reader;
}

Status V1Reader::AddFile(std::string path, std::unique_ptr<TableReader> table) {
  auto header = table->Get(kHeaderEntryKey);
  if (!header.ok()) {
    return DataLossError(path + ": no V1 checkpoint metadata under the empty key: " +
                         header.status().message());
  }
  tensorflow::SavedTensorSlices sts;
  if (!sts.ParseFromString(*header) || !sts.has_meta()) {
    return DataLossError(path + ": the metadata record is not a SavedTensorSliceMeta");
  }
  const tensorflow::SavedTensorSliceMeta& meta = sts.meta();
  if (meta.has_versions()) {
    const tensorflow::VersionDef& v = meta.versions();
    const bool bad = std::find(v.bad_consumers().begin(), v.bad_consumers().end(),
                               kV1CheckpointVersion) != v.bad_consumers().end();
    if (v.producer() < kV1CheckpointMinProducer || v.min_consumer() > kV1CheckpointVersion ||
        bad) {
      return InvalidArgumentError(path + ": checkpoint version (producer " +
                                  std::to_string(v.producer()) + ", min_consumer " +
                                  std::to_string(v.min_consumer()) +
                                  ") is not supported; it needs a newer reader");
    }
  }
  const size_t file_index = files_.size();
  for (const tensorflow::SavedSliceMeta& t : meta.tensor()) {
    const std::string where = path + ": tensor '" + t.name() + "'";
    if (!IsValidDataType(t.type()) ||
        (t.type() != tensorflow::DT_STRING && !DataTypeIsMemcpyable(static_cast<DataType>(t.type())))) {
      return DataLossError(where + " has unsupported dtype " + std::to_string(t.type()));
    }
    auto shape = ShapeFromProto(t.shape());
    if (!shape.ok()) return DataLossError(where + ": " + shape.status().message());
    const auto dtype = static_cast<DataType>(t.type());
    auto [it, inserted] = tensors_.try_emplace(t.name());
    TensorMeta& tm = it->second;
    if (inserted) {
      tm.dtype = dtype;
      tm.shape = *shape;
    } else if (tm.dtype != dtype || !(tm.shape == *shape)) {
      return DataLossError(where + ": dtype or shape differs from an earlier file");
    }
    for (const tensorflow::TensorSliceProto& sp : t.slice()) {
      auto slice = SliceFromProto(sp);
      if (!slice.ok()) return DataLossError(where + ": " + slice.status().message());
      if (Status fits = slice->SliceShape(tm.shape).status(); !fits.ok()) {
        return DataLossError(where + ": slice " + slice->DebugString() + ": " + fits.message());
      }
      const Region region = ToRegion(*slice, tm.shape);
      for (const StoredSlice& earlier : tm.stored) {
        if (Intersect(ToRegion(earlier.slice, tm.shape), region).has_value()) {
          return DataLossError(where + ": slices " + earlier.slice.DebugString() + " and " +
                               slice->DebugString() + " overlap");
        }
      }
      tm.stored.push_back({*std::move(slice), file_index});
    }
  }
  paths_.push_back(std::move(path));
  files_.push_back(std::move(table));
  return OkStatus();
}

StatusOr<const V1Reader::TensorMeta*> V1Reader::Find(std::string_view name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) {
    return NotFoundError(pattern_ + ": no tensor named '" + std::string(name) + "'");
  }
  return &it->second;
}

StatusOr<std::string> V1Reader::ReadRecord(std::string_view name,
                                           const StoredSlice& stored) const {
  auto value = files_[stored.file]->Get(EncodeTensorNameSlice(name, stored.slice));
  if (!value.ok() && value.status().code() == StatusCode::kNotFound) {
    return DataLossError(paths_[stored.file] + ": tensor '" + std::string(name) + "' slice " +
                         stored.slice.DebugString() + " is listed but its record is missing");
  }
  return value;
}

StatusOr<Tensor> V1Reader::ReadStoredSlice(std::string_view name, const TensorMeta& meta,
                                           const StoredSlice& stored) const {
  const std::string where = paths_[stored.file] + ": tensor '" + std::string(name) +
                            "' slice " + stored.slice.DebugString();
  TFCKPT_ASSIGN_OR_RETURN(const std::string record, ReadRecord(name, stored));
  tensorflow::SavedTensorSlices sts;
  if (!sts.ParseFromString(record) || !sts.has_data()) {
    return DataLossError(where + ": the record is not a SavedSlice");
  }
  const tensorflow::SavedSlice& data = sts.data();
  auto slice = SliceFromProto(data.slice());
  if (data.name() != name || !slice.ok() || !(*slice == stored.slice)) {
    return DataLossError(where + ": the record names another tensor or slice");
  }
  TFCKPT_ASSIGN_OR_RETURN(const TensorShape shape, stored.slice.SliceShape(meta.shape));
  TFCKPT_ASSIGN_OR_RETURN(Tensor tensor, Tensor::Allocate(meta.dtype, shape));
  if (Status s = TensorProtoValuesToTensor(data.data(), &tensor); !s.ok()) {
    return s.WithContext(where);
  }
  return tensor;
}

StatusOr<BundleEntryInfo> V1Reader::GetEntryInfo(std::string_view name) const {
  TFCKPT_ASSIGN_OR_RETURN(const TensorMeta* meta, Find(name));
  BundleEntryInfo info;
  info.name = std::string(name);
  info.dtype = meta->dtype;
  info.shape = meta->shape;
  for (const StoredSlice& stored : meta->stored) {
    TFCKPT_ASSIGN_OR_RETURN(const std::string record, ReadRecord(name, stored));
    info.size += static_cast<int64_t>(record.size());
  }
  // One slice covering the tensor is how V1 stores an unpartitioned one.
  if (meta->stored.size() == 1 && meta->stored[0].slice.Covers(meta->shape)) {
    info.shard_id = static_cast<int32_t>(meta->stored[0].file);
  } else {
    for (const StoredSlice& stored : meta->stored) info.slices.push_back(stored.slice);
  }
  return info;
}

StatusOr<BundleEntryInfo> V1Reader::GetSliceEntryInfo(std::string_view name,
                                                      const TensorSlice& slice) const {
  TFCKPT_ASSIGN_OR_RETURN(const TensorMeta* meta, Find(name));
  for (const StoredSlice& stored : meta->stored) {
    if (!(stored.slice == slice)) continue;
    TFCKPT_ASSIGN_OR_RETURN(const std::string record, ReadRecord(name, stored));
    BundleEntryInfo info;
    info.name = std::string(name);
    info.dtype = meta->dtype;
    TFCKPT_ASSIGN_OR_RETURN(info.shape, slice.SliceShape(meta->shape));
    info.shard_id = static_cast<int32_t>(stored.file);
    info.size = static_cast<int64_t>(record.size());
    return info;
  }
  return NotFoundError(pattern_ + ": tensor '" + std::string(name) + "' has no stored slice " +
                       slice.DebugString());
}

StatusOr<std::vector<BundleEntryInfo>> V1Reader::ListEntries() const {
  std::vector<BundleEntryInfo> entries;
  entries.reserve(tensors_.size());
  for (const auto& [name, meta] : tensors_) {
    TFCKPT_ASSIGN_OR_RETURN(BundleEntryInfo info, GetEntryInfo(name));
    entries.push_back(std::move(info));
  }
  return entries;
}

StatusOr<Tensor> V1Reader::ReadTensor(std::string_view name) const {
  TFCKPT_ASSIGN_OR_RETURN(const TensorMeta* meta, Find(name));
  return ReadSlice(name, TensorSlice::Full(meta->shape.rank()));
}

StatusOr<Tensor> V1Reader::ReadSlice(std::string_view name, const TensorSlice& slice) const {
  TFCKPT_ASSIGN_OR_RETURN(const TensorMeta* meta, Find(name));
  auto shape = slice.SliceShape(meta->shape);
  if (!shape.ok()) {
    return shape.status().WithContext(pattern_ + ": tensor '" + std::string(name) + "'");
  }
  const Region wanted = ToRegion(slice, meta->shape);
  // The stored slices never overlap, so counting covered elements is exact.
  int64_t covered = 0;
  for (const StoredSlice& stored : meta->stored) {
    if (auto common = Intersect(ToRegion(stored.slice, meta->shape), wanted)) {
      covered += common->num_elements();
    }
  }
  if (covered != wanted.num_elements()) {
    return NotFoundError(pattern_ + ": the stored slices of tensor '" + std::string(name) +
                         "' do not cover " + (slice.IsFull() ? "it" : slice.DebugString()));
  }
  TFCKPT_ASSIGN_OR_RETURN(Tensor result, Tensor::Allocate(meta->dtype, *shape));
  for (const StoredSlice& stored : meta->stored) {
    const Region region = ToRegion(stored.slice, meta->shape);
    const std::optional<Region> common = Intersect(region, wanted);
    if (!common.has_value()) continue;
    TFCKPT_ASSIGN_OR_RETURN(Tensor piece, ReadStoredSlice(name, *meta, stored));
    if (region.start == wanted.start && region.length == wanted.length) return piece;
    CopyRegion(piece, region, &result, wanted, *common);
  }
  return result;
}

std::vector<Status> V1Reader::Verify() const {
  std::vector<Status> problems;
  for (const auto& file : files_) {
    for (Status& s : file->VerifyBlocks()) problems.push_back(std::move(s));
  }
  for (const auto& [name, meta] : tensors_) {
    for (const StoredSlice& stored : meta.stored) {
      if (Status s = ReadStoredSlice(name, meta, stored).status(); !s.ok()) {
        problems.push_back(std::move(s));
      }
    }
  }
  return problems;
}

}  // namespace tfckpt::internal
