#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "src/base/coding.h"
#include "src/table/table_builder.h"
#include "src/table/table_reader.h"
#include "tests/testing/testing.h"
#include "tfckpt/file_system.h"

namespace tfckpt::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::tfckpt::testing::IsOk;
using ::tfckpt::testing::ReadFileOrDie;
using ::tfckpt::testing::StatusIs;
using ::tfckpt::testing::TempDir;
using ::tfckpt::testing::TfRealPath;
using ::tfckpt::testing::WriteFileOrDie;

using Model = std::map<std::string, std::string>;

// std::map<std::string> orders by char_traits<char>::lt, which compares as
// unsigned char: the same bytewise order as the table.
static_assert(std::char_traits<char>::lt('\x01', '\xff'));

using Entries = std::vector<std::pair<std::string, std::string>>;

Status BuildTable(const std::string& path, const Entries& entries) {
  FileSystem* fs = FileSystem::Default();
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs->OpenForWrite(path));
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<TableBuilder> builder, TableBuilder::Create(file.get()));
  for (const auto& [key, value] : entries) {
    TFCKPT_RETURN_IF_ERROR(builder->Add(key, value));
  }
  TFCKPT_RETURN_IF_ERROR(builder->Finish());
  return file->Close();
}

Status BuildTable(const std::string& path, const Model& model) {
  return BuildTable(path, Entries(model.begin(), model.end()));
}

StatusOr<std::unique_ptr<TableReader>> OpenTable(const std::string& path) {
  TFCKPT_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file,
                          FileSystem::Default()->OpenForRead(path));
  return TableReader::Open(std::move(file));
}

struct BlockHandle {
  uint64_t offset;
  uint64_t size;
};

// Decodes the footer and index block straight from the bytes (tf-formats.md
// §1.2-1.5) to get the data block handles, independently of TableReader.
std::vector<BlockHandle> DataBlockHandles(const std::string& file) {
  std::vector<BlockHandle> handles;
  EXPECT_GE(file.size(), 48u);
  if (file.size() < 48) return handles;
  std::string_view footer(file.data() + file.size() - 48, 48);
  EXPECT_EQ(footer.substr(40), std::string_view("\x57\xfb\x80\x8b\x24\x75\x47\xdb", 8));
  uint64_t meta_offset = 0, meta_size = 0, index_offset = 0, index_size = 0;
  EXPECT_TRUE(GetVarint64(&footer, &meta_offset) && GetVarint64(&footer, &meta_size) &&
              GetVarint64(&footer, &index_offset) && GetVarint64(&footer, &index_size));
  EXPECT_LE(index_offset + index_size + 5 + 48, file.size());
  const std::string_view index(file.data() + index_offset, index_size);
  const uint32_t num_restarts = DecodeFixed32(index.data() + index.size() - 4);
  const size_t restarts_start = index.size() - 4 * (size_t{num_restarts} + 1);
  for (uint32_t i = 0; i < num_restarts; ++i) {
    const uint32_t entry_offset = DecodeFixed32(index.data() + restarts_start + 4 * i);
    // An empty block still has one restart (at offset 0) but no entry.
    if (entry_offset >= restarts_start) break;
    std::string_view entry = index.substr(entry_offset);
    uint32_t shared = 0, non_shared = 0, value_len = 0;
    EXPECT_TRUE(GetVarint32(&entry, &shared) && GetVarint32(&entry, &non_shared) &&
                GetVarint32(&entry, &value_len));
    EXPECT_EQ(shared, 0u);  // restart interval 1 in the index block
    entry.remove_prefix(non_shared);
    BlockHandle h{};
    EXPECT_TRUE(GetVarint64(&entry, &h.offset) && GetVarint64(&entry, &h.size));
    handles.push_back(h);
  }
  return handles;
}

void FlipBits(std::string* s, size_t pos, unsigned char mask) {
  (*s)[pos] = static_cast<char>(static_cast<unsigned char>((*s)[pos]) ^ mask);
}

