// snappy_table_tool SRC DST: copies every record of the SSTable SRC (a V1
// checkpoint) into a new table DST whose data blocks are Snappy-compressed,
// as TensorFlow before 0.12 could write them. Small blocks make several of
// them. Used by test_v1_writer.py; leveldb writes the table.
#include <leveldb/env.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/table.h>
#include <leveldb/table_builder.h>

#include <cstdint>
#include <iostream>
#include <memory>

namespace {

int Fail(const leveldb::Status& status) {
  std::cerr << "snappy_table_tool: " << status.ToString() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: snappy_table_tool SRC DST\n";
    return 2;
  }
  leveldb::Env* env = leveldb::Env::Default();
  uint64_t size = 0;
  leveldb::Status status = env->GetFileSize(argv[1], &size);
  if (!status.ok()) return Fail(status);
  leveldb::RandomAccessFile* raw_source = nullptr;
  status = env->NewRandomAccessFile(argv[1], &raw_source);
  if (!status.ok()) return Fail(status);
  const std::unique_ptr<leveldb::RandomAccessFile> source(raw_source);
  leveldb::Table* raw_table = nullptr;
  status = leveldb::Table::Open(leveldb::Options(), source.get(), size, &raw_table);
  if (!status.ok()) return Fail(status);
  const std::unique_ptr<leveldb::Table> table(raw_table);

  leveldb::WritableFile* raw_dest = nullptr;
  status = env->NewWritableFile(argv[2], &raw_dest);
  if (!status.ok()) return Fail(status);
  const std::unique_ptr<leveldb::WritableFile> dest(raw_dest);
  leveldb::Options options;
  options.compression = leveldb::kSnappyCompression;
  options.block_size = 256;
  leveldb::TableBuilder builder(options, dest.get());
  const std::unique_ptr<leveldb::Iterator> it(table->NewIterator(leveldb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) builder.Add(it->key(), it->value());
  if (!it->status().ok()) {
    builder.Abandon();
    return Fail(it->status());
  }
  status = builder.Finish();
  if (status.ok()) status = dest->Close();
  return status.ok() ? 0 : Fail(status);
}
