#include "tfckpt/bundle_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "src/base/crc32c.h"
#include "src/bundle/entry_codec.h"
#include "src/bundle/naming.h"
#include "src/bundle/string_codec.h"
#include "src/core/tensor_region.h"
#include "src/table/table_reader.h"
#include "tensorflow/core/protobuf/tensor_bundle.pb.h"

namespace tfckpt {
namespace {

using internal::CopyRegion;
using internal::Intersect;
using internal::Region;
using internal::ToRegion;

// Verify() streams large tensors through a buffer of this size.
constexpr size_t kVerifyChunkBytes = size_t{8} << 20;

// Tensor bytes are read and checksummed in pieces of at most this size, so
// that one large tensor keeps every thread busy; the pieces' checksums are
// then combined.
constexpr size_t kPieceBytes = size_t{8} << 20;
// Below this many bytes in all, starting threads costs more than it saves.
constexpr size_t kParallelMinBytes = size_t{4} << 20;
// Bounds of one vectored read of adjacent small tensors: few enough bytes
// that the batches still spread over the threads.
constexpr size_t kMaxBatchTensors = 256;
constexpr size_t kMaxBatchBytes = size_t{1} << 20;

// A data file mapped read-only, unmapped when the last view of it goes.
class MappedFile {
 public:
  // Maps `path`, which must still have `expected_size` bytes.
  static StatusOr<std::shared_ptr<const MappedFile>> Map(const std::string& path,
                                                         uint64_t expected_size) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return UnknownError(path + ": cannot open for mapping: " + std::strerror(errno));
    struct stat st {};
    const bool same_size =
        fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_size) == expected_size;
    void* data = nullptr;
    if (same_size && expected_size > 0) {
      data = mmap(nullptr, expected_size, PROT_READ, MAP_SHARED, fd, 0);
    }
    const int map_error = errno;
    close(fd);
    if (!same_size) {
      return DataLossError(path + ": changed size since the bundle was opened");
    }
    if (data == MAP_FAILED) {
      return UnknownError(path + ": mmap: " + std::strerror(map_error));
    }
    return std::shared_ptr<const MappedFile>(
        new MappedFile(static_cast<const char*>(data), expected_size));
  }

  ~MappedFile() {
    if (size_ > 0) munmap(const_cast<char*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const char* data() const { return data_; }

 private:
  MappedFile(const char* data, uint64_t size) : data_(data), size_(size) {}
  const char* data_;
  uint64_t size_;
};

// Asks the kernel to map the pages under [data, data + n) in one go rather
// than fault by fault; a hint, so failures are ignored.
void PopulateForRead(const char* data, size_t n) {
  if (n == 0) return;
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(data) & ~(page - 1);
  const uintptr_t end = reinterpret_cast<uintptr_t>(data) + n;
  madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_READ);
}

// Partitioned variables have a handful of slices; overlap checks are
// quadratic, so absurd counts are refused.
constexpr size_t kMaxSlicesPerTensor = 4096;

// ReadTensors() carves tensors smaller than this out of shared blocks of
// kSharedBlockBytes (see SmallTensorArena). The blocks stay below malloc's
// mmap threshold (128 KiB), so freed blocks are reused from the heap rather
// than returned to the kernel and faulted in again on the next restore.
constexpr size_t kSmallTensorBytes = size_t{16} << 10;
constexpr size_t kSharedBlockBytes = size_t{64} << 10;

// A bulk look-up walks the index in key order: it steps forward to the next
// wanted key when that is at most this many entries on, and seeks otherwise.
constexpr int kMaxStepsBeforeSeek = 16;

size_t RoundUpToAlignment(size_t n) {
  return (n + Tensor::kAlignment - 1) / Tensor::kAlignment * Tensor::kAlignment;
}

// Hands out writable tensors carved from shared, 64-byte aligned blocks: one
// allocation (and one free) per block instead of one per small tensor, which
// dominated restores of many small tensors. Carved tensors never overlap, so
// their contents are independent. The trade-off is memory retention: a block
// is freed only when the last tensor carved from it goes, so keeping one
// small tensor keeps up to kSharedBlockBytes alive.
class SmallTensorArena {
 public:
  // `pending_bytes`: what every tensor to be carved needs, each rounded up to
  // the alignment; the last block is sized to fit what remains.
  explicit SmallTensorArena(size_t pending_bytes) : pending_bytes_(pending_bytes) {}

