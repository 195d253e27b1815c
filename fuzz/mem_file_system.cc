#include "fuzz/mem_file_system.h"

#include <cstring>
#include <set>
#include <utility>

namespace tfckpt::fuzzing {
namespace {

class MemRandomAccessFile final : public RandomAccessFile {
 public:
  MemRandomAccessFile(std::string path, std::shared_ptr<const std::string> contents)
      : path_(std::move(path)), contents_(std::move(contents)) {}

  Status Read(uint64_t offset, size_t n, char* dst) const override {
    if (offset > contents_->size() || n > contents_->size() - offset) {
      return OutOfRangeError(path_ + ": read of " + std::to_string(n) + " bytes at offset " +
                             std::to_string(offset) + " runs past the end of the " +
                             std::to_string(contents_->size()) + "-byte file");
    }
    if (n > 0) std::memcpy(dst, contents_->data() + offset, n);
    return OkStatus();
  }
  uint64_t size() const override { return contents_->size(); }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  std::shared_ptr<const std::string> contents_;
};

// Publishes its bytes to the file system on Close().
class MemWritableFile final : public WritableFile {
 public:
  MemWritableFile(MemFileSystem* fs, std::string path) : fs_(fs), path_(std::move(path)) {
    fs_->SetFile(path_, "");
  }
  Status Append(std::string_view data) override {
    if (closed_) return FailedPreconditionError(path_ + ": append after close");
    buffer_.append(data);
    return OkStatus();
  }
  Status Sync() override {
    if (closed_) return FailedPreconditionError(path_ + ": sync after close");
    fs_->SetFile(path_, buffer_);
    return OkStatus();
  }
  Status Close() override {
    if (closed_) return FailedPreconditionError(path_ + ": closed twice");
    closed_ = true;
    fs_->SetFile(path_, buffer_);
    return OkStatus();
  }
  uint64_t position() const override { return buffer_.size(); }
  const std::string& path() const override { return path_; }

 private:
  MemFileSystem* fs_;
  std::string path_;
  std::string buffer_;
  bool closed_ = false;
};

Status NoFile(const std::string& path) { return NotFoundError(path + ": no such file"); }

}  // namespace

void MemFileSystem::SetFile(const std::string& path, std::string_view contents) {
  auto bytes = std::make_shared<const std::string>(contents);
  std::lock_guard<std::mutex> lock(mutex_);
  files_[path] = std::move(bytes);
}

StatusOr<std::string> MemFileSystem::GetFile(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = files_.find(path);
  if (it == files_.end()) return NoFile(path);
  return *it->second;
}

StatusOr<std::unique_ptr<RandomAccessFile>> MemFileSystem::OpenForRead(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = files_.find(path);
  if (it == files_.end()) return NoFile(path);
  return std::unique_ptr<RandomAccessFile>(new MemRandomAccessFile(path, it->second));
}

StatusOr<std::unique_ptr<WritableFile>> MemFileSystem::OpenForWrite(const std::string& path) {
  return std::unique_ptr<WritableFile>(new MemWritableFile(this, path));
}

Status MemFileSystem::Rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto node = files_.extract(from);
  if (node.empty()) return NoFile(from);
  files_[to] = std::move(node.mapped());
  return OkStatus();
}

Status MemFileSystem::Delete(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  return files_.erase(path) == 1 ? OkStatus() : NoFile(path);
}

Status MemFileSystem::Exists(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (files_.count(path) != 0) return OkStatus();
  // A directory exists when some file lies under it.
  const std::string dir = path.ends_with('/') ? path : path + "/";
  const auto it = files_.lower_bound(dir);
  if (it != files_.end() && it->first.starts_with(dir)) return OkStatus();
  return NoFile(path);
}

StatusOr<uint64_t> MemFileSystem::FileSize(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = files_.find(path);
  if (it == files_.end()) return NoFile(path);
  return uint64_t{it->second->size()};
}

StatusOr<double> MemFileSystem::ModificationTime(const std::string& path) {
  TFCKPT_RETURN_IF_ERROR(Exists(path));
  return 0.0;
}

Status MemFileSystem::CreateDir(const std::string& /*path*/) { return OkStatus(); }

Status MemFileSystem::SyncDir(const std::string& /*path*/) { return OkStatus(); }

StatusOr<std::vector<std::string>> MemFileSystem::ListDir(const std::string& path) {
  const std::string dir = path.ends_with('/') ? path : path + "/";
  std::set<std::string> names;
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = files_.lower_bound(dir); it != files_.end() && it->first.starts_with(dir); ++it) {
    const std::string rest = it->first.substr(dir.size());
    names.insert(rest.substr(0, rest.find('/')));
  }
  return std::vector<std::string>(names.begin(), names.end());
}

}  // namespace tfckpt::fuzzing
