#include "src/table/table_reader.h"

#include <leveldb/cache.h>
#include <leveldb/env.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/table.h>
#include <snappy.h>

#include <cstdint>
#include <string>

#include "src/base/coding.h"
#include "src/base/crc32c.h"

namespace tfckpt::internal {
namespace {

constexpr uint64_t kTableMagicNumber = 0xdb4775248b80fb57ull;
constexpr size_t kFooterSize = 48;
constexpr size_t kBlockTrailerSize = 5;
constexpr char kNoCompression = 0;
constexpr char kSnappyCompression = 1;
// Snappy cannot expand data by more than this; a larger claim is corruption.
constexpr uint64_t kMaxSnappyExpansion = 64;
// Cache of decoded index blocks so repeated look-ups do not re-read them.
constexpr size_t kBlockCacheBytes = size_t{8} << 20;

struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;
};

bool DecodeBlockHandle(std::string_view* input, BlockHandle* handle) {
  return GetVarint64(input, &handle->offset) && GetVarint64(input, &handle->size);
}

std::string Hex(uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "0x";
  bool started = false;
  for (int shift = 60; shift >= 0; shift -= 4) {
    const auto digit = static_cast<size_t>((value >> shift) & 0xf);
    if (digit != 0 || started || shift == 0) {
      out += kDigits[digit];
      started = true;
    }
  }
  return out;
}

// Gives leveldb reads through our RandomAccessFile.
class LeveldbRandomAccessFile final : public leveldb::RandomAccessFile {
 public:
  explicit LeveldbRandomAccessFile(const tfckpt::RandomAccessFile* file)
      : file_(file) {}
  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                       char* scratch) const override {
    const Status status = file_->Read(offset, n, scratch);
    if (!status.ok()) return leveldb::Status::IOError(status.ToString());
    *result = leveldb::Slice(scratch, n);
    return leveldb::Status::OK();
  }

 private:
  const tfckpt::RandomAccessFile* file_;
};

Status FromLeveldb(const leveldb::Status& status, const std::string& path) {
  if (status.ok()) return OkStatus();
  if (status.IsNotFound()) return NotFoundError(path + ": " + status.ToString());
  return DataLossError(path + ": corrupt table: " + status.ToString() +
                       " (perhaps the file is truncated or damaged)");
}

class LeveldbTableIterator final : public TableIterator {
 public:
  LeveldbTableIterator(std::unique_ptr<leveldb::Iterator> it, const std::string* path)
      : it_(std::move(it)), path_(path) {}
  void SeekToFirst() override { it_->SeekToFirst(); }
  void Seek(std::string_view target) override {
    it_->Seek(leveldb::Slice(target.data(), target.size()));
  }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  std::string_view key() const override {
    const leveldb::Slice k = it_->key();
    return {k.data(), k.size()};
  }
  std::string_view value() const override {
    const leveldb::Slice v = it_->value();
    return {v.data(), v.size()};
  }
  Status status() const override { return FromLeveldb(it_->status(), *path_); }

 private:
  std::unique_ptr<leveldb::Iterator> it_;
  const std::string* path_;
};

}  // namespace

struct TableReader::Rep {
  std::unique_ptr<RandomAccessFile> file;
  std::unique_ptr<LeveldbRandomAccessFile> adapter;
  std::unique_ptr<leveldb::Cache> block_cache;
  std::unique_ptr<leveldb::Table> table;
  std::vector<BlockHandle> data_blocks;
  BlockHandle metaindex;
  BlockHandle index;

  const std::string& path() const { return file->path(); }

  Status Corrupt(const std::string& what) const {
    return DataLossError(path() + ": " + what +
                         " (perhaps the file is truncated or damaged)");
  }

  // Checks that a block and its trailer lie before the footer.
  Status CheckHandle(const BlockHandle& handle, const std::string& what) const {
    const uint64_t limit = file->size() - kFooterSize;
    if (handle.offset > limit || handle.size > limit - handle.offset ||
        kBlockTrailerSize > limit - handle.offset - handle.size) {
      return Corrupt(what + " at offset " + std::to_string(handle.offset) +
                     " with size " + std::to_string(handle.size) +
                     " runs past the end of the " + std::to_string(file->size()) +
                     "-byte file");
    }
    return OkStatus();
  }