  // REQUIRES: 0 < byte_size, and its rounded size counted in pending_bytes.
  StatusOr<Tensor> Allocate(DataType dtype, const TensorShape& shape, size_t byte_size) {
    const size_t needed = RoundUpToAlignment(byte_size);
    if (needed > block_left_) {
      const size_t block_bytes = std::max(needed, std::min(kSharedBlockBytes, pending_bytes_));
      void* block = std::aligned_alloc(Tensor::kAlignment, block_bytes);
      if (block == nullptr) {
        return ResourceExhaustedError("cannot allocate " + std::to_string(block_bytes) +
                                      " bytes for small tensors");
      }
      block_ = std::shared_ptr<void>(block, std::free);
      next_ = static_cast<char*>(block);
      block_left_ = block_bytes;
    }
    char* data = next_;
    next_ += needed;
    block_left_ -= needed;
    pending_bytes_ -= std::min(needed, pending_bytes_);
    return Tensor::MutableView(dtype, shape, data, byte_size, block_);
  }

 private:
  size_t pending_bytes_;
  std::shared_ptr<void> block_;
  char* next_ = nullptr;
  size_t block_left_ = 0;
};

}  // namespace

struct BundleReader::Rep {
  // An index entry: its summary and its checksum (unmasked).
  struct Entry {
    BundleEntryInfo info;
    uint32_t stored_crc = 0;
  };

  // One stored slice of a partitioned tensor, with its data entry.
  struct StoredSlice {
    TensorSlice slice;
    Region region;
    Entry entry;
  };

  // The stored bytes of one tensor, to land in `dst` and check, or, when
  // `mapped` is set, to check where they are mapped. `name` points into the
  // caller's arguments, which outlive the job.
  struct ReadJob {
    std::string_view name;
    const RandomAccessFile* file;
    uint64_t offset;
    size_t size;
    char* dst;
    uint32_t stored_crc;
    const char* mapped = nullptr;
  };

  std::string prefix;
  FileSystem* fs = nullptr;
  size_t num_threads = 1;
  std::unique_ptr<internal::TableReader> index;
  std::string index_path;
  int32_t num_shards = 0;

  mutable std::mutex data_mutex;
  // Opened on first use; a map because num_shards comes from the file.
  mutable std::map<int32_t, std::unique_ptr<RandomAccessFile>> data_files;
  mutable std::map<int32_t, std::shared_ptr<const MappedFile>> mapped_files;

  // The mapping of data file `shard_id` (already opened as `file`).
  StatusOr<std::shared_ptr<const MappedFile>> Mapped(int32_t shard_id,
                                                     const RandomAccessFile& file) const {
    std::lock_guard<std::mutex> lock(data_mutex);
    auto& mapped = mapped_files[shard_id];
    if (mapped == nullptr) {
      TFCKPT_ASSIGN_OR_RETURN(mapped, MappedFile::Map(file.path(), file.size()));
    }
    return mapped;
  }

  // Summarizes a parsed entry into `entry`, all but entry->info.name;
  // `label` names the tensor in errors.
  Status ToEntry(std::string_view label, const tensorflow::BundleEntryProto& proto,
                 Entry* entry) const {
    if (Status filled = internal::FillEntryInfo(label, proto, &entry->info); !filled.ok()) {
      return DataLossError(index_path + ": " + filled.message());
    }
    entry->stored_crc = crc32c::Unmask(proto.crc32c());
    return OkStatus();
  }

  // Parses the index value `value` into `scratch` (reusing it allocates
  // nothing once it has held an entry) and summarizes it into `entry`.
  Status DecodeEntry(std::string_view label, std::string_view value,
                     tensorflow::BundleEntryProto* scratch, Entry* entry) const {
    TFCKPT_RETURN_IF_ERROR(internal::ParseEntry(label, value, index_path, scratch));
    return ToEntry(label, *scratch, entry);
  }

  Status NoTensorNamed(std::string_view key) const {
    // The empty key holds the header, not a tensor.
    if (key == internal::kHeaderEntryKey) {
      return NotFoundError(index_path + ": no tensor named '' (the empty name is reserved)");
    }
    return NotFoundError(index_path + ": no tensor named '" + std::string(key) + "'");
  }

  // The entry under `key`; info.name is left empty.
  StatusOr<Entry> GetEntry(std::string_view key) const {
    if (key == internal::kHeaderEntryKey) return NoTensorNamed(key);
    auto value = index->Get(key);
    if (!value.ok()) {
      if (value.status().code() == StatusCode::kNotFound) return NoTensorNamed(key);
      return value.status().WithContext("looking up '" + std::string(key) + "'");
    }
    tensorflow::BundleEntryProto scratch;
    Entry entry;
    TFCKPT_RETURN_IF_ERROR(DecodeEntry(internal::DisplayName(key), *value, &scratch, &entry));
    return entry;
  }

