// TableBuilder: writes an SSTable exactly as TensorFlow writes the .index of a
// tensor bundle (LevelDB table format, 256 KiB blocks, no compression, no
// filter, and a block flush before any entry of 512 KiB or more).
#ifndef TFCKPT_SRC_TABLE_TABLE_BUILDER_H_
#define TFCKPT_SRC_TABLE_TABLE_BUILDER_H_

#include <memory>
#include <string_view>

#include "tfckpt/file_system.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt::internal {

// TensorFlow's table block size.
inline constexpr size_t kTableBlockSize = 262144;

class TableBuilder {
 public:
  // `file` must outlive the builder; the builder does not close it.
  static StatusOr<std::unique_ptr<TableBuilder>> Create(WritableFile* file);

  ~TableBuilder();
  TableBuilder(const TableBuilder&) = delete;
  TableBuilder& operator=(const TableBuilder&) = delete;

  // REQUIRES: keys strictly increasing (bytewise); Finish() not called.
  Status Add(std::string_view key, std::string_view value);
  // Writes the remaining blocks and the footer.
  Status Finish();

 private:
  struct Rep;
  explicit TableBuilder(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_TABLE_TABLE_BUILDER_H_