std::string RandomBytes(std::mt19937& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

Model RandomModel(std::mt19937& rng, int n) {
  Model model;
  model[""] = "header";
  model[std::string(1, '\0')] = "nul key";
  model["\xff\xff"] = "high key";
  while (static_cast<int>(model.size()) < n) {
    std::string key = RandomBytes(rng, rng() % 24);
    if (rng() % 3 == 0 && !model.empty()) {
      // Share a prefix with an existing key, as real names do.
      auto it = model.lower_bound(key);
      if (it != model.end()) key = it->first.substr(0, it->first.size() / 2) + key;
    }
    model[key] = RandomBytes(rng, rng() % 5 == 0 ? rng() % 3000 : rng() % 40);
  }
  return model;
}

class TableTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(TableTest, EmptyTable) {
  const std::string path = dir_.Join("empty.index");
  ASSERT_THAT(BuildTable(path, Model()), IsOk());
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto table, OpenTable(path));
  EXPECT_EQ(table->path(), path);
  EXPECT_THAT(table->Get(""), StatusIs(StatusCode::kNotFound));
  auto it = table->NewIterator();
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_THAT(it->status(), IsOk());
  EXPECT_THAT(table->VerifyBlocks(), IsEmpty());
  // No data block at all: empty metaindex, empty index, footer.
  EXPECT_THAT(DataBlockHandles(ReadFileOrDie(path)), IsEmpty());
}

TEST_F(TableTest, MatchesModel) {
  const uint32_t seed = ::tfckpt::testing::RandomSeed();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937 rng(seed);
  const Model model = RandomModel(rng, 1500);
  const std::string path = dir_.Join("model.index");
  ASSERT_THAT(BuildTable(path, model), IsOk());
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto table, OpenTable(path));

  for (const auto& [key, value] : model) {
    StatusOr<std::string> got = table->Get(key);
    ASSERT_TRUE(got.ok()) << ::testing::PrintToString(key) << ": " << got.status();
    ASSERT_EQ(*got, value);
  }

  auto it = table->NewIterator();
  it->SeekToFirst();
  for (const auto& [key, value] : model) {
    ASSERT_TRUE(it->Valid());
    ASSERT_EQ(it->key(), key);
    ASSERT_EQ(it->value(), value);
    it->Next();
  }
  EXPECT_FALSE(it->Valid());
  EXPECT_THAT(it->status(), IsOk());

  for (int i = 0; i < 2000; ++i) {
    std::string target = RandomBytes(rng, rng() % 24);
    if (i % 4 == 0) {
      auto pick = model.begin();
      std::advance(pick, static_cast<long>(rng() % model.size()));
      target = pick->first;
    }
    auto expected = model.lower_bound(target);
    it->Seek(target);
    if (expected == model.end()) {
      ASSERT_FALSE(it->Valid()) << ::testing::PrintToString(target);
    } else {
      ASSERT_TRUE(it->Valid()) << ::testing::PrintToString(target);
      ASSERT_EQ(it->key(), expected->first);
      ASSERT_EQ(it->value(), expected->second);
    }
    if (model.count(target) == 0) {
      ASSERT_THAT(table->Get(target), StatusIs(StatusCode::kNotFound));
    }
  }
  it->Seek("");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "");
  EXPECT_THAT(table->VerifyBlocks(), IsEmpty());
}

