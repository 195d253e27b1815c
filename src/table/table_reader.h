// TableReader: reads an SSTable (a bundle's .index or a V1 checkpoint).
//
// Open() checks the footer and every block handle of the index block against
// the file size before any block is read, so a corrupt file cannot make the
// reader allocate more than the file holds. Every block read verifies its
// checksum.
//
// Thread safety: const methods may be called concurrently; an iterator is
// used by one thread at a time.
#ifndef TFCKPT_SRC_TABLE_TABLE_READER_H_
#define TFCKPT_SRC_TABLE_TABLE_READER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tfckpt/file_system.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt::internal {

class TableIterator {
 public:
  virtual ~TableIterator() = default;
  virtual void SeekToFirst() = 0;
  // Positions at the first key >= target.
  virtual void Seek(std::string_view target) = 0;
  virtual bool Valid() const = 0;
  // REQUIRES: Valid().
  virtual void Next() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // Non-OK when a block was unreadable or corrupt (names the file and block).
  virtual Status status() const = 0;
};

class TableReader {
 public:
  static StatusOr<std::unique_ptr<TableReader>> Open(
      std::unique_ptr<RandomAccessFile> file);

  ~TableReader();
  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  const std::string& path() const;

  // The value stored under exactly `key`; NOT_FOUND when absent.
  StatusOr<std::string> Get(std::string_view key) const;

  std::unique_ptr<TableIterator> NewIterator() const;

  // Reads every block and checks its checksum; one status per bad block.
  std::vector<Status> VerifyBlocks() const;

 private:
  struct Rep;
  explicit TableReader(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_TABLE_TABLE_READER_H_
