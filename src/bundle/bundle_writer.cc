#include "tfckpt/bundle_writer.h"

#include <limits>
#include <map>
#include <string>
#include <thread>
#include <unordered_map>

#include "src/base/atomic_file.h"
#include "src/base/crc32c.h"
#include "src/bundle/entry_codec.h"
#include "src/bundle/naming.h"
#include "src/bundle/string_codec.h"
#include "src/core/proto_conversions.h"
#include "src/table/table_builder.h"
#include "src/table/table_reader.h"
#include "tensorflow/core/protobuf/tensor_bundle.pb.h"

namespace tfckpt {
namespace {

// Tensors at least this large are checksummed on a second thread while the
// calling thread writes them, instead of in a pass of their own.
constexpr size_t kOverlapChecksumBytes = size_t{4} << 20;

using internal::AtomicFileWriter;
using EntryMap = std::map<std::string, tensorflow::BundleEntryProto>;

// Writes the header and the entries (in key order) to a temporary index file
// for `prefix`, left open for the caller to commit.
StatusOr<std::unique_ptr<AtomicFileWriter>> WriteIndex(FileSystem* fs, const std::string& prefix,
                                                       const tensorflow::BundleHeaderProto& header,
                                                       const EntryMap& entries) {
  TFCKPT_ASSIGN_OR_RETURN(auto index,
                          AtomicFileWriter::Open(fs, internal::MetaFilename(prefix)));
  TFCKPT_ASSIGN_OR_RETURN(auto table, internal::TableBuilder::Create(index->file()));
  TFCKPT_RETURN_IF_ERROR(table->Add(internal::kHeaderEntryKey, header.SerializeAsString()));
  for (const auto& [key, entry] : entries) {
    TFCKPT_RETURN_IF_ERROR(table->Add(key, entry.SerializeAsString()));
  }
  TFCKPT_RETURN_IF_ERROR(table->Finish());
  return index;
}

// Moves the closed (and, when `sync`, fsynced) index into place after
// `rename_data` moved the data files, then fsyncs the directory once. The
// index appearing is the commit. Renames without a directory fsync between
// them reach the disk in the order made on journaling file systems (ext4,
// xfs, btrfs), so after a crash the index is never there without its data
// files; the final fsync makes the whole bundle durable.
template <typename RenameData>
Status RenameAndSync(FileSystem* fs, const std::string& prefix, AtomicFileWriter* index,
                     bool sync, RenameData rename_data) {
  TFCKPT_RETURN_IF_ERROR(rename_data());
  TFCKPT_RETURN_IF_ERROR(index->RenameIntoPlace());
  return sync ? fs->SyncDir(DirName(prefix)) : OkStatus();
}

}  // namespace

struct BundleWriter::Rep {
  std::string prefix;
  BundleWriterOptions options;
  FileSystem* fs = nullptr;
  std::unique_ptr<AtomicFileWriter> data;
  // Ordered by key: the index is written in key order at Finish().
  EntryMap entries;
  Status status;  // first error; sticky
  bool finished = false;

  Status Fail(Status s) {
    if (status.ok()) status = s;
    return s;
  }

