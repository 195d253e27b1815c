#include "tfckpt/bundle_writer.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <optional>
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

// Appends a tensor's encoding to `file` and records where and what it is
// (offset, size, checksum) in `entry`; then pads to `alignment`. Writers of
// different files may run at once.
Status WriteTensorData(WritableFile* file, const Tensor& tensor, uint64_t alignment,
                       tensorflow::BundleEntryProto* entry) {
  entry->set_offset(static_cast<int64_t>(file->position()));
  uint32_t crc = 0;
  if (tensor.dtype() == DataType::kString) {
    std::string encoded;
    crc = internal::EncodeStringTensor(tensor.strings(), &encoded);
    TFCKPT_RETURN_IF_ERROR(file->Append(encoded));
    entry->set_size(static_cast<int64_t>(encoded.size()));
  } else if (tensor.byte_size() >= kOverlapChecksumBytes) {
    std::thread checksummer([&] { crc = crc32c::Value(tensor.bytes()); });
    const Status appended = file->Append(tensor.bytes());
    checksummer.join();
    TFCKPT_RETURN_IF_ERROR(appended);
    entry->set_size(static_cast<int64_t>(tensor.byte_size()));
  } else {
    crc = crc32c::Value(tensor.bytes());
    TFCKPT_RETURN_IF_ERROR(file->Append(tensor.bytes()));
    entry->set_size(static_cast<int64_t>(tensor.byte_size()));
  }
  entry->set_crc32c(crc32c::Mask(crc));
  if (const uint64_t rest = file->position() % alignment; rest != 0) {
    TFCKPT_RETURN_IF_ERROR(file->Append(std::string(alignment - rest, '\0')));
  }
  return OkStatus();
}

}  // namespace

struct BundleWriter::Rep {
  std::string prefix;
  BundleWriterOptions options;
  FileSystem* fs = nullptr;
  std::vector<std::unique_ptr<AtomicFileWriter>> data;  // one per shard
  // Ordered by key: the index is written in key order at Finish().
  EntryMap entries;
  Status status;  // first error; sticky
  bool finished = false;

  // Validates the options and opens `num_shards` temporary data files.
  static StatusOr<std::unique_ptr<Rep>> Create(std::string prefix, BundleWriterOptions options,
                                               int num_shards);

  Status Fail(Status s) {
    if (status.ok()) status = s;
    return s;
  }

  // Records the entry of a whole tensor, or of one slice of a partitioned
  // tensor, and returns it for WriteTensorData to complete.
  StatusOr<tensorflow::BundleEntryProto*> NewEntry(std::string key, const Tensor& tensor);
  StatusOr<tensorflow::BundleEntryProto*> NewSliceEntry(const std::string& name,
                                                        const TensorShape& full_shape,
                                                        const TensorSlice& slice,
                                                        const Tensor& slice_tensor);
  Status WriteData(int shard, const Tensor& tensor, tensorflow::BundleEntryProto* entry) {
    return WriteTensorData(data[static_cast<size_t>(shard)]->file(), tensor,
                           static_cast<uint64_t>(options.data_alignment), entry);
  }
  Status Commit();
};

