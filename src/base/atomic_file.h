// AtomicFileWriter: writes a file under a temporary name and moves it into
// place only when complete, so readers see the old file or the whole new one.
//
// Commit() = flush + fsync + close + rename over the final name + fsync of
// the directory. Destroying the writer before Commit() deletes the temporary.
#ifndef TFCKPT_SRC_BASE_ATOMIC_FILE_H_
#define TFCKPT_SRC_BASE_ATOMIC_FILE_H_

#include <memory>
#include <string>
#include <string_view>

#include "tfckpt/file_system.h"
#include "tfckpt/status.h"
#include "tfckpt/statusor.h"

namespace tfckpt::internal {

class AtomicFileWriter {
 public:
  // Opens "<final_path>.tempstate<random decimal u64>" (TensorFlow's naming).
  static StatusOr<std::unique_ptr<AtomicFileWriter>> Open(
      FileSystem* fs, std::string final_path);

  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  // The temporary file; valid until Commit().
  WritableFile* file() { return file_.get(); }
  const std::string& final_path() const { return final_path_; }

  // sync = false skips both fsyncs: the rename stays atomic for readers
  // but is not durable across a machine crash.
  Status Commit(bool sync = true);

  // Commit() in two halves, so that several files can be synced first and
  // then renamed with one directory fsync (the caller's). Close(): flush,
  // fsync when `sync`, close; the temporary stays. Then RenameIntoPlace():
  // renames it over the final name.
  Status Close(bool sync);
  Status RenameIntoPlace();

 private:
  AtomicFileWriter(FileSystem* fs, std::string final_path,
                   std::string temp_path, std::unique_ptr<WritableFile> file)
      : fs_(fs),
        final_path_(std::move(final_path)),
        temp_path_(std::move(temp_path)),
        file_(std::move(file)) {}

  FileSystem* fs_;
  std::string final_path_;
  std::string temp_path_;
  std::unique_ptr<WritableFile> file_;
  bool committed_ = false;
};

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_BASE_ATOMIC_FILE_H_
