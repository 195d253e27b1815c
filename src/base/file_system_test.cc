#include "tfckpt/file_system.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "src/base/atomic_file.h"
#include "tests/testing/testing.h"

namespace tfckpt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using ::tfckpt::testing::IsOk;
using ::tfckpt::testing::ReadFileOrDie;
using ::tfckpt::testing::StatusIs;
using ::tfckpt::testing::TempDir;
using ::tfckpt::testing::WriteFileOrDie;

TEST(PathTest, DirName) {
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(DirName("/c"), "/");
  EXPECT_EQ(DirName("/a/b"), "/a");
}

TEST(PathTest, BaseName) {
  EXPECT_EQ(BaseName("a/b/c"), "c");
  EXPECT_EQ(BaseName("c"), "c");
  EXPECT_EQ(BaseName("/c"), "c");
  EXPECT_EQ(BaseName("dir/model.ckpt-1000"), "model.ckpt-1000");
}

TEST(PathTest, JoinPath) {
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/b", "c/d"), "a/b/c/d");
  EXPECT_EQ(JoinPath("a", "/b"), "/b");
  EXPECT_EQ(JoinPath("/", "b"), "/b");
}

class PosixFileSystemTest : public ::testing::Test {
 protected:
  FileSystem* fs_ = FileSystem::Default();
  TempDir dir_;
};

TEST_F(PosixFileSystemTest, DefaultIsASingleton) {
  EXPECT_EQ(FileSystem::Default(), FileSystem::Default());
}

TEST_F(PosixFileSystemTest, WriteThenRead) {
  const std::string path = dir_.Join("f");
  {
    TFCKPT_ASSERT_OK_AND_ASSIGN(std::unique_ptr<WritableFile> w,
                                fs_->OpenForWrite(path));
    EXPECT_EQ(w->path(), path);
    EXPECT_EQ(w->position(), 0u);
    TFCKPT_ASSERT_OK(w->Append("hello "));
    TFCKPT_ASSERT_OK(w->Append(std::string("w\0rld", 5)));
    EXPECT_EQ(w->position(), 11u);
    TFCKPT_ASSERT_OK(w->Sync());
    TFCKPT_ASSERT_OK(w->Close());
  }
  EXPECT_EQ(ReadFileOrDie(path), std::string("hello w\0rld", 11));
  TFCKPT_EXPECT_OK(fs_->Exists(path));
  TFCKPT_ASSERT_OK_AND_ASSIGN(uint64_t size, fs_->FileSize(path));
  EXPECT_EQ(size, 11u);

  TFCKPT_ASSERT_OK_AND_ASSIGN(std::unique_ptr<RandomAccessFile> r,
                              fs_->OpenForRead(path));
  EXPECT_EQ(r->size(), 11u);
  EXPECT_EQ(r->path(), path);
  char buf[5];
  TFCKPT_ASSERT_OK(r->Read(6, 5, buf));
  EXPECT_EQ(std::string(buf, 5), std::string("w\0rld", 5));
  TFCKPT_ASSERT_OK(r->Read(11, 0, buf));
}

// Files past the write buffer reserve disk space ahead of their writes; the
// closed file holds exactly its bytes and no leftover reserved blocks.
TEST_F(PosixFileSystemTest, LargeWritesKeepNoReservedSpace) {
  const std::string path = dir_.Join("large");
  std::string expected;
  {
    TFCKPT_ASSERT_OK_AND_ASSIGN(std::unique_ptr<WritableFile> w, fs_->OpenForWrite(path));
    for (size_t i = 0; i < 40; ++i) {
      // Small pieces go through the buffer, large ones straight to the file.
      const std::string piece(i % 3 == 0 ? (size_t{3} << 20) + i : 300000 + i,
                              static_cast<char>('a' + i % 26));
      TFCKPT_ASSERT_OK(w->Append(piece));
      expected += piece;
    }
    TFCKPT_ASSERT_OK(w->Sync());
    TFCKPT_ASSERT_OK(w->Append("tail"));
    expected += "tail";
    TFCKPT_ASSERT_OK(w->Close());
  }
  EXPECT_EQ(ReadFileOrDie(path), expected);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(static_cast<size_t>(st.st_size), expected.size());
  // st_blocks counts 512-byte units; allow one file system block of slack.
  EXPECT_LE(static_cast<size_t>(st.st_blocks) * 512, expected.size() + 65536);
}

