#include "tfckpt/bundle_writer.h"

#include <map>
#include <string>
#include <thread>

#include "src/base/atomic_file.h"
#include "src/base/crc32c.h"
#include "src/bundle/entry_codec.h"
#include "src/bundle/naming.h"
#include "src/bundle/string_codec.h"
#include "src/core/proto_conversions.h"
#include "src/table/table_builder.h"
#include "tensorflow/core/protobuf/tensor_bundle.pb.h"

namespace tfckpt {
namespace {

// Tensors at least this large are checksummed on a second thread while the
// calling thread writes them, instead of in a pass of their own.
constexpr size_t kOverlapChecksumBytes = size_t{4} << 20;

}  // namespace

using internal::AtomicFileWriter;

struct BundleWriter::Rep {
  std::string prefix;
  BundleWriterOptions options;
  FileSystem* fs = nullptr;
  std::unique_ptr<AtomicFileWriter> data;
  // Ordered by key: the index is written in key order at Finish().
  std::map<std::string, tensorflow::BundleEntryProto> entries;
  Status status;  // first error; sticky
  bool finished = false;

  Status Fail(Status s) {
    if (status.ok()) status = s;
    return s;
  }

  // Appends a tensor's encoding to the data file and records its entry.
  Status AddEntry(std::string key, const Tensor& tensor);
  Status WriteIndex();
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

Status BundleWriter::Rep::WriteIndex() {
  TFCKPT_ASSIGN_OR_RETURN(auto index,
                          AtomicFileWriter::Open(fs, internal::MetaFilename(prefix)));
  TFCKPT_ASSIGN_OR_RETURN(auto table, internal::TableBuilder::Create(index->file()));
  tensorflow::BundleHeaderProto header;
  header.set_num_shards(1);
  header.set_endianness(tensorflow::BundleHeaderProto::LITTLE);
  header.mutable_version()->set_producer(internal::kBundleVersion);
  TFCKPT_RETURN_IF_ERROR(
      table->Add(internal::kHeaderEntryKey, header.SerializeAsString()));
  for (const auto& [key, entry] : entries) {
    TFCKPT_RETURN_IF_ERROR(table->Add(key, entry.SerializeAsString()));
  }
  TFCKPT_RETURN_IF_ERROR(table->Finish());
  return index->Commit(options.sync);
}

Status BundleWriter::Finish() {
  if (rep_->finished) {
    return FailedPreconditionError("bundle " + rep_->prefix + ": Finish called twice");
  }
  rep_->finished = true;
  TFCKPT_RETURN_IF_ERROR(rep_->status);
  // The data file goes into place first; the index appearing is the commit.
  TFCKPT_RETURN_IF_ERROR(rep_->Fail(rep_->data->Commit(rep_->options.sync)));
  return rep_->Fail(rep_->WriteIndex());
}

}  // namespace tfckpt
