#include "src/formats/v1_writer.h"

#include <algorithm>
#include <complex>
#include <cstdint>
#include <cstring>
#include <set>
#include <utility>

#include "src/bundle/entry_codec.h"
#include "src/core/proto_conversions.h"
#include "src/formats/v1_reader.h"
#include "tensorflow/core/util/saved_tensor_slice.pb.h"

namespace tfckpt::internal {
namespace {

// TensorFlow refuses a slice record that could exceed 2 GiB, estimated from
// the element count before any value is serialized (protobuf's limit).
constexpr uint64_t kMaxRecordBytes = uint64_t{1} << 31;
// Slack for the record's headers beyond the values.
constexpr uint64_t kRecordHeaderBytes = 1 << 10;
constexpr uint64_t kMaxVarintBytes = 10;

// Appends the elements of `tensor`, each read as T, to `field`, converted to
// the field's element type (int_val widens, half_val holds bit patterns).
template <typename T, typename Field>
void AppendValues(const Tensor& tensor, size_t values_per_element, Field* field) {
  const size_t count = static_cast<size_t>(tensor.num_elements()) * values_per_element;
  field->Reserve(static_cast<int>(count));
  const auto* in = static_cast<const char*>(tensor.data());
  for (size_t i = 0; i < count; ++i) {
    T v;
    std::memcpy(&v, in + i * sizeof(T), sizeof(T));
    field->Add(static_cast<std::decay_t<decltype(field->Get(0))>>(v));
  }
}

// Fills the typed field of `proto` that V1 uses for `tensor`'s dtype: the
// inverse of TensorProtoValuesToTensor.
Status FillValues(const Tensor& tensor, tensorflow::TensorProto* proto) {
  switch (tensor.dtype()) {
    case DataType::kFloat:
      AppendValues<float>(tensor, 1, proto->mutable_float_val());
      break;
    case DataType::kDouble:
      AppendValues<double>(tensor, 1, proto->mutable_double_val());
      break;
    case DataType::kInt32:
    case DataType::kQInt32:
      AppendValues<int32_t>(tensor, 1, proto->mutable_int_val());
      break;
    case DataType::kInt16:
      AppendValues<int16_t>(tensor, 1, proto->mutable_int_val());
      break;
    case DataType::kUInt16:
      AppendValues<uint16_t>(tensor, 1, proto->mutable_int_val());
      break;
    case DataType::kInt8:
    case DataType::kQInt8:
      AppendValues<int8_t>(tensor, 1, proto->mutable_int_val());
      break;
    case DataType::kUInt8:
    case DataType::kQUInt8:
      AppendValues<uint8_t>(tensor, 1, proto->mutable_int_val());
      break;
    case DataType::kInt64:
      AppendValues<int64_t>(tensor, 1, proto->mutable_int64_val());
      break;
    case DataType::kBool:
      AppendValues<bool>(tensor, 1, proto->mutable_bool_val());
      break;
    case DataType::kHalf:
      AppendValues<uint16_t>(tensor, 1, proto->mutable_half_val());
      break;
    case DataType::kComplex64:
      AppendValues<float>(tensor, 2, proto->mutable_scomplex_val());
      break;
    case DataType::kComplex128:
      AppendValues<double>(tensor, 2, proto->mutable_dcomplex_val());
      break;
    case DataType::kString:
      proto->mutable_string_val()->Assign(tensor.strings().begin(), tensor.strings().end());
      break;
    default:
      return UnimplementedError("Saving data type " + std::string(DataTypeName(tensor.dtype())) +
                                " in a V1 checkpoint is not supported");
  }
  return OkStatus();
}

// TensorFlow's conservative estimate of a record's size.
uint64_t RecordSizeBound(std::string_view name, const Tensor& tensor) {
  uint64_t values = 0;
  const auto n = static_cast<uint64_t>(tensor.num_elements());
  switch (tensor.dtype()) {
    case DataType::kString:
      for (const std::string& s : tensor.strings()) values += s.size() + kMaxVarintBytes;
      break;
    case DataType::kFloat:
    case DataType::kDouble:
    case DataType::kBool:
    case DataType::kComplex64:
    case DataType::kComplex128:
      values = static_cast<uint64_t>(tensor.byte_size());
      break;
    default:
      values = n * kMaxVarintBytes;
  }
  return name.size() + kMaxVarintBytes * static_cast<uint64_t>(tensor.shape().rank()) +
         kRecordHeaderBytes + values;
}

}  // namespace

bool V1WriterSupports(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat:
    case DataType::kDouble:
    case DataType::kInt32:
    case DataType::kQInt32:
    case DataType::kInt16:
    case DataType::kUInt16:
    case DataType::kInt8:
    case DataType::kQInt8:
    case DataType::kUInt8:
    case DataType::kQUInt8:
    case DataType::kInt64:
    case DataType::kBool:
    case DataType::kHalf:
    case DataType::kComplex64:
    case DataType::kComplex128:
    case DataType::kString:
      return true;
    default:
      return false;
  }
}

