// V1Reader: a V1 checkpoint (TensorFlow's TensorSliceReader format). One or
// more SSTables; in each, the empty key holds a SavedTensorSlices whose
// `meta` lists every tensor (name, full shape, dtype, stored slices), and
// EncodeTensorNameSlice(name, slice) holds a SavedTensorSlices whose `data`
// carries that slice's elements in a TensorProto typed field.
//
// Open() reads and checks all metadata; values are read on demand.
//
// Thread safety: const methods may be called concurrently.
#ifndef TFCKPT_SRC_FORMATS_V1_READER_H_
#define TFCKPT_SRC_FORMATS_V1_READER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/table/table_reader.h"
#include "tensorflow/core/framework/tensor.pb.h"
#include "tfckpt/bundle_reader.h"
#include "tfckpt/dtype.h"
#include "tfckpt/file_system.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"
#include "tfckpt/tensor.h"
#include "tfckpt/tensor_slice.h"

namespace tfckpt::internal {

// V1 checkpoint format version written and accepted (TF_CHECKPOINT_VERSION,
// TF_CHECKPOINT_VERSION_MIN_PRODUCER).
inline constexpr int kV1CheckpointVersion = 1;
inline constexpr int kV1CheckpointMinProducer = 0;

class V1Reader {
 public:
  // `pattern` is a file name or a glob over the last path component.
  // NOT_FOUND when nothing matches.
  static StatusOr<std::unique_ptr<V1Reader>> Open(const std::string& pattern,
                                                  FileSystem* fs);

  const std::string& pattern() const { return pattern_; }
  // The matched files, sorted.
  const std::vector<std::string>& files() const { return paths_; }

  StatusOr<std::vector<BundleEntryInfo>> ListEntries() const;
  StatusOr<BundleEntryInfo> GetEntryInfo(std::string_view name) const;
  StatusOr<BundleEntryInfo> GetSliceEntryInfo(std::string_view name,
                                              const TensorSlice& slice) const;
  StatusOr<Tensor> ReadTensor(std::string_view name) const;
  StatusOr<Tensor> ReadSlice(std::string_view name,
                             const TensorSlice& slice) const;
  std::vector<Status> Verify() const;

 private:
  struct StoredSlice {
    TensorSlice slice;
    size_t file = 0;  // index into files_
  };
  struct TensorMeta {
    DataType dtype = DataType::kInvalid;
    TensorShape shape;
    std::vector<StoredSlice> stored;
  };

  V1Reader() = default;
  Status AddFile(std::string path, std::unique_ptr<TableReader> table);
  StatusOr<const TensorMeta*> Find(std::string_view name) const;
  StatusOr<std::string> ReadRecord(std::string_view name,
                                   const StoredSlice& stored) const;
  StatusOr<Tensor> ReadStoredSlice(std::string_view name, const TensorMeta& meta,
                                   const StoredSlice& stored) const;

  std::string pattern_;
  std::vector<std::string> paths_;
  std::vector<std::unique_ptr<TableReader>> files_;
  std::map<std::string, TensorMeta, std::less<>> tensors_;
};

// Copies the `n` elements of a TensorProto's typed value field (the one V1
// uses for `dst`'s dtype) into `dst`. DATA_LOSS when the field holds a
// different count; UNIMPLEMENTED for dtypes V1 cannot carry.
Status TensorProtoValuesToTensor(const tensorflow::TensorProto& proto,
                                 Tensor* dst);

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_FORMATS_V1_READER_H_