  // Reads a block, verifies its checksum and returns its decompressed bytes.
  StatusOr<std::string> ReadBlock(const BlockHandle& handle,
                                  const std::string& what) const {
    TFCKPT_RETURN_IF_ERROR(CheckHandle(handle, what));
    std::string raw(handle.size + kBlockTrailerSize, '\0');
    TFCKPT_RETURN_IF_ERROR(file->Read(handle.offset, raw.size(), raw.data()));
    const char type = raw[handle.size];
    const uint32_t stored = crc32c::Unmask(DecodeFixed32(raw.data() + handle.size + 1));
    const uint32_t actual = crc32c::Value(raw.data(), handle.size + 1);
    if (stored != actual) {
      return Corrupt(what + " at offset " + std::to_string(handle.offset) +
                     ": checksum mismatch (stored " + Hex(stored) + ", computed " +
                     Hex(actual) + ")");
    }
    raw.resize(handle.size);
    if (type == kNoCompression) return raw;
    if (type != kSnappyCompression) {
      return Corrupt(what + " at offset " + std::to_string(handle.offset) +
                     ": unknown compression type " +
                     std::to_string(static_cast<unsigned char>(type)));
    }
    TFCKPT_RETURN_IF_ERROR(CheckSnappyLength(handle, raw, what));
    std::string plain;
    if (!snappy::Uncompress(raw.data(), raw.size(), &plain)) {
      return Corrupt(what + " at offset " + std::to_string(handle.offset) +
                     ": invalid snappy data");
    }
    return plain;
  }

  // `compressed` may be only the block's first bytes (enough for the length
  // prefix); the bound is on the whole block, handle.size bytes.
  Status CheckSnappyLength(const BlockHandle& handle, std::string_view compressed,
                           const std::string& what) const {
    size_t length = 0;
    if (!snappy::GetUncompressedLength(compressed.data(), compressed.size(), &length) ||
        length > kMaxSnappyExpansion * (handle.size + 1)) {
      return Corrupt(what + " at offset " + std::to_string(handle.offset) +
                     ": invalid snappy length");
    }
    return OkStatus();
  }

  // Parses the index block, collecting and bounds-checking every data block
  // handle, so leveldb never reads (or allocates for) a block the file does
  // not contain.
  Status LoadIndex() {
    TFCKPT_ASSIGN_OR_RETURN(const std::string block, ReadBlock(index, "index block"));
    if (block.size() < 4) return Corrupt("index block is too short");
    const uint32_t num_restarts = DecodeFixed32(block.data() + block.size() - 4);
    if (num_restarts > (block.size() - 4) / 4) {
      return Corrupt("index block has an invalid restart count");
    }
    std::string_view entries(block.data(), block.size() - 4 - 4 * num_restarts);
    std::string key;
    while (!entries.empty()) {
      uint32_t shared = 0, non_shared = 0, value_length = 0;
      if (!GetVarint32(&entries, &shared) || !GetVarint32(&entries, &non_shared) ||
          !GetVarint32(&entries, &value_length) || shared > key.size() ||
          entries.size() < uint64_t{non_shared} + value_length) {
        return Corrupt("index block entry " + std::to_string(data_blocks.size()) +
                       " is malformed");
      }
      key.resize(shared);
      key.append(entries.substr(0, non_shared));
      std::string_view value = entries.substr(non_shared, value_length);
      entries.remove_prefix(uint64_t{non_shared} + value_length);
      BlockHandle handle;
      if (!DecodeBlockHandle(&value, &handle)) {
        return Corrupt("index block entry " + std::to_string(data_blocks.size()) +
                       " has a malformed block handle");
      }
      TFCKPT_RETURN_IF_ERROR(
          CheckHandle(handle, "data block " + std::to_string(data_blocks.size())));
      data_blocks.push_back(handle);
    }
    return CheckDataBlockTypes();
  }