  // Appends a tensor's encoding to the data file and records its entry.
  Status AddEntry(std::string key, const Tensor& tensor);
  Status Commit();
};

BundleWriter::BundleWriter(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
BundleWriter::~BundleWriter() = default;

StatusOr<std::unique_ptr<BundleWriter>> BundleWriter::Create(
    std::string prefix, BundleWriterOptions options) {
  if (prefix.empty()) return InvalidArgumentError("bundle prefix is empty");
  if (options.data_alignment < 1) {
    return InvalidArgumentError("data_alignment must be >= 1, got " +
                                std::to_string(options.data_alignment));
  }
  auto rep = std::make_unique<Rep>();
  rep->fs = options.file_system != nullptr ? options.file_system : FileSystem::Default();
  rep->options = options;
  rep->prefix = std::move(prefix);
  TFCKPT_RETURN_IF_ERROR(rep->fs->CreateDir(DirName(rep->prefix)));
  TFCKPT_ASSIGN_OR_RETURN(
      rep->data, AtomicFileWriter::Open(rep->fs, internal::DataFilename(rep->prefix, 0, 1)));
  return std::unique_ptr<BundleWriter>(new BundleWriter(std::move(rep)));
}

const std::string& BundleWriter::prefix() const { return rep_->prefix; }

Status BundleWriter::Rep::AddEntry(std::string key, const Tensor& tensor) {
  if (entries.count(key) != 0) {
    return InvalidArgumentError("bundle " + prefix + ": tensor '" + key +
                                "' was already added");
  }
  if (tensor.dtype() != DataType::kString && !DataTypeIsMemcpyable(tensor.dtype())) {
    return InvalidArgumentError("bundle " + prefix + ": tensor '" + key + "' has dtype " +
                                std::string(DataTypeName(tensor.dtype())) +
                                ", which cannot be saved");
  }
  WritableFile* file = data->file();
  tensorflow::BundleEntryProto entry;
  entry.set_dtype(static_cast<tensorflow::DataType>(tensor.dtype()));
  internal::ShapeToProto(tensor.shape(), entry.mutable_shape());
  entry.set_offset(static_cast<int64_t>(file->position()));
  uint32_t crc = 0;
  if (tensor.dtype() == DataType::kString) {
    std::string encoded;
    crc = internal::EncodeStringTensor(tensor.strings(), &encoded);
    TFCKPT_RETURN_IF_ERROR(file->Append(encoded));
    entry.set_size(static_cast<int64_t>(encoded.size()));
  } else if (tensor.byte_size() >= kOverlapChecksumBytes) {
    std::thread checksummer([&] { crc = crc32c::Value(tensor.bytes()); });
    const Status appended = file->Append(tensor.bytes());
    checksummer.join();
    TFCKPT_RETURN_IF_ERROR(appended);
    entry.set_size(static_cast<int64_t>(tensor.byte_size()));
  } else {
    crc = crc32c::Value(tensor.bytes());
    TFCKPT_RETURN_IF_ERROR(file->Append(tensor.bytes()));
    entry.set_size(static_cast<int64_t>(tensor.byte_size()));
  }
  entry.set_crc32c(crc32c::Mask(crc));
  const auto alignment = static_cast<uint64_t>(options.data_alignment);
  if (const uint64_t rest = file->position() % alignment; rest != 0) {
    TFCKPT_RETURN_IF_ERROR(file->Append(std::string(alignment - rest, '\0')));
  }
  entries.emplace(std::move(key), std::move(entry));
  return OkStatus();
}

Status BundleWriter::Add(std::string_view name, const Tensor& tensor) {
  if (rep_->finished) return FailedPreconditionError("bundle " + rep_->prefix + ": Add after Finish");
  TFCKPT_RETURN_IF_ERROR(rep_->status);
  if (name.empty()) {
    return rep_->Fail(InvalidArgumentError("bundle " + rep_->prefix + ": tensor name is empty"));
  }
  return rep_->Fail(rep_->AddEntry(std::string(name), tensor));
}

Status BundleWriter::AddSlice(std::string_view full_name, const TensorShape& full_shape,
                              const TensorSlice& slice, const Tensor& slice_tensor) {
  if (rep_->finished) {
    return FailedPreconditionError("bundle " + rep_->prefix + ": AddSlice after Finish");
  }
  TFCKPT_RETURN_IF_ERROR(rep_->status);
  const std::string name(full_name);
  if (name.empty()) {
    return rep_->Fail(InvalidArgumentError("bundle " + rep_->prefix + ": tensor name is empty"));
  }
  auto slice_shape = slice.SliceShape(full_shape);
  if (!slice_shape.ok()) {
    return rep_->Fail(
        slice_shape.status().WithContext("bundle " + rep_->prefix + ": tensor '" + name + "'"));
  }
  if (!(*slice_shape == slice_tensor.shape())) {
    return rep_->Fail(InvalidArgumentError(
        "bundle " + rep_->prefix + ": slice " + slice.DebugString() + " of tensor '" + name +
        "' has shape " + slice_shape->DebugString() + " but the given tensor is " +
        slice_tensor.shape().DebugString()));
  }
  // As in TensorFlow, a slice covering the whole tensor is stored plainly.
  if (slice.Covers(full_shape)) return Add(name, slice_tensor);

  auto it = rep_->entries.find(name);
  if (it == rep_->entries.end()) {
    tensorflow::BundleEntryProto full_entry;
    full_entry.set_dtype(static_cast<tensorflow::DataType>(slice_tensor.dtype()));
    internal::ShapeToProto(full_shape, full_entry.mutable_shape());
    it = rep_->entries.emplace(name, std::move(full_entry)).first;
  } else {
    // Compare the proto fields directly: converting the entry would convert
    // every slice added so far, making many slices quadratic.
    const tensorflow::BundleEntryProto& existing = it->second;
    tensorflow::TensorShapeProto shape_proto;
    internal::ShapeToProto(full_shape, &shape_proto);
    if (existing.slices_size() == 0 ||
        existing.dtype() != static_cast<tensorflow::DataType>(slice_tensor.dtype()) ||
        existing.shape().SerializeAsString() != shape_proto.SerializeAsString()) {
      return rep_->Fail(InvalidArgumentError(
          "bundle " + rep_->prefix + ": slice of tensor '" + name +
          "' conflicts with an earlier entry of that name (different dtype or shape, "
          "or not partitioned)"));
    }
  }
  internal::SliceToProto(slice, it->second.add_slices());
  return rep_->Fail(rep_->AddEntry(internal::EncodeTensorNameSlice(name, slice), slice_tensor));
}

Status BundleWriter::Rep::Commit() {
  tensorflow::BundleHeaderProto header;
  header.set_num_shards(1);
  header.set_endianness(tensorflow::BundleHeaderProto::LITTLE);
  header.mutable_version()->set_producer(internal::kBundleVersion);
  TFCKPT_ASSIGN_OR_RETURN(auto index, WriteIndex(fs, prefix, header, entries));
  // Both files are complete: sync them, then rename (data first), then one
  // directory fsync, rather than a directory fsync per file.
  TFCKPT_RETURN_IF_ERROR(data->Close(options.sync));
  TFCKPT_RETURN_IF_ERROR(index->Close(options.sync));
  return RenameAndSync(fs, prefix, index.get(), options.sync,
                       [&] { return data->RenameIntoPlace(); });
}

Status BundleWriter::Finish() {
  if (rep_->finished) {
    return FailedPreconditionError("bundle " + rep_->prefix + ": Finish called twice");
  }
  rep_->finished = true;
  TFCKPT_RETURN_IF_ERROR(rep_->status);
  return rep_->Fail(rep_->Commit());
}

namespace {

// What MergeBundles() gathers from its sources.
struct MergeState {
  tensorflow::BundleHeaderProto header;
  int64_t num_shards = 0;
  EntryMap entries;
  // Source data file -> its shard id in the merged bundle, numbered in the
  // order first referenced (sources in order, keys in order), as in
  // TensorFlow, so that the merged index is byte-identical to its.
  std::unordered_map<std::string, int32_t> shard_ids;
  std::vector<std::string> data_files;  // by merged shard id
};

Status MergeOne(FileSystem* fs, const std::string& source, MergeState* merge) {
  const std::string index_path = internal::MetaFilename(source);
  TFCKPT_ASSIGN_OR_RETURN(auto file, fs->OpenForRead(index_path));
  TFCKPT_ASSIGN_OR_RETURN(auto index, internal::TableReader::Open(std::move(file)));
  std::unique_ptr<internal::TableIterator> it = index->NewIterator();
  it->SeekToFirst();
  if (!it->Valid() || it->key() != internal::kHeaderEntryKey) {
    TFCKPT_RETURN_IF_ERROR(it->status());
    return DataLossError(index_path + ": no bundle header (not a TensorFlow V2 checkpoint?)");
  }
  tensorflow::BundleHeaderProto header;
  TFCKPT_RETURN_IF_ERROR(internal::ParseHeader(it->value(), index_path, &header));
  if (merge->num_shards == 0) {
    merge->header = header;
  } else if (header.version().SerializeAsString() !=
             merge->header.version().SerializeAsString()) {
    return InvalidArgumentError(index_path + ": bundle format version differs from " +
                                "the first bundle merged");
  }
  merge->num_shards += header.num_shards();
  if (merge->num_shards > std::numeric_limits<int32_t>::max()) {
    return InvalidArgumentError(index_path + ": merging more than 2^31 data shards");
  }
  tensorflow::BundleEntryProto entry;
  for (it->Next(); it->Valid(); it->Next()) {
    const std::string key(it->key());
    TFCKPT_RETURN_IF_ERROR(internal::ParseEntry(key, it->value(), index_path, &entry));
    const auto existing = merge->entries.find(key);
    if (existing != merge->entries.end()) {
      // Only a partitioned tensor may appear twice: its slices are joined.
      tensorflow::BundleEntryProto& full = existing->second;
      if (full.slices_size() == 0 || entry.slices_size() == 0 || full.dtype() != entry.dtype() ||
          full.shape().SerializeAsString() != entry.shape().SerializeAsString()) {
        return InvalidArgumentError(index_path + ": tensor '" + internal::DisplayName(key) +
                                    "' is also in an earlier bundle merged");
      }
      for (const auto& slice : entry.slices()) *full.add_slices() = slice;
      continue;
    }
    if (entry.shard_id() >= header.num_shards()) {
      return DataLossError(index_path + ": tensor '" + internal::DisplayName(key) +
                           "' is in shard " +
                           std::to_string(entry.shard_id()) + " but the bundle has " +
                           std::to_string(header.num_shards()));
    }
    std::string data_file = internal::DataFilename(source, entry.shard_id(), header.num_shards());
    const auto [id, added] = merge->shard_ids.try_emplace(
        std::move(data_file), static_cast<int32_t>(merge->data_files.size()));
    if (added) merge->data_files.push_back(id->first);
    entry.set_shard_id(id->second);
    merge->entries.emplace(key, entry);
  }
  return it->status();
}

}  // namespace

Status MergeBundles(const std::vector<std::string>& source_prefixes,
                    const std::string& merged_prefix, const BundleWriterOptions& options) {
  if (source_prefixes.empty()) return InvalidArgumentError("no bundles to merge");
  if (merged_prefix.empty()) return InvalidArgumentError("merged bundle prefix is empty");
  FileSystem* fs = options.file_system != nullptr ? options.file_system : FileSystem::Default();
  TFCKPT_RETURN_IF_ERROR(fs->CreateDir(DirName(merged_prefix)));
  MergeState merge;
  for (const std::string& source : source_prefixes) {
    TFCKPT_RETURN_IF_ERROR(MergeOne(fs, source, &merge));
  }
  merge.header.set_num_shards(static_cast<int32_t>(merge.num_shards));
  TFCKPT_ASSIGN_OR_RETURN(auto index, WriteIndex(fs, merged_prefix, merge.header, merge.entries));
  TFCKPT_RETURN_IF_ERROR(index->Close(options.sync));
  // TensorFlow names the files "-of-<files renamed>", which disagrees with
  // its own header (and cannot be read) when a source shard holds no tensor;
  // naming them after the header keeps that case readable and is the same
  // otherwise.
  const auto rename_data = [&]() -> Status {
    for (size_t id = 0; id < merge.data_files.size(); ++id) {
      TFCKPT_RETURN_IF_ERROR(fs->Rename(
          merge.data_files[id], internal::DataFilename(merged_prefix, static_cast<int32_t>(id),
                                                       merge.header.num_shards())));
    }
    return OkStatus();
  };
  TFCKPT_RETURN_IF_ERROR(RenameAndSync(fs, merged_prefix, index.get(), options.sync, rename_data));
  // The sources' data files are gone: their indexes must go too.
  for (const std::string& source : source_prefixes) {
    if (source != merged_prefix) fs->Delete(internal::MetaFilename(source)).IgnoreError();
  }
  return OkStatus();
}

}  // namespace tfckpt