  // Looks up every name at once: (*entries)[i] receives the entry of
  // names[i]. The names are visited in key order with one index iterator,
  // which steps to the next wanted key when it is near and seeks when it is
  // not, so reading all or most of a bundle costs one pass over the index and
  // a few names cost a seek each. Returns the error of the first name, in
  // the caller's order, that could not be looked up, and sets *failed_at to
  // its position (names.size() when every look-up succeeded).
  Status GetEntries(const std::vector<std::string>& names, std::vector<Entry>* entries,
                    size_t* failed_at) const {
    entries->assign(names.size(), Entry{});
    std::vector<size_t> order(names.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    // std::string compares bytes as unsigned, as the index's comparator does.
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return names[a] < names[b]; });
    Status first_error;
    *failed_at = names.size();
    const auto fail = [&](size_t i, Status error) {
      if (i < *failed_at) {
        *failed_at = i;
        first_error = std::move(error);
      }
    };
    std::unique_ptr<internal::TableIterator> it = index->NewIterator();
    bool positioned = false;
    tensorflow::BundleEntryProto scratch;
    for (const size_t i : order) {
      const std::string& name = names[i];
      if (name == internal::kHeaderEntryKey) {
        fail(i, NoTensorNamed(name));
        continue;
      }
      int steps = 0;
      while (positioned && it->Valid() && it->key() < name && steps < kMaxStepsBeforeSeek) {
        it->Next();
        ++steps;
      }
      // Seek unless stepping reached the first key >= name.
      if (!positioned || (it->Valid() ? it->key() < name : !it->status().ok())) {
        it->Seek(name);
        positioned = true;
      }
      if (!it->Valid() || it->key() != name) {
        const Status walked = it->status();
        fail(i, walked.ok() ? NoTensorNamed(name)
                            : walked.WithContext("looking up '" + name + "'"));
        continue;
      }
      if (Status decoded = DecodeEntry(name, it->value(), &scratch, &(*entries)[i]);
          !decoded.ok()) {
        fail(i, std::move(decoded));
      }
    }
    return first_error;
  }

  StatusOr<const RandomAccessFile*> DataFile(int32_t shard_id) const {
    std::lock_guard<std::mutex> lock(data_mutex);
    auto& file = data_files[shard_id];
    if (file == nullptr) {
      auto opened = fs->OpenForRead(internal::DataFilename(prefix, shard_id, num_shards));
      if (!opened.ok()) {
        return opened.status().WithContext("checkpoint " + prefix + ": data file missing or unreadable");
      }
      file = *std::move(opened);
    }
    return file.get();
  }

  // Checks an unpartitioned entry against the shape, the dtype and the data
  // file, and returns that file; nothing is allocated before this passes.
  StatusOr<const RandomAccessFile*> Locate(std::string_view name,
                                           const BundleEntryInfo& info) const {
    const std::string where = index_path + ": tensor '" + std::string(name) + "'";
    if (info.dtype != DataType::kString && !DataTypeIsMemcpyable(info.dtype)) {
      return UnimplementedError(where + ": dtype " + std::string(DataTypeName(info.dtype)) +
                                " cannot be read");
    }
    if (info.dtype == DataType::kString) {
      // Each element needs at least a one-byte length, plus the checksum.
      if (info.size < 4 || info.shape.num_elements() > info.size - 4) {
        return DataLossError(where + ": " + std::to_string(info.size) +
                             " bytes cannot hold " +
                             std::to_string(info.shape.num_elements()) + " strings");
      }
    } else {
      auto expected = TensorByteSize(info.dtype, info.shape);
      if (!expected.ok() || static_cast<int64_t>(*expected) != info.size) {
        return DataLossError(where + ": index says " + std::to_string(info.size) +
                             " bytes but a " + std::string(DataTypeName(info.dtype)) +
                             " tensor of shape " + info.shape.DebugString() + " needs " +
                             (expected.ok() ? std::to_string(*expected) : "more than 2^63"));
      }
    }
    if (info.shard_id >= num_shards) {
      return DataLossError(where + ": shard " + std::to_string(info.shard_id) +
                           " but the bundle has " + std::to_string(num_shards));
    }
    TFCKPT_ASSIGN_OR_RETURN(const RandomAccessFile* file, DataFile(info.shard_id));
    if (static_cast<uint64_t>(info.offset) > file->size() ||
        static_cast<uint64_t>(info.size) > file->size() - static_cast<uint64_t>(info.offset)) {
      return DataLossError(file->path() + ": tensor '" + std::string(name) + "' at offset " +
                           std::to_string(info.offset) + " with " + std::to_string(info.size) +
                           " bytes runs past the end of the " + std::to_string(file->size()) +
                           "-byte file");
    }
    return file;
  }

  Status ChecksumMismatch(const RandomAccessFile& file, std::string_view name,
                          int64_t offset, int64_t size, uint32_t stored,
                          uint32_t actual) const {
    return DataLossError(file.path() + ": tensor '" + std::string(name) + "' at offset " +
                         std::to_string(offset) + " (" + std::to_string(size) +
                         " bytes): checksum mismatch (stored " + std::to_string(stored) +
                         ", computed " + std::to_string(actual) + ")");
  }

  // Reads every job's bytes into place, in pieces spread over the threads,
  // and checks each tensor's checksum. Returns the first error in job order.
  Status ReadAndCheck(const std::vector<ReadJob>& jobs) const {
    struct Piece {
      size_t job;
      size_t begin;
      size_t size;
      uint32_t crc = 0;
      Status status;
    };
    size_t total_bytes = 0;
    for (const ReadJob& job : jobs) total_bytes += job.size;
    std::vector<Piece> pieces;
    pieces.reserve(jobs.size() + total_bytes / kPieceBytes);
    for (size_t j = 0; j < jobs.size(); ++j) {
      const size_t size = jobs[j].size;
      size_t begin = 0;
      do {
        const size_t n = std::min(kPieceBytes, size - begin);
        pieces.push_back({j, begin, n, 0, OkStatus()});
        begin += n;
      } while (begin < size);
    }
    // Runs of whole small tensors lying back to back in one file are read
    // with one ReadScattered() each, not one Read() per tensor.
    struct Batch {
      size_t first;  // piece
      size_t count;
      size_t bytes;
    };
    const auto whole_read = [&](const Piece& piece) {
      const ReadJob& job = jobs[piece.job];
      return job.mapped == nullptr && piece.begin == 0 && piece.size == job.size;
    };
    std::vector<Batch> batches;
    batches.reserve(pieces.size());
    for (size_t i = 0; i < pieces.size(); ++i) {
      if (!batches.empty() && whole_read(pieces[i])) {
        Batch& last = batches.back();
        const ReadJob& previous = jobs[pieces[i - 1].job];
        const ReadJob& job = jobs[pieces[i].job];
        if (whole_read(pieces[i - 1]) && previous.file == job.file &&
            previous.offset + previous.size == job.offset && last.count < kMaxBatchTensors &&
            last.bytes + job.size <= kMaxBatchBytes) {
          ++last.count;
          last.bytes += job.size;
          continue;
        }
      }
      batches.push_back({i, 1, pieces[i].size});
    }
    std::atomic<size_t> next_batch{0};
    std::atomic<bool> failed{false};
    auto work = [&] {
      std::vector<std::span<char>> dsts;
      for (size_t b = next_batch++; b < batches.size() && !failed.load(std::memory_order_relaxed);
           b = next_batch++) {
        const Batch& batch = batches[b];
        Piece& first = pieces[batch.first];
        const ReadJob& job = jobs[first.job];
        if (job.mapped != nullptr) {
          const char* bytes = job.mapped + first.begin;
          PopulateForRead(bytes, first.size);
          first.crc = crc32c::Value(bytes, first.size);
          continue;
        }
        dsts.clear();
        for (size_t i = batch.first; i < batch.first + batch.count; ++i) {
          dsts.emplace_back(jobs[pieces[i].job].dst + pieces[i].begin, pieces[i].size);
        }
        first.status = job.file->ReadScattered(job.offset + first.begin, dsts);
        if (!first.status.ok()) {
          failed = true;
          continue;
        }
        for (size_t i = batch.first; i < batch.first + batch.count; ++i) {
          pieces[i].crc = crc32c::Value(dsts[i - batch.first].data(), pieces[i].size);
        }
      }
    };
    const size_t threads =
        total_bytes < kParallelMinBytes ? 1 : std::min(num_threads, batches.size());
    std::vector<std::thread> helpers;
    for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
    work();
    for (std::thread& helper : helpers) helper.join();
    for (const Piece& piece : pieces) TFCKPT_RETURN_IF_ERROR(piece.status);
    for (size_t i = 0; i < pieces.size();) {
      const ReadJob& job = jobs[pieces[i].job];
      // A tensor in one piece (most of them) needs no combining.
      uint32_t crc = pieces[i].crc;
      for (++i; i < pieces.size() && &jobs[pieces[i].job] == &job; ++i) {
        crc = crc32c::Combine(crc, pieces[i].crc, pieces[i].size);
      }
      if (crc != job.stored_crc) {
        return ChecksumMismatch(*job.file, job.name, static_cast<int64_t>(job.offset),
                                static_cast<int64_t>(job.size), job.stored_crc, crc);
      }
    }
    return OkStatus();
  }

  // Reads an unpartitioned entry into `dst` (matching dtype and shape).
  Status ReadEntryInto(std::string_view name, const Entry& entry, Tensor* dst) const {
    const BundleEntryInfo& info = entry.info;
    TFCKPT_ASSIGN_OR_RETURN(const RandomAccessFile* file, Locate(name, info));
    const uint32_t stored = entry.stored_crc;
    const auto size = static_cast<size_t>(info.size);
    if (info.dtype == DataType::kString) {
      std::string encoded(size, '\0');
      TFCKPT_RETURN_IF_ERROR(file->Read(static_cast<uint64_t>(info.offset), size, encoded.data()));
      uint32_t actual = 0;
      Status decoded = internal::DecodeStringTensor(encoded, info.shape.num_elements(),
                                                    &dst->mutable_strings(), &actual);
      if (!decoded.ok()) {
        return decoded.WithContext(file->path() + ": tensor '" + std::string(name) +
                                   "' at offset " + std::to_string(info.offset));
      }
      if (actual != stored) {
        return ChecksumMismatch(*file, name, info.offset, info.size, stored, actual);
      }
      return OkStatus();
    }
    return ReadAndCheck({ReadJob{name, file, static_cast<uint64_t>(info.offset), size,
                                 static_cast<char*>(dst->mutable_data()), stored, nullptr}});
  }

  // Every stored slice of partitioned tensor `name`, each checked against
  // the full entry and its data file, with no two overlapping. Nothing is
  // allocated for the tensor before this passes.
  StatusOr<std::vector<StoredSlice>> StoredSlices(std::string_view name,
                                                  const BundleEntryInfo& full) const {
    const std::string where = index_path + ": tensor '" + std::string(name) + "'";
    if (full.slices.size() > kMaxSlicesPerTensor) {
      return ResourceExhaustedError(where + " has " + std::to_string(full.slices.size()) +
                                    " slices; at most " + std::to_string(kMaxSlicesPerTensor) +
                                    " are supported");
    }
    std::vector<StoredSlice> pieces;
    for (const TensorSlice& slice : full.slices) {
      StoredSlice piece{slice, ToRegion(slice, full.shape), {}};
      auto entry = GetEntry(internal::EncodeTensorNameSlice(name, slice));
      if (!entry.ok()) {
        if (entry.status().code() != StatusCode::kNotFound) return entry.status();
        return DataLossError(where + ": slice " + slice.DebugString() +
                             " is listed but its data entry is missing");
      }
      piece.entry = *std::move(entry);
      const BundleEntryInfo& info = piece.entry.info;
      TFCKPT_ASSIGN_OR_RETURN(const TensorShape slice_shape, slice.SliceShape(full.shape));
      if (info.dtype != full.dtype || !(info.shape == slice_shape) || info.partitioned()) {
        return DataLossError(where + ": slice " + slice.DebugString() +
                             " does not match the tensor's dtype or shape");
      }
      TFCKPT_RETURN_IF_ERROR(Locate(name, info).status());
      for (const StoredSlice& earlier : pieces) {
        if (Intersect(earlier.region, piece.region).has_value()) {
          return DataLossError(where + ": slices " + earlier.slice.DebugString() + " and " +
                               slice.DebugString() + " overlap");
        }
      }
      pieces.push_back(std::move(piece));
    }
    return pieces;
  }

  // NOT_FOUND unless the (non-overlapping) pieces cover all of `wanted`.
  Status CheckCovered(std::string_view name, const std::vector<StoredSlice>& pieces,
                      const Region& wanted) const {
    int64_t covered = 0;
    for (const StoredSlice& piece : pieces) {
      if (auto common = Intersect(piece.region, wanted)) covered += common->num_elements();
    }
    if (covered != wanted.num_elements()) {
      return NotFoundError(index_path + ": the stored slices of tensor '" + std::string(name) +
                           "' do not cover the requested region");
    }
    return OkStatus();
  }

  // Fills `dst` (holding `wanted`, which the pieces cover) from the pieces.
  Status AssembleInto(std::string_view name, const std::vector<StoredSlice>& pieces,
                      const Region& wanted, Tensor* dst) const {
    for (const StoredSlice& piece : pieces) {
      const std::optional<Region> common = Intersect(piece.region, wanted);
      if (!common.has_value()) continue;
      if (piece.region.length == wanted.length && piece.region.start == wanted.start) {
        return ReadEntryInto(name, piece.entry, dst);
      }
      TFCKPT_ASSIGN_OR_RETURN(Tensor part,
                              Tensor::Allocate(piece.entry.info.dtype, piece.entry.info.shape));
      TFCKPT_RETURN_IF_ERROR(ReadEntryInto(name, piece.entry, &part));
      CopyRegion(part, piece.region, dst, wanted, *common);
    }
    return OkStatus();
  }

  // Reads region `wanted` of tensor `name` (whose index entry is `entry`)
  // into `dst`, allocated when it has no dtype yet, after every check passed.
  Status ReadRegion(std::string_view name, const Entry& entry, const Region& wanted,
                    const TensorShape& shape, Tensor* dst) const {
    const BundleEntryInfo& info = entry.info;
    const Region whole = ToRegion(TensorSlice::Full(info.shape.rank()), info.shape);
    const bool is_whole = wanted.start == whole.start && wanted.length == whole.length;
    std::vector<StoredSlice> pieces;
    if (info.partitioned()) {
      TFCKPT_ASSIGN_OR_RETURN(pieces, StoredSlices(name, info));
      TFCKPT_RETURN_IF_ERROR(CheckCovered(name, pieces, wanted));
    } else {
      TFCKPT_RETURN_IF_ERROR(Locate(name, info).status());
    }
    if (dst->dtype() == DataType::kInvalid) {
      TFCKPT_ASSIGN_OR_RETURN(*dst, Tensor::Allocate(info.dtype, shape));
    }
    if (info.partitioned()) return AssembleInto(name, pieces, wanted, dst);
    if (is_whole) return ReadEntryInto(name, entry, dst);
    TFCKPT_ASSIGN_OR_RETURN(Tensor full, Tensor::Allocate(info.dtype, info.shape));
    TFCKPT_RETURN_IF_ERROR(ReadEntryInto(name, entry, &full));
    CopyRegion(full, whole, dst, wanted, wanted);
    return OkStatus();
  }

  // The whole region of a tensor.
  static Region Whole(const TensorShape& shape) {
    return ToRegion(TensorSlice::Full(shape.rank()), shape);
  }

  // Whether ReadOrMapTensors() reads the entry itself, as one job, rather
  // than through ReadRegion() (strings need decoding, slices assembly).
  static bool IsPlain(const BundleEntryInfo& info) {
    return !info.partitioned() && info.dtype != DataType::kString;
  }

  StatusOr<std::vector<Tensor>> ReadOrMapTensors(const std::vector<std::string>& names,
                                                 bool map) const {
    std::vector<Entry> entries;
    size_t failed_at = 0;
    const Status looked_up = GetEntries(names, &entries, &failed_at);
    size_t small_bytes = 0;
    for (size_t i = 0; i < failed_at && !map; ++i) {
      const BundleEntryInfo& info = entries[i].info;
      const auto size = static_cast<size_t>(info.size);
      if (IsPlain(info) && size > 0 && size < kSmallTensorBytes) {
        small_bytes += RoundUpToAlignment(size);
      }
    }
    SmallTensorArena arena(small_bytes);
    std::vector<Tensor> tensors(names.size());
    // Plain numeric tensors are batched so that they are read (or checked)
    // in parallel; strings and partitioned tensors need decoding or assembly.
    std::vector<ReadJob> jobs;
    jobs.reserve(failed_at);
    for (size_t i = 0; i < names.size(); ++i) {
      // Errors surface in the caller's order, as if each name were read in turn.
      if (i == failed_at) return looked_up;
      const std::string& name = names[i];
      const Entry& entry = entries[i];
      const BundleEntryInfo& info = entry.info;
      if (!IsPlain(info)) {
        TFCKPT_RETURN_IF_ERROR(
            ReadRegion(name, entry, Whole(info.shape), info.shape, &tensors[i]));
        continue;
      }
      TFCKPT_ASSIGN_OR_RETURN(const RandomAccessFile* file, Locate(name, info));
      const auto size = static_cast<size_t>(info.size);
      ReadJob job{name, file, static_cast<uint64_t>(info.offset), size, nullptr,
                  entry.stored_crc, nullptr};
      // Misaligned elements (after an odd-sized tensor) are read instead.
      if (map && static_cast<uint64_t>(info.offset) % DataTypeSize(info.dtype) == 0) {
        TFCKPT_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> mapped,
                                Mapped(info.shard_id, *file));
        job.mapped = mapped->data() == nullptr ? nullptr : mapped->data() + info.offset;
        TFCKPT_ASSIGN_OR_RETURN(tensors[i], Tensor::View(info.dtype, info.shape, job.mapped,
                                                         size, std::move(mapped)));
      } else if (!map && size > 0 && size < kSmallTensorBytes) {
        TFCKPT_ASSIGN_OR_RETURN(tensors[i], arena.Allocate(info.dtype, info.shape, size));
        job.dst = static_cast<char*>(tensors[i].mutable_data());
      } else {
        TFCKPT_ASSIGN_OR_RETURN(tensors[i], Tensor::Allocate(info.dtype, info.shape));
        job.dst = static_cast<char*>(tensors[i].mutable_data());
      }
      jobs.push_back(job);
    }
    TFCKPT_RETURN_IF_ERROR(ReadAndCheck(jobs));
    return tensors;
  }

  // Streams a tensor's bytes through the checksum without keeping them,
  // calling on_bytes(n) as each n bytes are checked.
  Status VerifyEntry(std::string_view name, const tensorflow::BundleEntryProto& proto,
                     const std::function<void(uint64_t)>& on_bytes) const {
    Entry entry;
    TFCKPT_RETURN_IF_ERROR(ToEntry(name, proto, &entry));
    const BundleEntryInfo& info = entry.info;
    // A partitioned entry's slices must be consistent; their bytes are
    // checked as entries of their own.
    if (info.partitioned()) return StoredSlices(name, info).status();
    TFCKPT_ASSIGN_OR_RETURN(const RandomAccessFile* file, Locate(name, info));
    if (info.dtype == DataType::kString) {
      TFCKPT_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(info.dtype, info.shape));
      TFCKPT_RETURN_IF_ERROR(ReadEntryInto(name, entry, &t));
      on_bytes(static_cast<uint64_t>(info.size));
      return OkStatus();
    }
    std::string buffer(std::min(static_cast<size_t>(info.size), kVerifyChunkBytes), '\0');
    uint32_t crc = 0;
    for (int64_t done = 0; done < info.size;) {
      const auto n = static_cast<size_t>(std::min<int64_t>(info.size - done,
                                                           static_cast<int64_t>(buffer.size())));
      TFCKPT_RETURN_IF_ERROR(file->Read(static_cast<uint64_t>(info.offset + done), n, buffer.data()));
      crc = crc32c::Extend(crc, buffer.data(), n);
      done += static_cast<int64_t>(n);
      on_bytes(n);
    }
    if (crc != entry.stored_crc) {
      return ChecksumMismatch(*file, name, info.offset, info.size, entry.stored_crc, crc);
    }
    return OkStatus();
  }
};

