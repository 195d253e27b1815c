#include "tfckpt/bundle_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
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

// Slice data keys are binary; show them as "name (slice 0,5:-)".
std::string DisplayName(std::string_view key) {
  std::string name;
  TensorSlice slice;
  if (!key.empty() && key[0] == '\0' && internal::DecodeTensorNameSlice(key, &name, &slice).ok()) {
    return name + " (slice " + slice.DebugString() + ")";
  }
  return std::string(key);
}

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

}  // namespace

struct BundleReader::Rep {
  // One stored slice of a partitioned tensor, with its data entry.
  struct StoredSlice {
    TensorSlice slice;
    Region region;
    tensorflow::BundleEntryProto entry;
    BundleEntryInfo info;
  };

  // The stored bytes of one tensor, to land in `dst` and check, or, when
  // `mapped` is set, to check where they are mapped.
  struct ReadJob {
    std::string name;
    BundleEntryInfo info;
    const RandomAccessFile* file;
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

  StatusOr<tensorflow::BundleEntryProto> GetEntry(std::string_view key) const {
    // The empty key holds the header, not a tensor.
    if (key == internal::kHeaderEntryKey) {
      return NotFoundError(index_path + ": no tensor named '' (the empty name is reserved)");
    }
    auto value = index->Get(key);
    if (!value.ok()) {
      if (value.status().code() == StatusCode::kNotFound) {
        return NotFoundError(index_path + ": no tensor named '" + std::string(key) + "'");
      }
      return value.status().WithContext("looking up '" + std::string(key) + "'");
    }
    tensorflow::BundleEntryProto entry;
    TFCKPT_RETURN_IF_ERROR(internal::ParseEntry(key, *value, index_path, &entry));
    return entry;
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
                          const BundleEntryInfo& info, uint32_t stored,
                          uint32_t actual) const {
    return DataLossError(file.path() + ": tensor '" + std::string(name) + "' at offset " +
                         std::to_string(info.offset) + " (" + std::to_string(info.size) +
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
    std::vector<Piece> pieces;
    size_t total_bytes = 0;
    for (size_t j = 0; j < jobs.size(); ++j) {
      const auto size = static_cast<size_t>(jobs[j].info.size);
      total_bytes += size;
      size_t begin = 0;
      do {
        const size_t n = std::min(kPieceBytes, size - begin);
        pieces.push_back({j, begin, n, 0, OkStatus()});
        begin += n;
      } while (begin < size);
    }
    std::atomic<size_t> next_piece{0};
    std::atomic<bool> failed{false};
    auto work = [&] {
      for (size_t i = next_piece++; i < pieces.size() && !failed.load(std::memory_order_relaxed);
           i = next_piece++) {
        Piece& piece = pieces[i];
        const ReadJob& job = jobs[piece.job];
        if (job.mapped != nullptr) {
          const char* bytes = job.mapped + piece.begin;
          PopulateForRead(bytes, piece.size);
          piece.crc = crc32c::Value(bytes, piece.size);
          continue;
        }
        char* dst = job.dst + piece.begin;
        piece.status = job.file->Read(static_cast<uint64_t>(job.info.offset) + piece.begin,
                                      piece.size, dst);
        if (!piece.status.ok()) {
          failed = true;
          continue;
        }
        piece.crc = crc32c::Value(dst, piece.size);
      }
    };
    const size_t threads =
        total_bytes < kParallelMinBytes ? 1 : std::min(num_threads, pieces.size());
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
        return ChecksumMismatch(*job.file, job.name, job.info, job.stored_crc, crc);
      }
    }
    return OkStatus();
  }

