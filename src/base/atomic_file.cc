#include "src/base/atomic_file.h"

#include <random>

namespace tfckpt::internal {

StatusOr<std::unique_ptr<AtomicFileWriter>> AtomicFileWriter::Open(
    FileSystem* fs, std::string final_path) {
  std::random_device device;
  std::mt19937_64 rng((uint64_t{device()} << 32) ^ device());
  std::string temp_path = final_path + ".tempstate" + std::to_string(rng());
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                          fs->OpenForWrite(temp_path));
  return std::unique_ptr<AtomicFileWriter>(new AtomicFileWriter(
      fs, std::move(final_path), std::move(temp_path), std::move(file)));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (committed_) return;
  if (file_ != nullptr) file_->Close().IgnoreError();
  fs_->Delete(temp_path_).IgnoreError();
}

Status AtomicFileWriter::Commit(bool sync) {
  TFCKPT_RETURN_IF_ERROR(Close(sync));
  TFCKPT_RETURN_IF_ERROR(RenameIntoPlace());
  return sync ? fs_->SyncDir(DirName(final_path_)) : OkStatus();
}

Status AtomicFileWriter::Close(bool sync) {
  if (committed_) return FailedPreconditionError(final_path_ + ": already committed");
  if (file_ == nullptr) return FailedPreconditionError(final_path_ + ": already closed");
  if (sync) TFCKPT_RETURN_IF_ERROR(file_->Sync());
  Status closed = file_->Close();
  file_.reset();
  return closed;
}

Status AtomicFileWriter::RenameIntoPlace() {
  if (committed_) return FailedPreconditionError(final_path_ + ": already committed");
  if (file_ != nullptr) return FailedPreconditionError(final_path_ + ": not closed yet");
  TFCKPT_RETURN_IF_ERROR(fs_->Rename(temp_path_, final_path_));
  committed_ = true;
  return OkStatus();
}

}  // namespace tfckpt::internal