TEST_F(TableTest, SeveralBlocks) {
  Model model;
  std::mt19937 rng(5);
  for (int i = 0; i < 3000; ++i) {
    char key[32];
    std::snprintf(key, sizeof(key), "tensor/%06d", i);
    model[key] = RandomBytes(rng, 1000);
  }
  const std::string path = dir_.Join("big.index");
  ASSERT_THAT(BuildTable(path, model), IsOk());
  const std::string bytes = ReadFileOrDie(path);
  const std::vector<BlockHandle> handles = DataBlockHandles(bytes);
  // ~3 MB of entries in 256 KiB blocks.
  EXPECT_GE(handles.size(), 11u);
  EXPECT_LE(handles.size(), 13u);
  uint64_t expected_offset = 0;
  for (const BlockHandle& h : handles) {
    EXPECT_EQ(h.offset, expected_offset);  // contiguous, 5-byte trailers
    expected_offset = h.offset + h.size + 5;
  }
  for (size_t i = 0; i + 1 < handles.size(); ++i) {
    EXPECT_GE(handles[i].size, kTableBlockSize);
    EXPECT_LT(handles[i].size, kTableBlockSize + 1100);
  }

  TFCKPT_ASSERT_OK_AND_ASSIGN(auto table, OpenTable(path));
  auto it = table->NewIterator();
  it->SeekToFirst();
  size_t n = 0;
  for (const auto& [key, value] : model) {
    ASSERT_TRUE(it->Valid());
    ASSERT_EQ(it->key(), key);
    ASSERT_EQ(it->value(), value);
    it->Next();
    ++n;
  }
  EXPECT_FALSE(it->Valid());
  EXPECT_EQ(n, model.size());
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::string v, table->Get("tensor/002999"));
  EXPECT_EQ(v, model["tensor/002999"]);
  EXPECT_THAT(table->VerifyBlocks(), IsEmpty());
}

// TF flushes the current block before an entry whose key + value is at least
// 2 * block size; plain LevelDB would not.
TEST_F(TableTest, LargeEntryFlushesFirst) {
  struct Case {
    size_t big_value_size;
    size_t expected_blocks;
  };
  // key "b" is one byte: 1 + 524287 reaches the threshold, 1 + 524286 does not.
  for (const Case& c : {Case{524287, 3}, Case{524286, 2}, Case{700000, 3}}) {
    SCOPED_TRACE(c.big_value_size);
    const std::string path = dir_.Join("large" + std::to_string(c.big_value_size));
    const std::string big(c.big_value_size, 'v');
    ASSERT_THAT(BuildTable(path, Entries{{"a", "small"}, {"b", big}, {"c", "after"}}), IsOk());
    const std::string bytes = ReadFileOrDie(path);
    const std::vector<BlockHandle> handles = DataBlockHandles(bytes);
    EXPECT_EQ(handles.size(), c.expected_blocks);
    if (c.expected_blocks == 3) {
      ASSERT_EQ(handles.size(), 3u);
      EXPECT_LT(handles[0].size, 100u);  // "a" alone
      EXPECT_GT(handles[1].size, c.big_value_size);
      EXPECT_LT(handles[2].size, 100u);
    }
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto table, OpenTable(path));
    TFCKPT_ASSERT_OK_AND_ASSIGN(std::string a, table->Get("a"));
    EXPECT_EQ(a, "small");
    TFCKPT_ASSERT_OK_AND_ASSIGN(std::string b, table->Get("b"));
    EXPECT_EQ(b, big);
    TFCKPT_ASSERT_OK_AND_ASSIGN(std::string last, table->Get("c"));
    EXPECT_EQ(last, "after");
    EXPECT_THAT(table->VerifyBlocks(), IsEmpty());
  }
}

TEST_F(TableTest, LargeFirstEntryNeedsNoFlush) {
  const std::string path = dir_.Join("first");
  const std::string big(600000, 'v');
  ASSERT_THAT(BuildTable(path, Entries{{"a", big}, {"b", "x"}}), IsOk());
  const std::vector<BlockHandle> handles = DataBlockHandles(ReadFileOrDie(path));
  ASSERT_EQ(handles.size(), 2u);
  EXPECT_EQ(handles[0].offset, 0u);
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto table, OpenTable(path));
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::string a, table->Get("a"));
  EXPECT_EQ(a, big);
}

