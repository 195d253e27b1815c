// The local file system through POSIX calls. Reads use pread so one open
// file serves many threads; writes are buffered and large appends bypass the
// buffer so tensor bytes go straight from the caller's memory to the kernel.
// Files that grow past the buffer reserve their disk space ahead of the
// writes (fallocate), which makes writing into the page cache about 3x
// faster on ext4 (bench/analysis.md).
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "src/base/file_lock.h"
#include "tfckpt/file_system.h"

namespace tfckpt {
namespace {

Status IoError(const std::string& context, int error_number) {
  std::string message = context + ": " + std::strerror(error_number);
  switch (error_number) {
    case ENOENT:
    case ENOTDIR:
      return NotFoundError(std::move(message));
    case EACCES:
    case EPERM:
      return PermissionDeniedError(std::move(message));
    case EEXIST:
      return AlreadyExistsError(std::move(message));
    case ENOSPC:
    case EDQUOT:
      return ResourceExhaustedError(std::move(message));
    default:
      return UnknownError(std::move(message));
  }
}

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixRandomAccessFile() override { close(fd_); }
  PosixRandomAccessFile(const PosixRandomAccessFile&) = delete;
  PosixRandomAccessFile& operator=(const PosixRandomAccessFile&) = delete;

  Status Read(uint64_t offset, size_t n, char* dst) const override {
    if (offset > size_ || n > size_ - offset) {
      return OutOfRangeError(path_ + ": read of " + std::to_string(n) + " bytes at offset " +
                             std::to_string(offset) + " runs past the end of the " +
                             std::to_string(size_) + "-byte file");
    }
    uint64_t position = offset;
    while (n > 0) {
      // Linux transfers at most ~2 GiB per call.
      const size_t chunk = n < (size_t{1} << 30) ? n : (size_t{1} << 30);
      const ssize_t got = pread(fd_, dst, chunk, static_cast<off_t>(position));
      if (got < 0) {
        if (errno == EINTR) continue;
        return IoError(path_ + ": read at offset " + std::to_string(position),
                       errno);
      }
      if (got == 0) {
        return OutOfRangeError(path_ + ": unexpected end of file at offset " +
                               std::to_string(position) + " (wanted " +
                               std::to_string(n) + " more bytes)");
      }
      const auto count = static_cast<size_t>(got);
      dst += count;
      n -= count;
      position += count;
    }
    return OkStatus();
  }

  Status ReadScattered(uint64_t offset, std::span<const std::span<char>> dsts) const override {
    uint64_t total = 0;
    for (const std::span<char> dst : dsts) total += dst.size();
    if (offset > size_ || total > size_ - offset) {
      return OutOfRangeError(path_ + ": read of " + std::to_string(total) + " bytes at offset " +
                             std::to_string(offset) + " runs past the end of the " +
                             std::to_string(size_) + "-byte file");
    }
    std::vector<iovec> iov;
    while (!dsts.empty()) {
      const size_t count = std::min<size_t>(dsts.size(), IOV_MAX);
      iov.clear();
      uint64_t wanted = 0;
      for (const std::span<char> dst : dsts.first(count)) {
        iov.push_back({dst.data(), dst.size()});
        wanted += dst.size();
      }
      ssize_t got;
      do {
        got = preadv(fd_, iov.data(), static_cast<int>(count), static_cast<off_t>(offset));
      } while (got < 0 && errno == EINTR);
      if (got < 0) return IoError(path_ + ": read at offset " + std::to_string(offset), errno);
      if (static_cast<uint64_t>(got) < wanted) {
        // A short read (the file shrank, or over 2 GiB asked): the rest
        // one destination at a time, which reports where it ends.
        return RandomAccessFile::ReadScattered(offset, dsts);
      }
      offset += wanted;
      dsts = dsts.subspan(count);
    }
    return OkStatus();
  }