BundleReader::BundleReader(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
BundleReader::~BundleReader() = default;

StatusOr<std::unique_ptr<BundleReader>> BundleReader::Open(std::string prefix,
                                                           BundleReaderOptions options) {
  auto rep = std::make_unique<Rep>();
  rep->fs = options.file_system != nullptr ? options.file_system : FileSystem::Default();
  rep->num_threads = options.num_threads > 0
                         ? static_cast<size_t>(options.num_threads)
                         : std::max<size_t>(1, std::thread::hardware_concurrency());
  rep->prefix = std::move(prefix);
  rep->index_path = internal::MetaFilename(rep->prefix);
  auto file = rep->fs->OpenForRead(rep->index_path);
  if (!file.ok()) {
    return file.status().WithContext("cannot open checkpoint " + rep->prefix);
  }
  TFCKPT_ASSIGN_OR_RETURN(rep->index, internal::TableReader::Open(*std::move(file)));
  auto header_value = rep->index->Get(internal::kHeaderEntryKey);
  if (!header_value.ok()) {
    if (header_value.status().code() == StatusCode::kNotFound) {
      return DataLossError(rep->index_path + ": no bundle header (not a TensorFlow V2 checkpoint?)");
    }
    return header_value.status();
  }
  tensorflow::BundleHeaderProto header;
  TFCKPT_RETURN_IF_ERROR(internal::ParseHeader(*header_value, rep->index_path, &header));
  rep->num_shards = header.num_shards();
  return std::unique_ptr<BundleReader>(new BundleReader(std::move(rep)));
}

const std::string& BundleReader::prefix() const { return rep_->prefix; }
int BundleReader::num_shards() const { return rep_->num_shards; }

StatusOr<std::vector<BundleEntryInfo>> BundleReader::ListEntries() const {
  std::vector<BundleEntryInfo> all;
  std::set<std::string> slice_keys;
  std::unique_ptr<internal::TableIterator> it = rep_->index->NewIterator();
  tensorflow::BundleEntryProto scratch;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key() == internal::kHeaderEntryKey) continue;
    Rep::Entry entry;
    TFCKPT_RETURN_IF_ERROR(rep_->DecodeEntry(it->key(), it->value(), &scratch, &entry));
    BundleEntryInfo& info = entry.info;
    info.name = std::string(it->key());
    for (const TensorSlice& slice : info.slices) {
      slice_keys.insert(internal::EncodeTensorNameSlice(info.name, slice));
    }
    all.push_back(std::move(info));
  }
  TFCKPT_RETURN_IF_ERROR(it->status());
  std::erase_if(all, [&](const BundleEntryInfo& info) { return slice_keys.count(info.name) != 0; });
  return all;
}

