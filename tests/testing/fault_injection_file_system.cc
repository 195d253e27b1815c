#include "tests/testing/fault_injection_file_system.h"

namespace tfckpt::testing {
namespace {

using Action = FaultInjectionFileSystem::Action;

class FaultyWritableFile final : public WritableFile {
 public:
  FaultyWritableFile(std::unique_ptr<WritableFile> base, FaultInjectionFileSystem* fs)
      : base_(std::move(base)), fs_(fs) {}
  Status Append(std::string_view data) override {
    TFCKPT_ASSIGN_OR_RETURN(const Action action, fs_->Tick("append " + path()));
    return action == Action::kRun ? base_->Append(data) : OkStatus();
  }
  Status Sync() override {
    TFCKPT_ASSIGN_OR_RETURN(const Action action, fs_->Tick("sync " + path()));
    return action == Action::kRun ? base_->Sync() : OkStatus();
  }
  Status Close() override {
    // A dropped close leaves the file to be closed when it is destroyed.
    TFCKPT_ASSIGN_OR_RETURN(const Action action, fs_->Tick("close " + path()));
    return action == Action::kRun ? base_->Close() : OkStatus();
  }
  uint64_t position() const override { return base_->position(); }
  const std::string& path() const override { return base_->path(); }

 private:
  std::unique_ptr<WritableFile> base_;
  FaultInjectionFileSystem* fs_;
};

// What a dropped open returns: the file is never created, and what is
// written to it is lost.
class DiscardingFile final : public WritableFile {
 public:
  explicit DiscardingFile(std::string path) : path_(std::move(path)) {}
  Status Append(std::string_view data) override {
    position_ += data.size();
    return OkStatus();
  }
  Status Sync() override { return OkStatus(); }
  Status Close() override { return OkStatus(); }
  uint64_t position() const override { return position_; }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  uint64_t position_ = 0;
};

}  // namespace

void FaultInjectionFileSystem::Arm(int fail_at, Fault fault) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_at_ = fail_at;
  fault_ = fault;
  count_ = 0;
  injected_op_.clear();
}

StatusOr<Action> FaultInjectionFileSystem::Tick(const std::string& op) {
  std::lock_guard<std::mutex> lock(mu_);
  if (++count_ != fail_at_) return Action::kRun;
  injected_op_ = op;
  if (fault_ == Fault::kDrop) return Action::kSkip;
  return UnavailableError("injected fault at operation " + std::to_string(count_) + ": " + op);
}

StatusOr<std::unique_ptr<WritableFile>> FaultInjectionFileSystem::OpenForWrite(
    const std::string& path) {
  TFCKPT_ASSIGN_OR_RETURN(const Action action, Tick("open " + path));
  if (action == Action::kSkip) {
    return std::unique_ptr<WritableFile>(std::make_unique<DiscardingFile>(path));
  }
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, base_->OpenForWrite(path));
  return std::unique_ptr<WritableFile>(std::make_unique<FaultyWritableFile>(std::move(file), this));
}

Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  TFCKPT_ASSIGN_OR_RETURN(const Action action, Tick("rename " + from + " -> " + to));
  return action == Action::kRun ? base_->Rename(from, to) : OkStatus();
}

Status FaultInjectionFileSystem::Delete(const std::string& path) {
  TFCKPT_ASSIGN_OR_RETURN(const Action action, Tick("delete " + path));
  return action == Action::kRun ? base_->Delete(path) : OkStatus();
}

Status FaultInjectionFileSystem::CreateDir(const std::string& path) {
  TFCKPT_ASSIGN_OR_RETURN(const Action action, Tick("create dir " + path));
  return action == Action::kRun ? base_->CreateDir(path) : OkStatus();
}

Status FaultInjectionFileSystem::SyncDir(const std::string& path) {
  TFCKPT_ASSIGN_OR_RETURN(const Action action, Tick("sync dir " + path));
  return action == Action::kRun ? base_->SyncDir(path) : OkStatus();
}

}  // namespace tfckpt::testing
