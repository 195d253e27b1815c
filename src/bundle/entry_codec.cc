#include "src/bundle/entry_codec.h"

#include <algorithm>
#include <limits>

#include "src/bundle/ordered_code.h"
#include "src/core/proto_conversions.h"

namespace tfckpt::internal {

std::string EncodeTensorNameSlice(std::string_view name, const TensorSlice& slice) {
  std::string key;
  ordered_code::WriteNumIncreasing(&key, 0);
  ordered_code::WriteString(&key, name);
  ordered_code::WriteNumIncreasing(&key, static_cast<uint64_t>(slice.rank()));
  for (const TensorSlice::Extent& e : slice.extents()) {
    // A full extent is written as start 0, length -1.
    ordered_code::WriteSignedNumIncreasing(&key, e.length == TensorSlice::kFullLength ? 0 : e.start);
    ordered_code::WriteSignedNumIncreasing(&key, e.length);
  }
  return key;
}

Status DecodeTensorNameSlice(std::string_view key, std::string* name,
                             TensorSlice* slice) {
  const auto invalid = [&] {
    return InvalidArgumentError("not an encoded tensor slice key (" +
                                std::to_string(key.size()) + " bytes)");
  };
  std::string_view input = key;
  uint64_t marker = 1, rank = 0;
  if (!ordered_code::ReadNumIncreasing(&input, &marker) || marker != 0 ||
      !ordered_code::ReadString(&input, name) ||
      !ordered_code::ReadNumIncreasing(&input, &rank) ||
      rank > static_cast<uint64_t>(TensorShape::kMaxRank)) {
    return invalid();
  }
  std::vector<TensorSlice::Extent> extents(rank);
  for (TensorSlice::Extent& e : extents) {
    if (!ordered_code::ReadSignedNumIncreasing(&input, &e.start) ||
        !ordered_code::ReadSignedNumIncreasing(&input, &e.length)) {
      return invalid();
    }
  }
  if (!input.empty()) return invalid();
  TFCKPT_ASSIGN_OR_RETURN(*slice, TensorSlice::Create(std::move(extents)));
  return OkStatus();
}

std::string DisplayName(std::string_view key) {
  std::string name;
  TensorSlice slice;
  if (!key.empty() && key[0] == '\0' && DecodeTensorNameSlice(key, &name, &slice).ok()) {
    return name + " (slice " + slice.DebugString() + ")";
  }
  return std::string(key);
}

Status ParseHeader(std::string_view value, const std::string& file,
                   tensorflow::BundleHeaderProto* header) {
  if (!header->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return DataLossError(file + ": cannot parse the bundle header");
  }
  if (header->num_shards() <= 0) {
    return DataLossError(file + ": bundle header has num_shards = " +
                         std::to_string(header->num_shards()));
  }
  if (header->endianness() != tensorflow::BundleHeaderProto::LITTLE) {
    return UnimplementedError(file + ": big-endian bundles are not supported");
  }
  if (header->has_version()) {
    const tensorflow::VersionDef& v = header->version();
    if (v.producer() < kBundleMinProducer) {
      return InvalidArgumentError(file + ": bundle producer version " +
                                  std::to_string(v.producer()) + " is too old");
    }
    const auto& bad = v.bad_consumers();
    if (v.min_consumer() > kBundleVersion ||
        std::find(bad.begin(), bad.end(), kBundleVersion) != bad.end()) {
      return InvalidArgumentError(
          file + ": bundle needs a newer reader (min_consumer " +
          std::to_string(v.min_consumer()) + "); written by a newer TensorFlow?");
    }
  }
  return OkStatus();
}

Status ParseEntry(std::string_view key, std::string_view value,
                  const std::string& file, tensorflow::BundleEntryProto* entry) {
  const auto where = [&] { return file + ": tensor '" + std::string(key) + "'"; };
  if (value.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !entry->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return DataLossError(where() + ": cannot parse its index entry");
  }
  if (!IsValidDataType(entry->dtype())) {
    return DataLossError(where() + ": invalid dtype " + std::to_string(entry->dtype()));
  }
  if (entry->shard_id() < 0 || entry->offset() < 0 || entry->size() < 0) {
    return DataLossError(where() + ": negative shard, offset or size in its index entry");
  }
  if (entry->offset() > std::numeric_limits<int64_t>::max() - entry->size()) {
    return DataLossError(where() + ": offset + size overflows");
  }
  return OkStatus();
}

Status FillEntryInfo(std::string_view name, const tensorflow::BundleEntryProto& entry,
                     BundleEntryInfo* info) {
  const auto context = [&] { return "tensor '" + std::string(name) + "'"; };
  info->dtype = static_cast<DataType>(entry.dtype());
  auto shape = ShapeFromProto(entry.shape());
  if (!shape.ok()) return shape.status().WithContext(context());
  info->shape = *std::move(shape);
  info->shard_id = entry.shard_id();
  info->offset = entry.offset();
  info->size = entry.size();
  info->slices.clear();
  for (const auto& slice_proto : entry.slices()) {
    auto slice = SliceFromProto(slice_proto);
    if (!slice.ok()) return slice.status().WithContext(context());
    if (auto slice_shape = slice->SliceShape(info->shape); !slice_shape.ok()) {
      return slice_shape.status().WithContext(context());
    }
    info->slices.push_back(*std::move(slice));
  }
  return OkStatus();
}

StatusOr<BundleEntryInfo> EntryInfo(std::string_view name,
                                    const tensorflow::BundleEntryProto& entry) {
  BundleEntryInfo info;
  TFCKPT_RETURN_IF_ERROR(FillEntryInfo(name, entry, &info));
  info.name = std::string(name);
  return info;
}

}  // namespace tfckpt::internal