TEST_F(TableTest, VerifyBlocksNamesTheCorruptBlock) {
  Model model;
  std::mt19937 rng(9);
  for (int i = 0; i < 1000; ++i) model["k" + std::to_string(100000 + i)] = RandomBytes(rng, 1000);
  const std::string path = dir_.Join("flip.index");
  ASSERT_THAT(BuildTable(path, model), IsOk());
  const std::string clean = ReadFileOrDie(path);
  const std::vector<BlockHandle> handles = DataBlockHandles(clean);
  ASSERT_GE(handles.size(), 3u);

  // Flip one byte in the middle of the second data block.
  const BlockHandle target = handles[1];
  std::string bad = clean;
  FlipBits(&bad, target.offset + target.size / 2, 0x01);
  WriteFileOrDie(path, bad);
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto table, OpenTable(path));
  const std::vector<Status> problems = table->VerifyBlocks();
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0], StatusIs(StatusCode::kDataLoss, HasSubstr(path)));
  EXPECT_THAT(problems[0].message(), HasSubstr(std::to_string(target.offset)));

  // Reading through the bad block fails; other blocks still read.
  auto it = table->NewIterator();
  it->SeekToFirst();
  while (it->Valid()) it->Next();
  EXPECT_THAT(it->status(), StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(table->Get(model.begin()->first), IsOk());

  // A flipped trailer checksum is caught the same way.
  bad = clean;
  FlipBits(&bad, target.offset + target.size + 2, 0x40);
  WriteFileOrDie(path, bad);
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto table2, OpenTable(path));
  EXPECT_THAT(table2->VerifyBlocks(), SizeIs(1));
}

TEST_F(TableTest, OpenRejectsNonTables) {
  const std::string path = dir_.Join("bad");
  for (const std::string& contents :
       {std::string(), std::string(47, '\0'), std::string(48, '\0'), std::string(4096, 'x')}) {
    SCOPED_TRACE(contents.size());
    WriteFileOrDie(path, contents);
    EXPECT_THAT(OpenTable(path), StatusIs(StatusCode::kDataLoss, HasSubstr(path)));
  }
}

// Rewriting every entry of a real TF-written index gives the same bytes.
TEST_F(TableTest, RewritesRealIndexesByteIdentically) {
  for (const char* relative :
       {"tf1.2-linear/smovetf.ckpt.index", "tf1.3-tutorial/my_test_model-1000.index",
        "tf1.14-mnist-cnn/my_test_model-1000.index",
        "tf2.10-savedmodel/variables/variables.index"}) {
    SCOPED_TRACE(relative);
    const std::string original_path = TfRealPath(relative);
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto table, OpenTable(original_path));
    EXPECT_THAT(table->VerifyBlocks(), IsEmpty());
    Entries entries;
    auto it = table->NewIterator();
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      entries.emplace_back(std::string(it->key()), std::string(it->value()));
    }
    ASSERT_THAT(it->status(), IsOk());
    ASSERT_FALSE(entries.empty());
    EXPECT_EQ(entries.front().first, "");  // the bundle header
    const std::string copy = dir_.Join("copy.index");
    ASSERT_THAT(BuildTable(copy, entries), IsOk());
    EXPECT_TRUE(ReadFileOrDie(copy) == ReadFileOrDie(original_path));
  }
}

TEST_F(TableTest, RealIndexMatchesSpecExample) {
  // tf-formats.md §1.7: one data block of 40 bytes, index key "X".
  const std::string bytes = ReadFileOrDie(TfRealPath("tf1.2-linear/smovetf.ckpt.index"));
  ASSERT_EQ(bytes.size(), 125u);
  const std::vector<BlockHandle> handles = DataBlockHandles(bytes);
  ASSERT_EQ(handles.size(), 1u);
  EXPECT_EQ(handles[0].offset, 0u);
  EXPECT_EQ(handles[0].size, 40u);
}

}  // namespace
}  // namespace tfckpt::internal
