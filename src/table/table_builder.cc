#include "src/table/table_builder.h"

#include <leveldb/env.h>
#include <leveldb/options.h>
#include <leveldb/table_builder.h>

#include <string>

namespace tfckpt::internal {
namespace {

// Forwards leveldb's writes to our WritableFile, keeping the first error so
// it can be reported with its original code.
class LeveldbWritableFile final : public leveldb::WritableFile {
 public:
  explicit LeveldbWritableFile(tfckpt::WritableFile* file) : file_(file) {}

  leveldb::Status Append(const leveldb::Slice& data) override {
    return Record(file_->Append(std::string_view(data.data(), data.size())));
  }
  // The owner of `file_` closes and syncs it.
  leveldb::Status Close() override { return leveldb::Status::OK(); }
  leveldb::Status Flush() override { return leveldb::Status::OK(); }
  leveldb::Status Sync() override { return leveldb::Status::OK(); }

  const Status& first_error() const { return first_error_; }

 private:
  leveldb::Status Record(Status status) {
    if (status.ok()) return leveldb::Status::OK();
    if (first_error_.ok()) first_error_ = status;
    return leveldb::Status::IOError(status.ToString());
  }

  tfckpt::WritableFile* file_;
  Status first_error_;
};

}  // namespace

struct TableBuilder::Rep {
  explicit Rep(tfckpt::WritableFile* file) : adapter(file) {
    options.block_size = kTableBlockSize;
    options.compression = leveldb::kNoCompression;
    options.filter_policy = nullptr;
  }

  Status ToStatus(const leveldb::Status& status) const {
    if (status.ok()) return OkStatus();
    if (!adapter.first_error().ok()) return adapter.first_error();
    return InternalError("table builder: " + status.ToString());
  }

  leveldb::Options options;
  LeveldbWritableFile adapter;
  std::unique_ptr<leveldb::TableBuilder> builder;
  std::string last_key;
  bool finished = false;
};

TableBuilder::TableBuilder(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

TableBuilder::~TableBuilder() {
  // leveldb requires Finish() or Abandon() before destruction.
  if (!rep_->finished) rep_->builder->Abandon();
}

StatusOr<std::unique_ptr<TableBuilder>> TableBuilder::Create(WritableFile* file) {
  auto rep = std::make_unique<Rep>(file);
  rep->builder = std::make_unique<leveldb::TableBuilder>(rep->options, &rep->adapter);
  return std::unique_ptr<TableBuilder>(new TableBuilder(std::move(rep)));
}

Status TableBuilder::Add(std::string_view key, std::string_view value) {
  if (rep_->finished) return FailedPreconditionError("table builder: Add after Finish");
  if (rep_->builder->NumEntries() > 0 && key <= std::string_view(rep_->last_key)) {
    return InvalidArgumentError("table builder: keys must be added in strictly "
                                "increasing order");
  }
  // TensorFlow starts a fresh block before any entry that is at least two
  // blocks long, so the big entry does not share a block.
  if (rep_->builder->NumEntries() > 0 &&
      key.size() + value.size() >= 2 * kTableBlockSize) {
    rep_->builder->Flush();
  }
  rep_->builder->Add(leveldb::Slice(key.data(), key.size()),
                     leveldb::Slice(value.data(), value.size()));
  rep_->last_key.assign(key);
  return rep_->ToStatus(rep_->builder->status());
}

Status TableBuilder::Finish() {
  if (rep_->finished) return FailedPreconditionError("table builder: Finish called twice");
  rep_->finished = true;
  return rep_->ToStatus(rep_->builder->Finish());
}

}  // namespace tfckpt::internal