  uint64_t size() const override { return size_; }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
};

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) close(fd_);
  }
  PosixWritableFile(const PosixWritableFile&) = delete;
  PosixWritableFile& operator=(const PosixWritableFile&) = delete;

  Status Append(std::string_view data) override {
    position_ += data.size();
    if (buffer_.size() + data.size() <= kBufferSize) {
      buffer_.append(data);
      return OkStatus();
    }
    TFCKPT_RETURN_IF_ERROR(Flush());
    if (data.size() <= kBufferSize / 2) {
      buffer_.append(data);
      return OkStatus();
    }
    return WriteAll(data);
  }

  Status Sync() override {
    TFCKPT_RETURN_IF_ERROR(Flush());
    TFCKPT_RETURN_IF_ERROR(ReleaseReservation());
    if (fdatasync(fd_) != 0) return IoError(path_ + ": fsync", errno);
    return OkStatus();
  }

  Status Close() override {
    Status status = Flush();
    if (status.ok()) status = ReleaseReservation();
    if (close(fd_) != 0 && status.ok()) status = IoError(path_ + ": close", errno);
    fd_ = -1;
    return status;
  }

  uint64_t position() const override { return position_; }
  const std::string& path() const override { return path_; }

 private:
  static constexpr size_t kBufferSize = size_t{1} << 20;
  // Bounds of one reservation: it doubles the space reserved so far, so a
  // file of N bytes takes O(log N) fallocate calls and holds at most
  // kMaxReservation more than it needs while being written.
  static constexpr uint64_t kMaxReservation = uint64_t{256} << 20;
  // Set in reserved_end_ once fallocate fails: the file system lacks it or
  // is short of space, and the writes alone report what matters.
  static constexpr uint64_t kNoReservation = UINT64_MAX;

  // Reserves disk space past the file's end (keeping its size) before a
  // write reaches beyond what is reserved. Delayed allocation otherwise
  // allocates blocks page by page as the write copies them.
  void Reserve(uint64_t write_end) {
    if (write_end <= reserved_end_ || write_end <= kBufferSize) return;
    const uint64_t grow = std::max(std::clamp(reserved_end_, uint64_t{kBufferSize}, kMaxReservation),
                                   write_end - reserved_end_);
    if (fallocate(fd_, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(reserved_end_),
                  static_cast<off_t>(grow)) != 0) {
      reserved_end_ = kNoReservation;
      return;
    }
    reserved_end_ += grow;
  }

  // Frees the space reserved past the bytes written (ftruncate to the same
  // size drops the blocks beyond it).
  Status ReleaseReservation() {
    if (reserved_end_ == kNoReservation || reserved_end_ <= written_) return OkStatus();
    if (ftruncate(fd_, static_cast<off_t>(written_)) != 0) {
      return IoError(path_ + ": truncate to " + std::to_string(written_) + " bytes", errno);
    }
    reserved_end_ = written_;
    return OkStatus();
  }

  Status Flush() {
    Status status = WriteAll(buffer_);
    buffer_.clear();
    return status;
  }

  Status WriteAll(std::string_view data) {
    Reserve(written_ + data.size());
    written_ += data.size();
    while (!data.empty()) {
      const ssize_t done = write(fd_, data.data(), data.size());
      if (done < 0) {
        if (errno == EINTR) continue;
        return IoError(path_ + ": write", errno);
      }
      data.remove_prefix(static_cast<size_t>(done));
    }
    return OkStatus();
  }

  std::string path_;
  int fd_;
  std::string buffer_;
  uint64_t position_ = 0;
  uint64_t written_ = 0;       // bytes handed to write(2)
  uint64_t reserved_end_ = 0;  // file offset up to which space is reserved
};

class PosixFileSystem final : public FileSystem {
 public:
  StatusOr<std::unique_ptr<RandomAccessFile>> OpenForRead(
      const std::string& path) override {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return IoError(path, errno);
    struct stat st {};
    if (fstat(fd, &st) != 0) {
      const int error = errno;
      close(fd);
      return IoError(path, error);
    }
    if (!S_ISREG(st.st_mode)) {
      close(fd);
      return InvalidArgumentError(path + ": not a regular file");
    }
    return std::unique_ptr<RandomAccessFile>(std::make_unique<PosixRandomAccessFile>(
        path, fd, static_cast<uint64_t>(st.st_size)));
  }

  StatusOr<std::unique_ptr<WritableFile>> OpenForWrite(
      const std::string& path) override {
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return IoError(path, errno);
    return std::unique_ptr<WritableFile>(std::make_unique<PosixWritableFile>(path, fd));
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (rename(from.c_str(), to.c_str()) != 0) {
      return IoError("rename " + from + " -> " + to, errno);
    }
    return OkStatus();
  }

  Status Delete(const std::string& path) override {
    // remove(3): a file, or an empty directory (the temporary one of a
    // sharded save, which MergeV2Checkpoints deletes).
    if (std::remove(path.c_str()) != 0) return IoError("delete " + path, errno);
    return OkStatus();
  }

  Status Exists(const std::string& path) override {
    if (access(path.c_str(), F_OK) != 0) return IoError(path, errno);
    return OkStatus();
  }

  StatusOr<uint64_t> FileSize(const std::string& path) override {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return IoError(path, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  StatusOr<double> ModificationTime(const std::string& path) override {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return IoError(path, errno);
    return static_cast<double>(st.st_mtim.tv_sec) +
           static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
  }

  Status CreateDir(const std::string& path) override {
    if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      return IoError("create directory " + path, errno);
    }
    return OkStatus();
  }

  Status SyncDir(const std::string& path) override {
    const int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return IoError("sync directory " + path, errno);
    const int result = fsync(fd);
    const int error = errno;
    close(fd);
    if (result != 0) return IoError("sync directory " + path, error);
    return OkStatus();
  }

  StatusOr<std::vector<std::string>> ListDir(const std::string& path) override {
    DIR* dir = opendir(path.c_str());
    if (dir == nullptr) return IoError("list directory " + path, errno);
    std::vector<std::string> names;
    while (const dirent* entry = readdir(dir)) {
      const std::string_view name = entry->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    closedir(dir);
    return names;
  }
};

}  // namespace

FileSystem* FileSystem::Default() {
  static PosixFileSystem* const file_system = new PosixFileSystem();
  return file_system;
}

namespace internal {

StatusOr<std::unique_ptr<FileLock>> FileLock::Acquire(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("lock " + path, errno);
  while (flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int error = errno;
    close(fd);
    return IoError("lock " + path, error);
  }
  return std::unique_ptr<FileLock>(new FileLock(path, fd));
}

// Closing the descriptor releases the lock.
FileLock::~FileLock() { close(fd_); }

}  // namespace internal

}  // namespace tfckpt
