// FileSystem: the file operations tfckpt needs, behind an interface so tests
// can inject faults and an in-memory implementation can replace the disk.
// FileSystem::Default() is the local POSIX file system.
//
// Thread safety: implementations must allow concurrent calls; a
// RandomAccessFile may be read from many threads at once; a WritableFile
// needs outside synchronization.
#ifndef TFCKPT_FILE_SYSTEM_H_
#define TFCKPT_FILE_SYSTEM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt {

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads exactly `n` bytes at `offset` into `dst`. OUT_OF_RANGE (naming the
  // file and offset) when the file ends first.
  virtual Status Read(uint64_t offset, size_t n, char* dst) const = 0;
  // Reads the bytes at `offset` into `dsts` one after the other (dsts[0]
  // first, then dsts[1] from where it ends, ...), as a Read() per
  // destination would; the local file system does it in one system call
  // (preadv) per up to 1024 destinations.
  virtual Status ReadScattered(uint64_t offset, std::span<const std::span<char>> dsts) const;
  // Size of the file when it was opened.
  virtual uint64_t size() const = 0;
  virtual const std::string& path() const = 0;
};

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Flushes buffered bytes and asks the device to persist them (fsync).
  virtual Status Sync() = 0;
  // Flushes and closes; the file must not be used afterwards.
  virtual Status Close() = 0;
  // Bytes appended so far.
  virtual uint64_t position() const = 0;
  virtual const std::string& path() const = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // The local POSIX file system; lives forever.
  static FileSystem* Default();

  virtual StatusOr<std::unique_ptr<RandomAccessFile>> OpenForRead(
      const std::string& path) = 0;
  // Creates or truncates `path`.
  virtual StatusOr<std::unique_ptr<WritableFile>> OpenForWrite(
      const std::string& path) = 0;
  // Replaces `to` atomically when it exists.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  virtual Status Delete(const std::string& path) = 0;
  // OK when `path` exists, NOT_FOUND when it does not.
  virtual Status Exists(const std::string& path) = 0;
  virtual StatusOr<uint64_t> FileSize(const std::string& path) = 0;
  // Last modification time, in seconds since the Unix epoch.
  virtual StatusOr<double> ModificationTime(const std::string& path) = 0;
  // Creates one directory level; OK when it already exists.
  virtual Status CreateDir(const std::string& path) = 0;
  // Persists the directory's entries (renames, creations) with fsync.
  virtual Status SyncDir(const std::string& path) = 0;
  // Names (not paths) of the entries of a directory.
  virtual StatusOr<std::vector<std::string>> ListDir(const std::string& path) = 0;
};

// Paths in the directory of `pattern` whose names match its last component,
// a shell glob (* ? [...]), sorted. A pattern without glob characters
// matches itself when it exists. Only the last component may hold globs.
StatusOr<std::vector<std::string>> MatchingPaths(FileSystem* fs,
                                                 const std::string& pattern);

// Directory part of a path: "a/b" for "a/b/c", "." for "c", "/" for "/c".
std::string DirName(std::string_view path);
// Last component: "c" for "a/b/c".
std::string BaseName(std::string_view path);
// Joins two path parts with one "/"; an absolute `b` wins.
std::string JoinPath(std::string_view a, std::string_view b);

}  // namespace tfckpt

#endif  // TFCKPT_FILE_SYSTEM_H_
