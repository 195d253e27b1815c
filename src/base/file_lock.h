// FileLock: an exclusive flock(2) on a local directory, for processes that
// must take turns (CheckpointSaver's saves into one directory). Locking the
// directory itself leaves no lock file among TensorFlow's files. The lock
// is advisory: it excludes only processes that take it too. The kernel
// releases it when the holder closes it or dies, so a killed process never
// leaves it held.
#ifndef TFCKPT_SRC_BASE_FILE_LOCK_H_
#define TFCKPT_SRC_BASE_FILE_LOCK_H_

#include <memory>
#include <string>

#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt::internal {

class FileLock {
 public:
  // Blocks until the lock on directory `path` is held. NOT_FOUND when the
  // directory does not exist.
  static StatusOr<std::unique_ptr<FileLock>> Acquire(const std::string& path);

  // Releases the lock.
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  FileLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  std::string path_;
  int fd_;
};

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_BASE_FILE_LOCK_H_