// A file whose only read is Read(): ReadScattered() is the default one.
class ReadOnlyFile final : public RandomAccessFile {
 public:
  explicit ReadOnlyFile(std::unique_ptr<RandomAccessFile> base) : base_(std::move(base)) {}
  Status Read(uint64_t offset, size_t n, char* dst) const override {
    return base_->Read(offset, n, dst);
  }
  uint64_t size() const override { return base_->size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  std::unique_ptr<RandomAccessFile> base_;
};

// More destinations than one preadv takes (IOV_MAX, 1024), empty ones among
// them, read as consecutive ranges, by the POSIX file and by the default.
TEST_F(PosixFileSystemTest, ReadScatteredFillsConsecutiveRanges) {
  const std::string path = dir_.Join("scattered");
  std::string contents;
  for (int i = 0; i < 5000; ++i) contents += static_cast<char>(i % 251);
  WriteFileOrDie(path, contents);
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::unique_ptr<RandomAccessFile> posix, fs_->OpenForRead(path));
  ReadOnlyFile fallback(*fs_->OpenForRead(path));
  for (const RandomAccessFile* file : std::vector<const RandomAccessFile*>{posix.get(), &fallback}) {
    std::string out(4990, '\0');
    std::vector<std::span<char>> dsts;
    for (size_t at = 0; at < out.size(); at += 3) {
      dsts.emplace_back(out.data() + at, std::min<size_t>(3, out.size() - at));
      if (at % 300 == 0) dsts.emplace_back(out.data() + at, 0);
    }
    ASSERT_GT(dsts.size(), 1024u);
    TFCKPT_ASSERT_OK(file->ReadScattered(7, dsts));
    EXPECT_EQ(out, contents.substr(7, out.size()));
    EXPECT_THAT(file->ReadScattered(11, dsts), StatusIs(StatusCode::kOutOfRange, HasSubstr(path)));
  }
}

TEST_F(PosixFileSystemTest, ReadPastEndIsOutOfRange) {
  const std::string path = dir_.Join("short");
  WriteFileOrDie(path, "abc");
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::unique_ptr<RandomAccessFile> r,
                              fs_->OpenForRead(path));
  char buf[8];
  EXPECT_THAT(r->Read(1, 3, buf), StatusIs(StatusCode::kOutOfRange, HasSubstr(path)));
  EXPECT_THAT(r->Read(100, 1, buf), StatusIs(StatusCode::kOutOfRange));
  EXPECT_THAT(r->Read(UINT64_MAX, 1, buf), StatusIs(StatusCode::kOutOfRange));
}

TEST_F(PosixFileSystemTest, OpenForWriteTruncates) {
  const std::string path = dir_.Join("t");
  WriteFileOrDie(path, "old contents");
  {
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto w, fs_->OpenForWrite(path));
    TFCKPT_ASSERT_OK(w->Append("new"));
    TFCKPT_ASSERT_OK(w->Close());
  }
  EXPECT_EQ(ReadFileOrDie(path), "new");
}