std::vector<std::string> V1Writer::RecordOrder(const std::vector<TensorInfo>& tensors) {
  std::vector<std::pair<std::string, std::string>> keyed;
  keyed.reserve(tensors.size());
  for (const TensorInfo& t : tensors) {
    keyed.emplace_back(EncodeTensorNameSlice(t.name, TensorSlice::Full(t.shape.rank())), t.name);
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::string> names;
  names.reserve(keyed.size());
  for (auto& [key, name] : keyed) names.push_back(std::move(name));
  return names;
}

StatusOr<std::unique_ptr<V1Writer>> V1Writer::Create(const std::string& path,
                                                     std::vector<TensorInfo> tensors,
                                                     FileSystem* fs) {
  tensorflow::SavedTensorSlices header;
  tensorflow::SavedTensorSliceMeta* meta = header.mutable_meta();
  std::set<std::string, std::less<>> names;
  for (const TensorInfo& t : tensors) {
    if (t.name.empty() || !names.insert(t.name).second) {
      return InvalidArgumentError(path + ": tensor name '" + t.name +
                                  "' is empty or declared twice");
    }
    if (!V1WriterSupports(t.dtype)) {
      return UnimplementedError(path + ": tensor '" + t.name + "': Saving data type " +
                                std::string(DataTypeName(t.dtype)) +
                                " in a V1 checkpoint is not supported");
    }
    tensorflow::SavedSliceMeta* entry = meta->add_tensor();
    entry->set_name(t.name);
    ShapeToProto(t.shape, entry->mutable_shape());
    entry->set_type(static_cast<tensorflow::DataType>(t.dtype));
    SliceToProto(TensorSlice::Full(t.shape.rank()), entry->add_slice());
  }
  meta->mutable_versions()->set_producer(kV1CheckpointVersion);
  meta->mutable_versions()->set_min_consumer(kV1CheckpointMinProducer);

  // Order the declarations by record key, the order Add() checks.
  std::vector<TensorInfo> ordered;
  ordered.reserve(tensors.size());
  for (const std::string& name : RecordOrder(tensors)) {
    ordered.push_back(*std::find_if(tensors.begin(), tensors.end(),
                                    [&](const TensorInfo& t) { return t.name == name; }));
  }
  TFCKPT_ASSIGN_OR_RETURN(auto file, AtomicFileWriter::Open(fs, path));
  TFCKPT_ASSIGN_OR_RETURN(auto table, TableBuilder::Create(file->file()));
  TFCKPT_RETURN_IF_ERROR(table->Add(kHeaderEntryKey, header.SerializeAsString()));
  return std::unique_ptr<V1Writer>(
      new V1Writer(std::move(ordered), std::move(file), std::move(table)));
}

Status V1Writer::Add(std::string_view name, const Tensor& tensor) {
  TFCKPT_RETURN_IF_ERROR(status_);
  const std::string where = file_->final_path() + ": tensor '" + std::string(name) + "'";
  if (added_ == tensors_.size() || tensors_[added_].name != name) {
    return FailedPreconditionError(where + " was not declared or is out of record order");
  }
  const TensorInfo& declared = tensors_[added_];
  if (tensor.dtype() != declared.dtype || !(tensor.shape() == declared.shape)) {
    return InvalidArgumentError(where + " has a dtype or shape other than declared");
  }
  if (const uint64_t bound = RecordSizeBound(name, tensor); bound > kMaxRecordBytes) {
    return InvalidArgumentError(where + ": Tensor slice is too large to serialize "
                                "(conservative estimate: " + std::to_string(bound) + " bytes)");
  }
  tensorflow::SavedTensorSlices record;
  tensorflow::SavedSlice* data = record.mutable_data();
  data->set_name(std::string(name));
  const TensorSlice full = TensorSlice::Full(tensor.shape().rank());
  SliceToProto(full, data->mutable_slice());
  TFCKPT_RETURN_IF_ERROR(FillValues(tensor, data->mutable_data()));
  status_ = table_->Add(EncodeTensorNameSlice(name, full), record.SerializeAsString());
  if (status_.ok()) ++added_;
  return status_;
}

Status V1Writer::Finish() {
  TFCKPT_RETURN_IF_ERROR(status_);
  if (added_ != tensors_.size()) {
    return FailedPreconditionError(file_->final_path() + ": tensor '" + tensors_[added_].name +
                                   "' was declared but not added");
  }
  status_ = table_->Finish();
  if (status_.ok()) status_ = file_->Commit();
  if (!status_.ok()) return status_;
  // Later calls fail: the file is committed.
  status_ = FailedPreconditionError(file_->final_path() + ": V1Writer already finished");
  return OkStatus();
}

}  // namespace tfckpt::internal
