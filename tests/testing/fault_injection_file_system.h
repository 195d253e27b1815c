// FaultInjectionFileSystem: wraps a real FileSystem and fails the Nth
// mutating operation (open for write, append, sync, close, rename, delete,
// create dir, sync dir), so tests can prove that a failure at any point
// leaves earlier checkpoints intact.
#ifndef TFCKPT_TESTS_TESTING_FAULT_INJECTION_FILE_SYSTEM_H_
#define TFCKPT_TESTS_TESTING_FAULT_INJECTION_FILE_SYSTEM_H_

#include <memory>
#include <string>

#include "tfckpt/file_system.h"

namespace tfckpt::testing {

class FaultInjectionFileSystem final : public FileSystem {
 public:
  // Fails the `fail_at`-th mutating operation (1-based); 0 never fails.
  FaultInjectionFileSystem(FileSystem* base, int fail_at) : base_(base), fail_at_(fail_at) {}

  // True once the fault was injected; what failed, e.g. "rename a -> b".
  bool injected() const { return !injected_op_.empty(); }
  const std::string& injected_op() const { return injected_op_; }
  int operations() const { return count_; }

  // Counts one mutating operation; UNAVAILABLE when it is the chosen one.
  Status Tick(const std::string& op);

  StatusOr<std::unique_ptr<RandomAccessFile>> OpenForRead(const std::string& path) override {
    return base_->OpenForRead(path);
  }
  StatusOr<std::unique_ptr<WritableFile>> OpenForWrite(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Delete(const std::string& path) override;
  Status Exists(const std::string& path) override { return base_->Exists(path); }
  StatusOr<uint64_t> FileSize(const std::string& path) override { return base_->FileSize(path); }
  StatusOr<double> ModificationTime(const std::string& path) override {
    return base_->ModificationTime(path);
  }
  Status CreateDir(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  StatusOr<std::vector<std::string>> ListDir(const std::string& path) override {
    return base_->ListDir(path);
  }

 private:
  FileSystem* base_;
  int fail_at_;
  int count_ = 0;
  std::string injected_op_;
};

}  // namespace tfckpt::testing

#endif  // TFCKPT_TESTS_TESTING_FAULT_INJECTION_FILE_SYSTEM_H_