TEST_F(PosixFileSystemTest, MissingFiles) {
  const std::string path = dir_.Join("missing");
  EXPECT_THAT(fs_->Exists(path), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(fs_->OpenForRead(path), StatusIs(StatusCode::kNotFound, HasSubstr(path)));
  EXPECT_FALSE(fs_->FileSize(path).ok());
  EXPECT_FALSE(fs_->Delete(path).ok());
  EXPECT_FALSE(fs_->Rename(path, dir_.Join("other")).ok());
  EXPECT_FALSE(fs_->OpenForWrite(dir_.Join("no/such/dir/file")).ok());
}

TEST_F(PosixFileSystemTest, RenameReplacesAndDeleteRemoves) {
  const std::string a = dir_.Join("a");
  const std::string b = dir_.Join("b");
  WriteFileOrDie(a, "A");
  WriteFileOrDie(b, "B");
  TFCKPT_ASSERT_OK(fs_->Rename(a, b));
  EXPECT_THAT(fs_->Exists(a), StatusIs(StatusCode::kNotFound));
  EXPECT_EQ(ReadFileOrDie(b), "A");
  TFCKPT_ASSERT_OK(fs_->Delete(b));
  EXPECT_THAT(fs_->Exists(b), StatusIs(StatusCode::kNotFound));
}

TEST_F(PosixFileSystemTest, DirectoriesAndListing) {
  const std::string sub = dir_.Join("sub");
  TFCKPT_ASSERT_OK(fs_->CreateDir(sub));
  TFCKPT_ASSERT_OK(fs_->CreateDir(sub));  // already there: still OK
  TFCKPT_EXPECT_OK(fs_->Exists(sub));
  WriteFileOrDie(JoinPath(sub, "x"), "1");
  WriteFileOrDie(JoinPath(sub, "y"), "2");
  TFCKPT_EXPECT_OK(fs_->SyncDir(sub));
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::vector<std::string> names, fs_->ListDir(sub));
  EXPECT_THAT(names, UnorderedElementsAre("x", "y"));
  TFCKPT_ASSERT_OK_AND_ASSIGN(std::vector<std::string> top, fs_->ListDir(dir_.path()));
  EXPECT_THAT(top, ElementsAre("sub"));
  EXPECT_FALSE(fs_->ListDir(dir_.Join("nope")).ok());
  // Only one level is created.
  EXPECT_FALSE(fs_->CreateDir(dir_.Join("p/q")).ok());
}

bool HasTempFiles(const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(), [](const std::string& n) {
    return n.find(".tempstate") != std::string::npos;
  });
}

TEST_F(PosixFileSystemTest, AtomicFileWriterCommit) {
  const std::string path = dir_.Join("out");
  WriteFileOrDie(path, "previous");
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer,
                              internal::AtomicFileWriter::Open(fs_, path));
  EXPECT_EQ(writer->final_path(), path);
  ASSERT_NE(writer->file(), nullptr);
  // The temporary follows TensorFlow's naming: final path, ".tempstate", digits.
  const std::string temp = writer->file()->path();
  ASSERT_EQ(temp.rfind(path + ".tempstate", 0), 0u) << temp;
  const std::string digits = temp.substr(path.size() + 10);
  EXPECT_FALSE(digits.empty());
  EXPECT_TRUE(std::all_of(digits.begin(), digits.end(),
                          [](char c) { return c >= '0' && c <= '9'; }))
      << temp;

  TFCKPT_ASSERT_OK(writer->file()->Append("new data"));
  // Before Commit the old file is untouched.
  EXPECT_EQ(ReadFileOrDie(path), "previous");
  TFCKPT_ASSERT_OK(writer->Commit());
  EXPECT_EQ(ReadFileOrDie(path), "new data");
  writer.reset();
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto names, fs_->ListDir(dir_.path()));
  EXPECT_THAT(names, ElementsAre("out"));
}

TEST_F(PosixFileSystemTest, AtomicFileWriterAbandonDeletesTemp) {
  const std::string path = dir_.Join("abandoned");
  {
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer,
                                internal::AtomicFileWriter::Open(fs_, path));
    TFCKPT_ASSERT_OK(writer->file()->Append("partial"));
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto during, fs_->ListDir(dir_.path()));
    EXPECT_TRUE(HasTempFiles(during));
  }
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto names, fs_->ListDir(dir_.path()));
  EXPECT_THAT(names, IsEmpty());
}

TEST_F(PosixFileSystemTest, AtomicFileWritersUseDistinctTempNames) {
  const std::string path = dir_.Join("same");
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto w1, internal::AtomicFileWriter::Open(fs_, path));
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto w2, internal::AtomicFileWriter::Open(fs_, path));
  EXPECT_NE(w1->file()->path(), w2->file()->path());
}

}  // namespace
}  // namespace tfckpt