StatusOr<BundleEntryInfo> BundleReader::GetEntryInfo(std::string_view name) const {
  TFCKPT_ASSIGN_OR_RETURN(Rep::Entry entry, rep_->GetEntry(name));
  entry.info.name = std::string(name);
  return std::move(entry.info);
}

bool BundleReader::Contains(std::string_view name) const { return GetEntryInfo(name).ok(); }

StatusOr<BundleEntryInfo> BundleReader::GetSliceEntryInfo(std::string_view name,
                                                          const TensorSlice& slice) const {
  TFCKPT_ASSIGN_OR_RETURN(Rep::Entry entry,
                          rep_->GetEntry(internal::EncodeTensorNameSlice(name, slice)));
  entry.info.name = std::string(name);
  return std::move(entry.info);
}

StatusOr<Tensor> BundleReader::ReadTensor(std::string_view name) const {
  TFCKPT_ASSIGN_OR_RETURN(const Rep::Entry entry, rep_->GetEntry(name));
  Tensor tensor;
  TFCKPT_RETURN_IF_ERROR(
      rep_->ReadRegion(name, entry, Rep::Whole(entry.info.shape), entry.info.shape, &tensor));
  return tensor;
}

StatusOr<std::vector<Tensor>> BundleReader::ReadTensors(
    const std::vector<std::string>& names) const {
  return rep_->ReadOrMapTensors(names, /*map=*/false);
}

