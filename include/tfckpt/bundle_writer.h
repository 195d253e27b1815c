// BundleWriter: writes a TensorFlow V2 checkpoint (tensor bundle):
// PREFIX.data-00000-of-00001 with the tensors' bytes in the order they are
// added, and PREFIX.index, an SSTable of BundleEntryProto keyed by name.
// For the same tensors added in the same order the files are byte-identical
// to TensorFlow's.
//
//   TFCKPT_ASSIGN_OR_RETURN(auto writer, BundleWriter::Create("dir/model"));
//   TFCKPT_RETURN_IF_ERROR(writer->Add("w1", w1));
//   TFCKPT_RETURN_IF_ERROR(writer->Finish());
//
// Both files are written under temporary names, synced, and renamed into
// place (data first, index last, then one fsync of the directory), so a
// reader never sees a half-written bundle: PREFIX.index appearing is the
// commit. Large tensors are
// checksummed on a second thread while their bytes are being written. A writer destroyed before
// Finish() deletes its temporary files.
//
// Errors are sticky: after a failed call every later call returns that error.
// Thread safety: needs outside synchronization.
#ifndef TFCKPT_BUNDLE_WRITER_H_
#define TFCKPT_BUNDLE_WRITER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tfckpt/file_system.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"
#include "tfckpt/tensor.h"
#include "tfckpt/tensor_shape.h"
#include "tfckpt/tensor_slice.h"

namespace tfckpt {

struct BundleWriterOptions {
  // When > 1, zero bytes follow each tensor until the data file offset is a
  // multiple of this. TensorFlow's savers use 1 (densely packed).
  int data_alignment = 1;
  // nullptr means FileSystem::Default(). Must outlive the writer.
  FileSystem* file_system = nullptr;
  // false skips the fsyncs at Finish(), as TensorFlow's SaveV2 does: readers
  // still see the old bundle or the whole new one, but a machine crash may
  // lose or truncate the new files.
  bool sync = true;
};

// One tensor to save: the whole tensor under `name`, or, when `slice_spec`
// is set ("10 20 0,5:0,20" as in SaveV2), one slice of partitioned `name`.
struct SaveEntry {
  std::string name;
  Tensor tensor;
  std::string slice_spec;
};

struct WriteBundleOptions {
  BundleWriterOptions writer;
  // Data files to spread the tensors over, written in parallel (at most one
  // thread per core): min(num_shards, number of tensors) files
  // PREFIX.data-0000i-of-0000N, which TensorFlow reads like the output of
  // its sharded saves. 1 writes the files BundleWriter writes. With several,
  // the file system's writable files are used from several threads at once
  // (each by one).
  int num_shards = 1;
};

class BundleWriter {
 public:
  // Creates the directory of `prefix` (one level) when missing and opens the
  // temporary data file.
  static StatusOr<std::unique_ptr<BundleWriter>> Create(
      std::string prefix, BundleWriterOptions options = {});

  ~BundleWriter();
  BundleWriter(const BundleWriter&) = delete;
  BundleWriter& operator=(const BundleWriter&) = delete;

  // Appends a whole tensor. INVALID_ARGUMENT for an empty or duplicate name
  // or an unsavable dtype (resource, variant).
  Status Add(std::string_view name, const Tensor& tensor);

  // Appends one slice of the partitioned tensor `full_name`, whose full
  // shape is `full_shape`; `slice_tensor` holds the slice's elements. As in
  // TensorFlow, a slice that covers the whole tensor (full extents or
  // explicit ones) is stored like Add().
  Status AddSlice(std::string_view full_name, const TensorShape& full_shape,
                  const TensorSlice& slice, const Tensor& slice_tensor);

  // Writes the index and commits both files. FAILED_PRECONDITION when called
  // twice.
  Status Finish();

  const std::string& prefix() const;

 private:
  struct Rep;
  friend Status WriteBundle(const std::string& prefix, const std::vector<SaveEntry>& tensors,
                            const WriteBundleOptions& options);
  explicit BundleWriter(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

// Writes `tensors`, in the order given, as the bundle at `prefix`, with the
// crash safety of BundleWriter. With several shards, shard i holds the i-th
// run of consecutive tensors, the runs cut near equal shares of the bytes.
// Errors name the tensor (INVALID_ARGUMENT as for Add()/AddSlice(), or for a
// malformed slice_spec).
Status WriteBundle(const std::string& prefix, const std::vector<SaveEntry>& tensors,
                   const WriteBundleOptions& options = {});

// Joins complete bundles (such as the per-device bundles of a sharded save)
// into one bundle at `merged_prefix`, as TensorFlow's MergeV2Checkpoints
// does, without copying tensor bytes: each source data file is renamed to a
// data file of the merged bundle (PREFIX.data-0000i-of-0000N) and one merged
// index, whose entries name their shard, is written; for the same sources
// the files are byte-identical to TensorFlow's. Only the slices of a
// partitioned tensor may come from several sources (INVALID_ARGUMENT for any
// other name found twice). The sources must be on `options.file_system`.
// The data files are renamed first and the merged index last: its appearing
// is the commit (synced as BundleWriter::Finish() does when options.sync).
// The sources' indexes are then deleted; their directories are left.
// options.data_alignment is not used.
Status MergeBundles(const std::vector<std::string>& source_prefixes,
                    const std::string& merged_prefix, const BundleWriterOptions& options = {});

}  // namespace tfckpt

#endif  // TFCKPT_BUNDLE_WRITER_H_
