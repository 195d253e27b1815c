// FaultInjectionFileSystem: wraps a real FileSystem and fails or drops the
// Nth mutating operation (open for write, append, sync, close, rename,
// delete, create dir, sync dir), so tests can prove that a failure at any
// point leaves earlier checkpoints intact. A dropped operation reports
// success and does nothing: the disk that loses a write, a rename or a
// deletion; a dropped open returns a file that discards what is written.
// Files may be written from several threads at once (WriteBundle's shards);
// the count then follows the order the operations happened in.
#ifndef TFCKPT_TESTS_TESTING_FAULT_INJECTION_FILE_SYSTEM_H_
#define TFCKPT_TESTS_TESTING_FAULT_INJECTION_FILE_SYSTEM_H_

#include <memory>
#include <mutex>
#include <string>

#include "tfckpt/file_system.h"

namespace tfckpt::testing {

class FaultInjectionFileSystem final : public FileSystem {
 public:
  enum class Fault {
    kFail,  // the operation returns UNAVAILABLE
    kDrop,  // the operation returns OK and has no effect
  };

  // Injects `fault` at the `fail_at`-th mutating operation (1-based); 0
  // never does.
  FaultInjectionFileSystem(FileSystem* base, int fail_at, Fault fault = Fault::kFail)
      : base_(base), fail_at_(fail_at), fault_(fault) {}

  // Starts counting afresh, injecting `fault` at operation `fail_at` (0:
  // never), so a test can save healthily first and then inject.
  void Arm(int fail_at, Fault fault);

  // True once the fault was injected; what it hit, e.g. "rename a -> b".
  bool injected() const { return !injected_op_.empty(); }
  const std::string& injected_op() const { return injected_op_; }
  int operations() const { return count_; }

  // What to do with one mutating operation.
  enum class Action { kRun, kSkip };
  // Counts one mutating operation. When it is the chosen one: UNAVAILABLE
  // (kFail) or kSkip (kDrop); otherwise kRun.
  StatusOr<Action> Tick(const std::string& op);

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
  std::mutex mu_;  // guards the fields below
  int fail_at_;
  Fault fault_;
  int count_ = 0;
  std::string injected_op_;
};

}  // namespace tfckpt::testing

#endif  // TFCKPT_TESTS_TESTING_FAULT_INJECTION_FILE_SYSTEM_H_