  // Reads an unpartitioned entry into `dst` (matching dtype and shape).
  Status ReadEntryInto(std::string_view name, const tensorflow::BundleEntryProto& entry,
                       const BundleEntryInfo& info, Tensor* dst) const {
    TFCKPT_ASSIGN_OR_RETURN(const RandomAccessFile* file, Locate(name, info));
    const uint32_t stored = crc32c::Unmask(entry.crc32c());
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
      if (actual != stored) return ChecksumMismatch(*file, name, info, stored, actual);
      return OkStatus();
    }
    return ReadAndCheck(
        {ReadJob{std::string(name), info, file, static_cast<char*>(dst->mutable_data()), stored,
                 nullptr}});
  }

  StatusOr<BundleEntryInfo> Info(std::string_view name,
                                 const tensorflow::BundleEntryProto& entry) const {
    auto info = internal::EntryInfo(name, entry);
    if (!info.ok()) return DataLossError(index_path + ": " + info.status().message());
    return info;
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
      StoredSlice piece{slice, ToRegion(slice, full.shape), {}, {}};
      auto entry = GetEntry(internal::EncodeTensorNameSlice(name, slice));
      if (!entry.ok()) {
        if (entry.status().code() != StatusCode::kNotFound) return entry.status();
        return DataLossError(where + ": slice " + slice.DebugString() +
                             " is listed but its data entry is missing");
      }
      piece.entry = *std::move(entry);
      TFCKPT_ASSIGN_OR_RETURN(piece.info, Info(name, piece.entry));
      TFCKPT_ASSIGN_OR_RETURN(const TensorShape slice_shape, slice.SliceShape(full.shape));
      if (piece.info.dtype != full.dtype || !(piece.info.shape == slice_shape) ||
          piece.info.partitioned()) {
        return DataLossError(where + ": slice " + slice.DebugString() +
                             " does not match the tensor's dtype or shape");
      }
      TFCKPT_RETURN_IF_ERROR(Locate(name, piece.info).status());
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
        return ReadEntryInto(name, piece.entry, piece.info, dst);
      }
      TFCKPT_ASSIGN_OR_RETURN(Tensor part, Tensor::Allocate(piece.info.dtype, piece.info.shape));
      TFCKPT_RETURN_IF_ERROR(ReadEntryInto(name, piece.entry, piece.info, &part));
      CopyRegion(part, piece.region, dst, wanted, *common);
    }
    return OkStatus();
  }

  // Reads region `wanted` of tensor `name` (whose index entry is `entry`,
  // summarized in `info`) into `dst`, allocated when it has no dtype yet,
  // after every check passed.
  Status ReadRegion(std::string_view name, const tensorflow::BundleEntryProto& entry,
                    const BundleEntryInfo& info, const Region& wanted,
                    const TensorShape& shape, Tensor* dst) const {
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
    if (is_whole) return ReadEntryInto(name, entry, info, dst);
    TFCKPT_ASSIGN_OR_RETURN(Tensor full, Tensor::Allocate(info.dtype, info.shape));
    TFCKPT_RETURN_IF_ERROR(ReadEntryInto(name, entry, info, &full));
    CopyRegion(full, whole, dst, wanted, wanted);
    return OkStatus();
  }

  StatusOr<std::vector<Tensor>> ReadOrMapTensors(const std::vector<std::string>& names,
                                                 bool map) const {
    std::vector<Tensor> tensors(names.size());
    // Plain numeric tensors are batched so that they are read (or checked)
    // in parallel; strings and partitioned tensors need decoding or assembly.
    std::vector<ReadJob> jobs;
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string& name = names[i];
      TFCKPT_ASSIGN_OR_RETURN(const tensorflow::BundleEntryProto entry, GetEntry(name));
      TFCKPT_ASSIGN_OR_RETURN(BundleEntryInfo info, Info(name, entry));
      if (info.partitioned() || info.dtype == DataType::kString) {
        TFCKPT_RETURN_IF_ERROR(ReadRegion(name, entry, info,
                                          ToRegion(TensorSlice::Full(info.shape.rank()), info.shape),
                                          info.shape, &tensors[i]));
        continue;
      }
      TFCKPT_ASSIGN_OR_RETURN(const RandomAccessFile* file, Locate(name, info));
      ReadJob job{name, {}, file, nullptr, crc32c::Unmask(entry.crc32c()), nullptr};
      // Misaligned elements (after an odd-sized tensor) are read instead.
      if (map && static_cast<uint64_t>(info.offset) % DataTypeSize(info.dtype) == 0) {
        TFCKPT_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> mapped,
                                Mapped(info.shard_id, *file));
        job.mapped = mapped->data() == nullptr ? nullptr : mapped->data() + info.offset;
        TFCKPT_ASSIGN_OR_RETURN(tensors[i],
                                Tensor::View(info.dtype, info.shape, job.mapped,
                                             static_cast<size_t>(info.size), std::move(mapped)));
      } else {
        TFCKPT_ASSIGN_OR_RETURN(tensors[i], Tensor::Allocate(info.dtype, info.shape));
        job.dst = static_cast<char*>(tensors[i].mutable_data());
      }
      job.info = std::move(info);
      jobs.push_back(std::move(job));
    }
    TFCKPT_RETURN_IF_ERROR(ReadAndCheck(jobs));
    return tensors;
  }

  // Streams a tensor's bytes through the checksum without keeping them,
  // calling on_bytes(n) as each n bytes are checked.
  Status VerifyEntry(std::string_view name, const tensorflow::BundleEntryProto& entry,
                     const std::function<void(uint64_t)>& on_bytes) const {
    TFCKPT_ASSIGN_OR_RETURN(const BundleEntryInfo info, Info(name, entry));
    // A partitioned entry's slices must be consistent; their bytes are
    // checked as entries of their own.
    if (info.partitioned()) return StoredSlices(name, info).status();
    TFCKPT_ASSIGN_OR_RETURN(const RandomAccessFile* file, Locate(name, info));
    if (info.dtype == DataType::kString) {
      TFCKPT_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(info.dtype, info.shape));
      TFCKPT_RETURN_IF_ERROR(ReadEntryInto(name, entry, info, &t));
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
    const uint32_t stored = crc32c::Unmask(entry.crc32c());
    if (crc != stored) return ChecksumMismatch(*file, name, info, stored, crc);
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
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key() == internal::kHeaderEntryKey) continue;
    tensorflow::BundleEntryProto entry;
    TFCKPT_RETURN_IF_ERROR(internal::ParseEntry(it->key(), it->value(), rep_->index_path, &entry));
    TFCKPT_ASSIGN_OR_RETURN(BundleEntryInfo info, rep_->Info(it->key(), entry));
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
  TFCKPT_ASSIGN_OR_RETURN(const tensorflow::BundleEntryProto entry, rep_->GetEntry(name));
  return rep_->Info(name, entry);
}