StatusOr<std::vector<Tensor>> BundleReader::MapTensors(
    const std::vector<std::string>& names) const {
  return rep_->ReadOrMapTensors(names, /*map=*/rep_->fs == FileSystem::Default());
}

Status BundleReader::ReadTensorInto(std::string_view name, Tensor* dst) const {
  TFCKPT_ASSIGN_OR_RETURN(const Rep::Entry entry, rep_->GetEntry(name));
  const BundleEntryInfo& info = entry.info;
  const bool writable = dst->dtype() == DataType::kString || dst->mutable_data() != nullptr ||
                        dst->byte_size() == 0;
  if (dst->dtype() != info.dtype || !(dst->shape() == info.shape) || !writable) {
    return InvalidArgumentError("tensor '" + std::string(name) + "' is " +
                                std::string(DataTypeName(info.dtype)) + " " +
                                info.shape.DebugString() + " but the destination is " +
                                dst->DebugString() + (writable ? "" : " (read-only)"));
  }
  return rep_->ReadRegion(name, entry, Rep::Whole(info.shape), info.shape, dst);
}

StatusOr<Tensor> BundleReader::ReadSlice(std::string_view name, const TensorSlice& slice) const {
  TFCKPT_ASSIGN_OR_RETURN(const Rep::Entry entry, rep_->GetEntry(name));
  const BundleEntryInfo& info = entry.info;
  auto slice_shape = slice.SliceShape(info.shape);
  if (!slice_shape.ok()) {
    return slice_shape.status().WithContext(rep_->index_path + ": tensor '" + std::string(name) + "'");
  }
  Tensor result;
  TFCKPT_RETURN_IF_ERROR(
      rep_->ReadRegion(name, entry, ToRegion(slice, info.shape), *slice_shape, &result));
  return result;
}