BundleWriter::BundleWriter(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
BundleWriter::~BundleWriter() = default;

StatusOr<std::unique_ptr<BundleWriter::Rep>> BundleWriter::Rep::Create(
    std::string prefix, BundleWriterOptions options, int num_shards) {
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
  for (int shard = 0; shard < num_shards; ++shard) {
    TFCKPT_ASSIGN_OR_RETURN(
        auto file, AtomicFileWriter::Open(rep->fs, internal::DataFilename(rep->prefix, shard,
                                                                          num_shards)));
    rep->data.push_back(std::move(file));
  }
  return rep;
}

StatusOr<std::unique_ptr<BundleWriter>> BundleWriter::Create(
    std::string prefix, BundleWriterOptions options) {
  TFCKPT_ASSIGN_OR_RETURN(auto rep, Rep::Create(std::move(prefix), options, 1));
  return std::unique_ptr<BundleWriter>(new BundleWriter(std::move(rep)));
}

const std::string& BundleWriter::prefix() const { return rep_->prefix; }

StatusOr<tensorflow::BundleEntryProto*> BundleWriter::Rep::NewEntry(std::string key,
                                                                    const Tensor& tensor) {
  if (key.empty()) return InvalidArgumentError("bundle " + prefix + ": tensor name is empty");
  if (entries.count(key) != 0) {
    return InvalidArgumentError("bundle " + prefix + ": tensor '" + key +
                                "' was already added");
  }
  if (tensor.dtype() != DataType::kString && !DataTypeIsMemcpyable(tensor.dtype())) {
    return InvalidArgumentError("bundle " + prefix + ": tensor '" + key + "' has dtype " +
                                std::string(DataTypeName(tensor.dtype())) +
                                ", which cannot be saved");
  }
  tensorflow::BundleEntryProto& entry = entries[std::move(key)];
  entry.set_dtype(static_cast<tensorflow::DataType>(tensor.dtype()));
  internal::ShapeToProto(tensor.shape(), entry.mutable_shape());
  return &entry;
}

StatusOr<tensorflow::BundleEntryProto*> BundleWriter::Rep::NewSliceEntry(
    const std::string& name, const TensorShape& full_shape, const TensorSlice& slice,
    const Tensor& slice_tensor) {
  if (name.empty()) return InvalidArgumentError("bundle " + prefix + ": tensor name is empty");
  auto slice_shape = slice.SliceShape(full_shape);
  if (!slice_shape.ok()) {
    return slice_shape.status().WithContext("bundle " + prefix + ": tensor '" + name + "'");
  }
  if (!(*slice_shape == slice_tensor.shape())) {
    return InvalidArgumentError("bundle " + prefix + ": slice " + slice.DebugString() +
                                " of tensor '" + name + "' has shape " +
                                slice_shape->DebugString() + " but the given tensor is " +
                                slice_tensor.shape().DebugString());
  }
  // As in TensorFlow, a slice covering the whole tensor is stored plainly.
  if (slice.Covers(full_shape)) return NewEntry(name, slice_tensor);

  auto it = entries.find(name);
  if (it == entries.end()) {
    tensorflow::BundleEntryProto full_entry;
    full_entry.set_dtype(static_cast<tensorflow::DataType>(slice_tensor.dtype()));
    internal::ShapeToProto(full_shape, full_entry.mutable_shape());
    it = entries.emplace(name, std::move(full_entry)).first;
  } else {
    // Compare the proto fields directly: converting the entry would convert
    // every slice added so far, making many slices quadratic.
    const tensorflow::BundleEntryProto& existing = it->second;
    tensorflow::TensorShapeProto shape_proto;
    internal::ShapeToProto(full_shape, &shape_proto);
    if (existing.slices_size() == 0 ||
        existing.dtype() != static_cast<tensorflow::DataType>(slice_tensor.dtype()) ||
        existing.shape().SerializeAsString() != shape_proto.SerializeAsString()) {
      return InvalidArgumentError(
          "bundle " + prefix + ": slice of tensor '" + name +
          "' conflicts with an earlier entry of that name (different dtype or shape, "
          "or not partitioned)");
    }
  }
  internal::SliceToProto(slice, it->second.add_slices());
  return NewEntry(internal::EncodeTensorNameSlice(name, slice), slice_tensor);
}

Status BundleWriter::Add(std::string_view name, const Tensor& tensor) {
  if (rep_->finished) return FailedPreconditionError("bundle " + rep_->prefix + ": Add after Finish");
  TFCKPT_RETURN_IF_ERROR(rep_->status);
  auto entry = rep_->NewEntry(std::string(name), tensor);
  if (!entry.ok()) return rep_->Fail(entry.status());
  return rep_->Fail(rep_->WriteData(0, tensor, *entry));
}

Status BundleWriter::AddSlice(std::string_view full_name, const TensorShape& full_shape,
                              const TensorSlice& slice, const Tensor& slice_tensor) {
  if (rep_->finished) {
    return FailedPreconditionError("bundle " + rep_->prefix + ": AddSlice after Finish");
  }
  TFCKPT_RETURN_IF_ERROR(rep_->status);
  auto entry = rep_->NewSliceEntry(std::string(full_name), full_shape, slice, slice_tensor);
  if (!entry.ok()) return rep_->Fail(entry.status());
  return rep_->Fail(rep_->WriteData(0, slice_tensor, *entry));
}

Status BundleWriter::Rep::Commit() {
  tensorflow::BundleHeaderProto header;
  header.set_num_shards(static_cast<int32_t>(data.size()));
  header.set_endianness(tensorflow::BundleHeaderProto::LITTLE);
  header.mutable_version()->set_producer(internal::kBundleVersion);
  TFCKPT_ASSIGN_OR_RETURN(auto index, WriteIndex(fs, prefix, header, entries));
  // All files are complete: sync them, then rename (data first), then one
  // directory fsync, rather than a directory fsync per file.
  for (const auto& file : data) TFCKPT_RETURN_IF_ERROR(file->Close(options.sync));
  TFCKPT_RETURN_IF_ERROR(index->Close(options.sync));
  return RenameAndSync(fs, prefix, index.get(), options.sync, [&]() -> Status {
    for (const auto& file : data) TFCKPT_RETURN_IF_ERROR(file->RenameIntoPlace());
    return OkStatus();
  });
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

// Bytes a tensor adds to its data file, near enough to balance shards.
uint64_t ApproximateDataBytes(const Tensor& tensor) {
  if (tensor.dtype() != DataType::kString) return tensor.byte_size();
  uint64_t bytes = 0;
  for (const std::string& s : tensor.strings()) bytes += s.size() + 1;
  return bytes;
}

// The shard of each tensor: min(num_shards, tensors) runs of consecutive
// tensors, none empty, a run ending where the bytes so far pass its equal
// share. Returns the number of shards (at least 1).
int AssignShards(const std::vector<SaveEntry>& tensors, int num_shards,
                 std::vector<int>* shard_of) {
  const int count = static_cast<int>(
      std::max<size_t>(1, std::min(tensors.size(), static_cast<size_t>(num_shards))));
  // Once per tensor: for a string tensor it is a pass over its strings.
  std::vector<uint64_t> sizes;
  sizes.reserve(tensors.size());
  uint64_t total = 0;
  for (const SaveEntry& entry : tensors) {
    sizes.push_back(ApproximateDataBytes(entry.tensor));
    total += sizes.back();
  }
  shard_of->assign(tensors.size(), 0);
  int shard = 0;
  uint64_t before = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const uint64_t bytes = sizes[i];
    // The share the middle of this tensor's bytes falls in.
    const long double middle = static_cast<long double>(before) + bytes / 2.0L;
    const bool past_share = total > 0 && middle * count / static_cast<long double>(total) >=
                                             static_cast<long double>(shard + 1);
    // Each shard left needs one of the tensors left.
    const bool needed_later = tensors.size() - i <= static_cast<size_t>(count - 1 - shard);
    if (i > 0 && shard < count - 1 && (past_share || needed_later)) ++shard;
    (*shard_of)[i] = shard;
    before += bytes;
  }
  return count;
}

}  // namespace

