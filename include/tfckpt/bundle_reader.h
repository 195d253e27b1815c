// BundleReader: reads a TensorFlow V2 checkpoint (tensor bundle) with any
// number of data shards.
//
//   TFCKPT_ASSIGN_OR_RETURN(auto reader, BundleReader::Open("dir/model-1000"));
//   TFCKPT_ASSIGN_OR_RETURN(Tensor w1, reader->ReadTensor("w1"));
//
// Look-ups binary-search the index. Reading a tensor reads its bytes once,
// straight into the destination buffer, and verifies their checksum; large
// tensors are read and checksummed in pieces on several threads, and
// ReadTensors() spreads many tensors over them. Open() reads only the index,
// so opening a bundle costs the same whatever its data size. Every
// length, offset and shape in the files is checked before use; bad files give
// DATA_LOSS (or INVALID_ARGUMENT) naming the file, the tensor and the offset.
//
// Thread safety: all const methods may be called concurrently.
#ifndef TFCKPT_BUNDLE_READER_H_
#define TFCKPT_BUNDLE_READER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tfckpt/dtype.h"
#include "tfckpt/file_system.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"
#include "tfckpt/tensor.h"
#include "tfckpt/tensor_shape.h"
#include "tfckpt/tensor_slice.h"

namespace tfckpt {

struct BundleReaderOptions {
  // nullptr means FileSystem::Default(). Must outlive the reader.
  FileSystem* file_system = nullptr;
  // Threads that read and checksum tensor bytes; 0 means the hardware
  // concurrency. 1 reads on the calling thread only.
  int num_threads = 0;
};

// What the index says about one tensor.
struct BundleEntryInfo {
  std::string name;
  DataType dtype = DataType::kInvalid;
  TensorShape shape;
  // Location of the encoded bytes; meaningless when partitioned.
  int32_t shard_id = 0;
  int64_t offset = 0;
  int64_t size = 0;
  // Non-empty for a partitioned tensor: the stored slices.
  std::vector<TensorSlice> slices;

  bool partitioned() const { return !slices.empty(); }
};

class BundleReader {
 public:
  // Opens PREFIX.index and checks its header (num_shards, byte order,
  // version). Data files are opened on first use.
  static StatusOr<std::unique_ptr<BundleReader>> Open(
      std::string prefix, BundleReaderOptions options = {});

  ~BundleReader();
  BundleReader(const BundleReader&) = delete;
  BundleReader& operator=(const BundleReader&) = delete;

  const std::string& prefix() const;
  int num_shards() const;

  // Every tensor in key order; the internal keys of slices are hidden.
  StatusOr<std::vector<BundleEntryInfo>> ListEntries() const;

  // NOT_FOUND when there is no tensor `name`.
  StatusOr<BundleEntryInfo> GetEntryInfo(std::string_view name) const;
  bool Contains(std::string_view name) const;

  // The stored data entry of one slice of a partitioned tensor (location
  // and shape of that slice). NOT_FOUND when that exact slice is not stored.
  StatusOr<BundleEntryInfo> GetSliceEntryInfo(std::string_view name,
                                              const TensorSlice& slice) const;

  // Reads a whole tensor; partitioned tensors are assembled from their slices.
  StatusOr<Tensor> ReadTensor(std::string_view name) const;

  // Reads a whole tensor into `dst`, which must already have the tensor's
  // dtype and shape and be writable (INVALID_ARGUMENT otherwise).
  Status ReadTensorInto(std::string_view name, Tensor* dst) const;

  // Reads the named tensors (each as ReadTensor would), in parallel across
  // tensors and pieces of tensors. Stops at the first error (in the order of
  // `names`). The names are looked up in one pass over the index. Numeric
  // tensors under 16 KiB are carved out of shared 64 KiB blocks: each stays
  // writable, 64-byte aligned and independent of the others, but a block's
  // memory is freed only when the last tensor carved from it goes, so one
  // kept small tensor can keep up to 64 KiB alive.
  StatusOr<std::vector<Tensor>> ReadTensors(const std::vector<std::string>& names) const;

  // As ReadTensors(), but without copying where it can: the bytes of a
  // numeric, unpartitioned tensor in a bundle on the default file system
  // are mapped read-only from the data file (sharing the page cache) and
  // checked there; the result is a read-only view that keeps the mapping
  // alive after the reader is gone. Other tensors are read as ReadTensors()
  // does. The data files must not be truncated while a view lives (the
  // process would get SIGBUS); bundles are never rewritten in place.
  StatusOr<std::vector<Tensor>> MapTensors(const std::vector<std::string>& names) const;

  // Reads one region of a tensor (partitioned or not).
  StatusOr<Tensor> ReadSlice(std::string_view name,
                             const TensorSlice& slice) const;

  // Checks every index block checksum and every tensor's checksum. Returns
  // one non-OK status per problem found; empty when all hold.
  std::vector<Status> Verify() const;
  // As Verify(), calling `progress` (on the calling thread) as tensor bytes
  // are checked, with the bytes checked so far and the total stored.
  using VerifyProgress = std::function<void(uint64_t bytes_done, uint64_t bytes_total)>;
  std::vector<Status> Verify(const VerifyProgress& progress) const;

 private:
  struct Rep;
  explicit BundleReader(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace tfckpt

#endif  // TFCKPT_BUNDLE_READER_H_
