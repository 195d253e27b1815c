// CheckpointReader: reads a TensorFlow checkpoint whatever its format, as
// TensorFlow's tf.train.load_checkpoint does: a V2 tensor bundle when
// PREFIX.index exists (TF1 name-based and TF2 object-based checkpoints,
// SavedModel variables), otherwise a V1 checkpoint (an SSTable of
// SavedTensorSlices records; a file name or a sharded glob pattern such as
// "model.ckpt-?????-of-00002", Snappy-compressed blocks included).
//
//   TFCKPT_ASSIGN_OR_RETURN(auto reader, CheckpointReader::Open("dir/model.ckpt"));
//   TFCKPT_ASSIGN_OR_RETURN(Tensor w, reader->ReadTensor("w1"));
//
// For V2 every call delegates to BundleReader. For V1 the metadata of every
// file is read and checked by Open() (versions, dtypes, shapes, slices inside
// their tensor, no overlapping slices); tensor values are read on demand and
// checked against their metadata (element counts, slice names). Every V1
// tensor is listed once, under its full name; one stored over several slices
// is reported as partitioned.
//
// Thread safety: all const methods may be called concurrently.
#ifndef TFCKPT_CHECKPOINT_READER_H_
#define TFCKPT_CHECKPOINT_READER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tfckpt/bundle_reader.h"
#include "tfckpt/file_system.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"
#include "tfckpt/tensor.h"
#include "tfckpt/tensor_slice.h"

namespace tfckpt {

enum class CheckpointFormat {
  kV1,  // SSTable(s) of SavedTensorSlices records
  kV2,  // tensor bundle: PREFIX.index + PREFIX.data-NNNNN-of-NNNNN
};

// "V1" or "V2".
std::string_view CheckpointFormatName(CheckpointFormat format);

struct CheckpointReaderOptions {
  // nullptr means FileSystem::Default(). Must outlive the reader.
  FileSystem* file_system = nullptr;
};

class CheckpointReader {
 public:
  // V2 when `prefix_or_pattern`.index exists; otherwise the V1 files the
  // path (or glob pattern) matches. NOT_FOUND when neither exists;
  // DATA_LOSS / INVALID_ARGUMENT for unreadable metadata.
  static StatusOr<std::unique_ptr<CheckpointReader>> Open(
      std::string prefix_or_pattern, CheckpointReaderOptions options = {});

  ~CheckpointReader();
  CheckpointReader(const CheckpointReader&) = delete;
  CheckpointReader& operator=(const CheckpointReader&) = delete;

  CheckpointFormat format() const;
  // The path Open() was given.
  const std::string& prefix() const;
  // V2: the bundle reader; nullptr for V1.
  const BundleReader* bundle() const;

  // Every tensor in name order. V1 entries: shard_id is the index of the
  // file holding the data (files in sorted path order), offset is 0, and
  // size is the byte length of the table record(s) holding the values.
  StatusOr<std::vector<BundleEntryInfo>> ListEntries() const;

  // NOT_FOUND when there is no tensor `name`.
  StatusOr<BundleEntryInfo> GetEntryInfo(std::string_view name) const;
  bool Contains(std::string_view name) const;

  // One stored slice of a partitioned tensor (see BundleReader); NOT_FOUND
  // when that exact slice is not stored.
  StatusOr<BundleEntryInfo> GetSliceEntryInfo(std::string_view name,
                                              const TensorSlice& slice) const;

  // Reads a whole tensor; partitioned tensors are assembled from their
  // slices (NOT_FOUND when the stored slices do not cover it).
  StatusOr<Tensor> ReadTensor(std::string_view name) const;

  // Reads one region of a tensor (partitioned or not).
  StatusOr<Tensor> ReadSlice(std::string_view name,
                             const TensorSlice& slice) const;

  // Checks every block checksum and reads every tensor. One non-OK status
  // per problem found; empty when all hold.
  std::vector<Status> Verify() const;

 private:
  struct Rep;
  explicit CheckpointReader(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace tfckpt

#endif  // TFCKPT_CHECKPOINT_READER_H_