Status WriteBundle(const std::string& prefix, const std::vector<SaveEntry>& tensors,
                   const WriteBundleOptions& options) {
  if (options.num_shards < 1) {
    return InvalidArgumentError("num_shards must be >= 1, got " +
                                std::to_string(options.num_shards));
  }
  std::vector<int> shard_of;
  const int num_shards = AssignShards(tensors, options.num_shards, &shard_of);
  TFCKPT_ASSIGN_OR_RETURN(auto rep, BundleWriter::Rep::Create(prefix, options.writer, num_shards));
  // Entries are recorded here, in order; each shard's thread then fills in
  // its own entries as it writes its data file.
  struct Job {
    const Tensor* tensor;
    tensorflow::BundleEntryProto* entry;
  };
  std::vector<std::vector<Job>> jobs(static_cast<size_t>(num_shards));
  for (size_t i = 0; i < tensors.size(); ++i) {
    const SaveEntry& tensor = tensors[i];
    StatusOr<std::optional<ShapeAndSlice>> slice = ParseShapeAndSlice(tensor.slice_spec);
    if (!slice.ok()) {
      return slice.status().WithContext("bundle " + prefix + ": tensor '" + tensor.name + "'");
    }
    TFCKPT_ASSIGN_OR_RETURN(
        tensorflow::BundleEntryProto * entry,
        slice->has_value()
            ? rep->NewSliceEntry(tensor.name, (*slice)->full_shape, (*slice)->slice, tensor.tensor)
            : rep->NewEntry(tensor.name, tensor.tensor));
    entry->set_shard_id(shard_of[i]);
    jobs[static_cast<size_t>(shard_of[i])].push_back({&tensor.tensor, entry});
  }
  // Each writer thread takes the next shard not yet written; no more
  // threads than cores, however many shards were asked for.
  std::vector<Status> results(jobs.size());
  std::atomic<size_t> next_shard{0};
  const auto write_shards = [&] {
    for (size_t shard = next_shard++; shard < jobs.size(); shard = next_shard++) {
      for (const Job& job : jobs[shard]) {
        results[shard] = rep->WriteData(static_cast<int>(shard), *job.tensor, job.entry);
        if (!results[shard].ok()) break;
      }
    }
  };
  const size_t num_writers =
      std::min<size_t>(jobs.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> writers;
  for (size_t i = 1; i < num_writers; ++i) writers.emplace_back(write_shards);
  write_shards();
  for (std::thread& writer : writers) writer.join();
  for (const Status& result : results) TFCKPT_RETURN_IF_ERROR(result);
  return rep->Commit();
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
