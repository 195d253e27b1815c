// V1Writer: writes a V1 checkpoint (one SSTable of SavedTensorSlices) as
// TensorFlow's TensorSliceWriter does, byte for byte: the empty key holds
// the metadata of every tensor, then one record per tensor under
// EncodeTensorNameSlice(name, full slice), in key order. docs/format/v1.md
// describes the records.
//
// The tensors are declared up front (their metadata is the first record) and
// then added one at a time in key order, so only one tensor is in memory.
//
//   TFCKPT_ASSIGN_OR_RETURN(auto writer, V1Writer::Create("model.ckpt", specs, fs));
//   for (name in V1Writer::RecordOrder(specs)) writer->Add(name, tensor);
//   TFCKPT_RETURN_IF_ERROR(writer->Finish());  // renames into place
//
// Thread safety: thread-compatible.
#ifndef TFCKPT_SRC_FORMATS_V1_WRITER_H_
#define TFCKPT_SRC_FORMATS_V1_WRITER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/atomic_file.h"
#include "src/table/table_builder.h"
#include "tfckpt/convert.h"
#include "tfckpt/dtype.h"
#include "tfckpt/file_system.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"
#include "tfckpt/tensor.h"

namespace tfckpt::internal {

// True for the dtypes TensorFlow's V1 writer stores (it refuses bfloat16,
// uint32, uint64, qint16 and quint16).
bool V1WriterSupports(DataType dtype);

class V1Writer {
 public:
  // Declares `tensors` (metadata in this order, as TensorFlow lists them in
  // the order its Saver adds them) and writes the metadata record.
  // INVALID_ARGUMENT for a duplicate or empty name; UNIMPLEMENTED for a dtype
  // V1WriterSupports() rejects.
  static StatusOr<std::unique_ptr<V1Writer>> Create(const std::string& path,
                                                    std::vector<TensorInfo> tensors,
                                                    FileSystem* fs);

  // The names of `tensors` in the order Add() must be called: by record key.
  static std::vector<std::string> RecordOrder(const std::vector<TensorInfo>& tensors);

  // REQUIRES: names in RecordOrder(); each tensor's dtype and shape as
  // declared. Errors are sticky.
  Status Add(std::string_view name, const Tensor& tensor);
  // FAILED_PRECONDITION unless every declared tensor was added; then writes
  // the table's footer and renames the file into place.
  Status Finish();

 private:
  V1Writer(std::vector<TensorInfo> tensors, std::unique_ptr<AtomicFileWriter> file,
           std::unique_ptr<TableBuilder> table)
      : tensors_(std::move(tensors)), file_(std::move(file)), table_(std::move(table)) {}

  std::vector<TensorInfo> tensors_;
  size_t added_ = 0;
  Status status_;
  std::unique_ptr<AtomicFileWriter> file_;
  std::unique_ptr<TableBuilder> table_;
};

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_FORMATS_V1_WRITER_H_