bool BundleReader::Contains(std::string_view name) const { return GetEntryInfo(name).ok(); }

StatusOr<BundleEntryInfo> BundleReader::GetSliceEntryInfo(std::string_view name,
                                                          const TensorSlice& slice) const {
  TFCKPT_ASSIGN_OR_RETURN(const tensorflow::BundleEntryProto entry,
                          rep_->GetEntry(internal::EncodeTensorNameSlice(name, slice)));
  TFCKPT_ASSIGN_OR_RETURN(BundleEntryInfo info, rep_->Info(name, entry));
  return info;
}

StatusOr<Tensor> BundleReader::ReadTensor(std::string_view name) const {
  TFCKPT_ASSIGN_OR_RETURN(const tensorflow::BundleEntryProto entry, rep_->GetEntry(name));
  TFCKPT_ASSIGN_OR_RETURN(const BundleEntryInfo info, rep_->Info(name, entry));
  Tensor tensor;
  TFCKPT_RETURN_IF_ERROR(rep_->ReadRegion(
      name, entry, info, ToRegion(TensorSlice::Full(info.shape.rank()), info.shape), info.shape,
      &tensor));
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
  TFCKPT_ASSIGN_OR_RETURN(const tensorflow::BundleEntryProto entry, rep_->GetEntry(name));
  TFCKPT_ASSIGN_OR_RETURN(const BundleEntryInfo info, rep_->Info(name, entry));
  const bool writable = dst->dtype() == DataType::kString || dst->mutable_data() != nullptr ||
                        dst->byte_size() == 0;
  if (dst->dtype() != info.dtype || !(dst->shape() == info.shape) || !writable) {
    return InvalidArgumentError("tensor '" + std::string(name) + "' is " +
                                std::string(DataTypeName(info.dtype)) + " " +
                                info.shape.DebugString() + " but the destination is " +
                                dst->DebugString() + (writable ? "" : " (read-only)"));
  }
  return rep_->ReadRegion(name, entry, info,
                          ToRegion(TensorSlice::Full(info.shape.rank()), info.shape), info.shape,
                          dst);
}

StatusOr<Tensor> BundleReader::ReadSlice(std::string_view name, const TensorSlice& slice) const {
  TFCKPT_ASSIGN_OR_RETURN(const tensorflow::BundleEntryProto entry, rep_->GetEntry(name));
  TFCKPT_ASSIGN_OR_RETURN(const BundleEntryInfo info, rep_->Info(name, entry));
  auto slice_shape = slice.SliceShape(info.shape);
  if (!slice_shape.ok()) {
    return slice_shape.status().WithContext(rep_->index_path + ": tensor '" + std::string(name) + "'");
  }
  Tensor result;
  TFCKPT_RETURN_IF_ERROR(
      rep_->ReadRegion(name, entry, info, ToRegion(slice, info.shape), *slice_shape, &result));
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
    if (status.ok()) status = rep_->VerifyEntry(DisplayName(it->key()), entry, on_bytes);
    if (!status.ok()) problems.push_back(status);
  }
  if (!it->status().ok()) problems.push_back(it->status());
  return problems;
}

}  // namespace tfckpt
