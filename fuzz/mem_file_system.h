// MemFileSystem: a FileSystem kept in memory, so fuzzers hand the library
// whole files without touching the disk. Directories are implicit: every
// path with a "/" under it exists as one.
#ifndef TFCKPT_FUZZ_MEM_FILE_SYSTEM_H_
#define TFCKPT_FUZZ_MEM_FILE_SYSTEM_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tfckpt/file_system.h"

namespace tfckpt::fuzzing {

class MemFileSystem final : public FileSystem {
 public:
  // Creates or replaces a file.
  void SetFile(const std::string& path, std::string_view contents);
  // NOT_FOUND when there is no such file.
  StatusOr<std::string> GetFile(const std::string& path) const;

  StatusOr<std::unique_ptr<RandomAccessFile>> OpenForRead(const std::string& path) override;
  StatusOr<std::unique_ptr<WritableFile>> OpenForWrite(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Delete(const std::string& path) override;
  Status Exists(const std::string& path) override;
  StatusOr<uint64_t> FileSize(const std::string& path) override;
  StatusOr<double> ModificationTime(const std::string& path) override;
  Status CreateDir(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  StatusOr<std::vector<std::string>> ListDir(const std::string& path) override;

 private:
  mutable std::mutex mutex_;
  // Contents are shared so an open file keeps its bytes after a Delete.
  std::map<std::string, std::shared_ptr<const std::string>> files_;
};

}  // namespace tfckpt::fuzzing

#endif  // TFCKPT_FUZZ_MEM_FILE_SYSTEM_H_
