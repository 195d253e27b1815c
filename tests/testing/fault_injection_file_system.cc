#include "tests/testing/fault_injection_file_system.h"

namespace tfckpt::testing {
namespace {

class FaultyWritableFile final : public WritableFile {
 public:
  FaultyWritableFile(std::unique_ptr<WritableFile> base, FaultInjectionFileSystem* fs)
      : base_(std::move(base)), fs_(fs) {}
  Status Append(std::string_view data) override {
    TFCKPT_RETURN_IF_ERROR(fs_->Tick("append " + path()));
    return base_->Append(data);
  }
  Status Sync() override {
    TFCKPT_RETURN_IF_ERROR(fs_->Tick("sync " + path()));
    return base_->Sync();
  }
  Status Close() override {
    TFCKPT_RETURN_IF_ERROR(fs_->Tick("close " + path()));
    return base_->Close();
  }
  uint64_t position() const override { return base_->position(); }
  const std::string& path() const override { return base_->path(); }

 private:
  std::unique_ptr<WritableFile> base_;
  FaultInjectionFileSystem* fs_;
};

}  // namespace

Status FaultInjectionFileSystem::Tick(const std::string& op) {
  if (++count_ != fail_at_) return OkStatus();
  injected_op_ = op;
  return UnavailableError("injected fault at operation " + std::to_string(count_) + ": " + op);
}

StatusOr<std::unique_ptr<WritableFile>> FaultInjectionFileSystem::OpenForWrite(
    const std::string& path) {
  TFCKPT_RETURN_IF_ERROR(Tick("open " + path));
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, base_->OpenForWrite(path));
  return std::unique_ptr<WritableFile>(std::make_unique<FaultyWritableFile>(std::move(file), this));
}

Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  TFCKPT_RETURN_IF_ERROR(Tick("rename " + from + " -> " + to));
  return base_->Rename(from, to);
}

Status FaultInjectionFileSystem::Delete(const std::string& path) {
  TFCKPT_RETURN_IF_ERROR(Tick("delete " + path));
  return base_->Delete(path);
}

Status FaultInjectionFileSystem::CreateDir(const std::string& path) {
  TFCKPT_RETURN_IF_ERROR(Tick("create dir " + path));
  return base_->CreateDir(path);
}

Status FaultInjectionFileSystem::SyncDir(const std::string& path) {
  TFCKPT_RETURN_IF_ERROR(Tick("sync dir " + path));
  return base_->SyncDir(path);
}

}  // namespace tfckpt::testing