  // leveldb trusts a block's compression header when sizing its buffer, so
  // check each data block's type byte (and snappy length) up front.
  Status CheckDataBlockTypes() const {
    for (size_t i = 0; i < data_blocks.size(); ++i) {
      const BlockHandle& handle = data_blocks[i];
      char type = 0;
      TFCKPT_RETURN_IF_ERROR(file->Read(handle.offset + handle.size, 1, &type));
      const std::string what = "data block " + std::to_string(i);
      if (type == kNoCompression) continue;
      if (type != kSnappyCompression) {
        return Corrupt(what + " at offset " + std::to_string(handle.offset) +
                       ": unknown compression type " +
                       std::to_string(static_cast<unsigned char>(type)));
      }
      std::string head(handle.size < 5 ? handle.size : 5, '\0');
      TFCKPT_RETURN_IF_ERROR(file->Read(handle.offset, head.size(), head.data()));
      TFCKPT_RETURN_IF_ERROR(CheckSnappyLength(handle, head, what));
    }
    return OkStatus();
  }
};

TableReader::TableReader(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
TableReader::~TableReader() = default;

StatusOr<std::unique_ptr<TableReader>> TableReader::Open(
    std::unique_ptr<RandomAccessFile> file) {
  auto rep = std::make_unique<Rep>();
  rep->file = std::move(file);
  const uint64_t size = rep->file->size();
  if (size < kFooterSize) {
    return rep->Corrupt("file is " + std::to_string(size) +
                        " bytes, too short for a table footer (" +
                        std::to_string(kFooterSize) + " bytes)");
  }
  char footer[kFooterSize];
  TFCKPT_RETURN_IF_ERROR(rep->file->Read(size - kFooterSize, kFooterSize, footer));
  const uint64_t magic = DecodeFixed64(footer + kFooterSize - 8);
  if (magic != kTableMagicNumber) {
    return rep->Corrupt("bad table magic number " + Hex(magic) + " at offset " +
                        std::to_string(size - 8) + " (not an SSTable?)");
  }
  std::string_view handles(footer, kFooterSize - 8);
  if (!DecodeBlockHandle(&handles, &rep->metaindex) ||
      !DecodeBlockHandle(&handles, &rep->index)) {
    return rep->Corrupt("malformed table footer");
  }
  TFCKPT_RETURN_IF_ERROR(rep->CheckHandle(rep->metaindex, "metaindex block"));
  TFCKPT_RETURN_IF_ERROR(rep->LoadIndex());

  leveldb::Options options;
  options.paranoid_checks = true;
  rep->block_cache.reset(leveldb::NewLRUCache(kBlockCacheBytes));
  options.block_cache = rep->block_cache.get();
  rep->adapter = std::make_unique<LeveldbRandomAccessFile>(rep->file.get());
  leveldb::Table* table = nullptr;
  TFCKPT_RETURN_IF_ERROR(FromLeveldb(
      leveldb::Table::Open(options, rep->adapter.get(), size, &table), rep->path()));
  rep->table.reset(table);
  return std::unique_ptr<TableReader>(new TableReader(std::move(rep)));
}

const std::string& TableReader::path() const { return rep_->path(); }

std::unique_ptr<TableIterator> TableReader::NewIterator() const {
  leveldb::ReadOptions options;
  options.verify_checksums = true;
  return std::make_unique<LeveldbTableIterator>(
      std::unique_ptr<leveldb::Iterator>(rep_->table->NewIterator(options)),
      &rep_->path());
}

StatusOr<std::string> TableReader::Get(std::string_view key) const {
  std::unique_ptr<TableIterator> it = NewIterator();
  it->Seek(key);
  if (it->Valid() && it->key() == key) return std::string(it->value());
  TFCKPT_RETURN_IF_ERROR(it->status());
  return NotFoundError(path() + ": key not found");
}

std::vector<Status> TableReader::VerifyBlocks() const {
  std::vector<Status> problems;
  auto metaindex = rep_->ReadBlock(rep_->metaindex, "metaindex block");
  if (!metaindex.ok()) problems.push_back(metaindex.status());
  for (size_t i = 0; i < rep_->data_blocks.size(); ++i) {
    auto block = rep_->ReadBlock(rep_->data_blocks[i], "data block " + std::to_string(i));
    if (!block.ok()) problems.push_back(block.status());
  }
  return problems;
}

}  // namespace tfckpt::internal