std::vector<Status> BundleReader::Verify() const {
  return Verify([](uint64_t, uint64_t) {});
}

std::vector<Status> BundleReader::Verify(const VerifyProgress& progress) const {
  // The total for the progress report: every entry with bytes of its own.
  // Unparsable entries count for nothing here and are reported below.
  uint64_t total = 0;
  {
    std::unique_ptr<internal::TableIterator> it = rep_->index->NewIterator();
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      tensorflow::BundleEntryProto entry;
      if (it->key() != internal::kHeaderEntryKey &&
          internal::ParseEntry(it->key(), it->value(), rep_->index_path, &entry).ok() &&
          entry.slices_size() == 0 && entry.size() > 0) {
        total += static_cast<uint64_t>(entry.size());
      }
    }
  }
  uint64_t done = 0;
  const auto on_bytes = [&](uint64_t n) {
    done += n;
    progress(done, std::max(done, total));
  };
  std::vector<Status> problems = rep_->index->VerifyBlocks();
  // A missing or unreadable data file is one problem, not one per tensor.
  std::set<int32_t> unreadable_shards;
  std::unique_ptr<internal::TableIterator> it = rep_->index->NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key() == internal::kHeaderEntryKey) continue;
    tensorflow::BundleEntryProto entry;
    Status status = internal::ParseEntry(it->key(), it->value(), rep_->index_path, &entry);
    const bool stored_here = status.ok() && entry.slices_size() == 0 &&
                             entry.shard_id() < rep_->num_shards;
    if (stored_here && unreadable_shards.count(entry.shard_id()) != 0) continue;
    if (stored_here) {
      if (Status opened = rep_->DataFile(entry.shard_id()).status(); !opened.ok()) {
        unreadable_shards.insert(entry.shard_id());
        problems.push_back(opened);
        continue;
      }
    }
    if (status.ok()) status = rep_->VerifyEntry(internal::DisplayName(it->key()), entry, on_bytes);
    if (!status.ok()) problems.push_back(status);
  }
  if (!it->status().ok()) problems.push_back(it->status());
  return problems;
}

}  // namespace tfckpt
