// The reader's parallel and mapped paths (pieces of large tensors checked
// on several threads, ReadTensors, MapTensors) and the writer's options.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "src/bundle/naming.h"
#include "tests/testing/fault_injection_file_system.h"
#include "tests/testing/testing.h"
#include "tfckpt/bundle_reader.h"
#include "tfckpt/bundle_writer.h"

namespace tfckpt {
namespace {

using ::testing::HasSubstr;
using ::tfckpt::testing::IsOk;
using ::tfckpt::testing::ReadFileOrDie;
using ::tfckpt::testing::StatusIs;
using ::tfckpt::testing::TempDir;

// Larger than two of the reader's 8 MiB pieces, and not a multiple of one.
constexpr int64_t kLargeBytes = (int64_t{20} << 20) + 3;

Tensor RandomBytes(int64_t n, uint32_t seed) {
  Tensor t = *Tensor::Allocate(DataType::kUInt8, TensorShape{n});
  std::mt19937 rng(seed);
  for (uint8_t& b : t.mutable_flat<uint8_t>()) b = static_cast<uint8_t>(rng());
  return t;
}

std::string Bytes(const Tensor& t) { return std::string(t.bytes()); }

class BundleParallelTest : public ::testing::Test {
 protected:
  // Writes: "large" (kLargeBytes), 50 small float tensors, a string tensor,
  // a partitioned tensor, a 3-element float16 (leaving the next tensor
  // misaligned) and a float32 after it.
  void SetUp() override {
    prefix_ = dir_.Join("model");
    auto writer = BundleWriter::Create(prefix_);
    ASSERT_THAT(writer, IsOk());
    tensors_["large"] = RandomBytes(kLargeBytes, 1);
    for (int i = 0; i < 50; ++i) {
      const std::vector<float> values(static_cast<size_t>(i), static_cast<float>(i));
      tensors_["small_" + std::to_string(i)] =
          *Tensor::FromValues<float>(TensorShape{i}, std::span<const float>(values));
    }
    tensors_["names"] = *Tensor::FromStrings(TensorShape{3}, {"a", "", std::string(200, 'z')});
    tensors_["half"] = *Tensor::FromBytes(DataType::kHalf, TensorShape{3}, "\x01\x3c\x02\x3c\x03\x3c");
    const std::vector<float> after = {7, 8};
    tensors_["z_after_half"] = *Tensor::FromValues<float>(TensorShape{2}, after);
    for (const auto& [name, t] : tensors_) ASSERT_THAT((*writer)->Add(name, t), IsOk());
    const std::vector<float> part = {1, 2, 3};
    ASSERT_THAT((*writer)->AddSlice("part", TensorShape{6}, *TensorSlice::Parse("0,3"),
                                    *Tensor::FromValues<float>(TensorShape{3}, part)),
                IsOk());
    ASSERT_THAT((*writer)->AddSlice("part", TensorShape{6}, *TensorSlice::Parse("3,3"),
                                    *Tensor::FromValues<float>(TensorShape{3}, part)),
                IsOk());
    ASSERT_THAT((*writer)->Finish(), IsOk());
    for (const auto& [name, t] : tensors_) names_.push_back(name);
    names_.push_back("part");
  }

  std::unique_ptr<BundleReader> Open(int num_threads = 0, FileSystem* fs = nullptr) {
    BundleReaderOptions options;
    options.num_threads = num_threads;
    options.file_system = fs;
    auto reader = BundleReader::Open(prefix_, options);
    EXPECT_THAT(reader, IsOk());
    return reader.ok() ? *std::move(reader) : nullptr;
  }

  // Flips one byte of the data file.
  void Corrupt(uint64_t offset) {
    std::fstream f(internal::DataFilename(prefix_, 0, 1),
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    const char c = static_cast<char>(f.get() ^ 0x40);
    f.seekp(static_cast<std::streamoff>(offset));
    f.put(c);
  }

  void ExpectSameAsWritten(const std::vector<Tensor>& got) {
    ASSERT_EQ(got.size(), names_.size());
    for (size_t i = 0; i + 1 < names_.size(); ++i) {
      const Tensor& want = tensors_[names_[i]];
      EXPECT_EQ(got[i].dtype(), want.dtype()) << names_[i];
      EXPECT_EQ(got[i].shape(), want.shape()) << names_[i];
      if (want.dtype() == DataType::kString) {
        EXPECT_EQ(got[i].strings(), want.strings());
      } else {
        EXPECT_EQ(Bytes(got[i]), Bytes(want)) << names_[i];
      }
    }
    const std::vector<float> part(got.back().flat<float>().begin(), got.back().flat<float>().end());
    EXPECT_EQ(part, (std::vector<float>{1, 2, 3, 1, 2, 3}));
  }

  TempDir dir_;
  std::string prefix_;
  std::map<std::string, Tensor> tensors_;
  std::vector<std::string> names_;
};

TEST_F(BundleParallelTest, LargeTensorReadsTheSameOnAnyNumberOfThreads) {
  for (int threads : {1, 2, 3, 8}) {
    auto reader = Open(threads);
    auto large = reader->ReadTensor("large");
    ASSERT_THAT(large, IsOk());
    EXPECT_EQ(Bytes(*large), Bytes(tensors_["large"])) << threads << " threads";
  }
}

TEST_F(BundleParallelTest, ReadTensorsReadsEveryKind) {
  for (int threads : {1, 2}) {
    auto got = Open(threads)->ReadTensors(names_);
    ASSERT_THAT(got, IsOk());
    ExpectSameAsWritten(*got);
  }
}

TEST_F(BundleParallelTest, MapTensorsViewsTheFileAndOutlivesTheReader) {
  std::vector<Tensor> got;
  {
    auto mapped = Open()->MapTensors(names_);
    ASSERT_THAT(mapped, IsOk());
    got = *std::move(mapped);
  }
  ExpectSameAsWritten(got);
  const auto index = [&](const std::string& name) {
    return static_cast<size_t>(std::find(names_.begin(), names_.end(), name) - names_.begin());
  };
  EXPECT_EQ(got[index("large")].mutable_data(), nullptr) << "a mapped view is read-only";
  // Misaligned float32 (after the 6-byte float16) is copied instead.
  EXPECT_NE(got[index("z_after_half")].mutable_data(), nullptr);
}

TEST_F(BundleParallelTest, MapTensorsOnAnotherFileSystemCopies) {
  testing::FaultInjectionFileSystem fs(FileSystem::Default(), 0);
  auto got = Open(0, &fs)->MapTensors({"large"});
  ASSERT_THAT(got, IsOk());
  EXPECT_NE((*got)[0].mutable_data(), nullptr);
  EXPECT_EQ(Bytes((*got)[0]), Bytes(tensors_["large"]));
}

TEST_F(BundleParallelTest, CorruptionInALaterPieceIsDataLossEverywhere) {
  auto info = Open()->GetEntryInfo("large");
  ASSERT_THAT(info, IsOk());
  Corrupt(static_cast<uint64_t>(info->offset) + (uint64_t{17} << 20));
  auto reader = Open(2);
  const auto mismatch = StatusIs(StatusCode::kDataLoss, HasSubstr("'large'"));
  EXPECT_THAT(reader->ReadTensor("large").status(), mismatch);
  EXPECT_THAT(reader->ReadTensors(names_).status(), mismatch);
  EXPECT_THAT(reader->MapTensors(names_).status(), mismatch);
  EXPECT_THAT(Open(1)->ReadTensors({"large"}).status(), mismatch);
  EXPECT_THAT(reader->ReadTensor("small_3"), IsOk());
}

TEST_F(BundleParallelTest, TruncatedDataFileIsAnErrorNotACrash) {
  auto reader = Open();
  ASSERT_EQ(truncate(internal::DataFilename(prefix_, 0, 1).c_str(), 1000), 0);
  EXPECT_FALSE(reader->MapTensors({"large"}).ok());
  EXPECT_FALSE(reader->ReadTensors({"large"}).ok());
}

TEST_F(BundleParallelTest, ReadTensorsNamesAMissingTensor) {
  EXPECT_THAT(Open()->ReadTensors({"small_1", "nope"}).status(),
              StatusIs(StatusCode::kNotFound, HasSubstr("nope")));
}

TEST_F(BundleParallelTest, VerifyReportsProgressUpToTheTotal) {
  uint64_t last_done = 0, last_total = 0;
  int calls = 0;
  const std::vector<Status> problems = Open()->Verify([&](uint64_t done, uint64_t total) {
    EXPECT_GE(done, last_done);
    last_done = done;
    last_total = total;
    ++calls;
  });
  EXPECT_TRUE(problems.empty());
  EXPECT_GT(calls, 2);
  EXPECT_EQ(last_done, last_total);
  EXPECT_GT(last_total, static_cast<uint64_t>(kLargeBytes));
}

TEST_F(BundleParallelTest, ReadTensorsReportsTheFirstFailingNameInTheCallersOrder) {
  auto reader = Open();
  // "zz_missing" sorts last but is asked for first.
  EXPECT_THAT(reader->ReadTensors({"zz_missing", "small_1", "a_missing"}).status(),
              StatusIs(StatusCode::kNotFound, HasSubstr("zz_missing")));
  EXPECT_THAT(reader->ReadTensors({"small_1", "", "a_missing"}).status(),
              StatusIs(StatusCode::kNotFound, HasSubstr("reserved")));
}

TEST_F(BundleParallelTest, ReadTensorsInAnyOrderWithRepeats) {
  std::vector<std::string> names(names_.rbegin(), names_.rend());
  names.push_back(names_[0]);
  auto got = Open(1)->ReadTensors(names);
  ASSERT_THAT(got, IsOk());
  std::vector<Tensor> in_written_order(got->rbegin() + 1, got->rend());
  ExpectSameAsWritten(in_written_order);
  EXPECT_EQ(Bytes(got->back()), Bytes(got->at(got->size() - 2)));
}

// What RandomBytes() gave tensor `i` of `t`'s size.
Tensor SameBytes(const Tensor& t, int i) {
  return RandomBytes(static_cast<int64_t>(t.byte_size()), static_cast<uint32_t>(i));
}

// Many small tensors, as in a model with thousands of biases and norms: they
// are carved out of shared blocks but stay writable, aligned, independent of
// each other and valid after the reader and the other tensors are gone; a
// few of many are found by seeking, and a corrupt one is named.
TEST(BundleManySmallTensorsTest, ReadTensorsGivesIndependentWritableTensors) {
  TempDir dir;
  const std::string prefix = dir.Join("small");
  constexpr int kCount = 3000;
  std::vector<std::string> names;
  {
    auto writer = BundleWriter::Create(prefix);
    ASSERT_THAT(writer, IsOk());
    for (int i = 0; i < kCount; ++i) {
      names.push_back("t" + std::to_string(i));
      // 1 to 20,000 bytes: below and above the shared-block threshold.
      const auto n = static_cast<int64_t>(1 + (i * 37) % 20000);
      ASSERT_THAT((*writer)->Add(names.back(), RandomBytes(n, static_cast<uint32_t>(i))), IsOk());
    }
    ASSERT_THAT((*writer)->Finish(), IsOk());
  }
  std::vector<Tensor> tensors;
  {
    auto reader = BundleReader::Open(prefix, {.num_threads = 1});
    ASSERT_THAT(reader, IsOk());
    auto got = (*reader)->ReadTensors(names);
    ASSERT_THAT(got, IsOk());
    tensors = *std::move(got);
    // A few of many, out of order.
    const std::vector<std::string> few = {"t2999", "t17", "t1500"};
    auto some = (*reader)->ReadTensors(few);
    ASSERT_THAT(some, IsOk());
    for (size_t i = 0; i < few.size(); ++i) {
      EXPECT_EQ(Bytes((*some)[i]), Bytes(tensors[std::stoul(few[i].substr(1))])) << few[i];
    }
  }
  for (int i = 0; i < kCount; ++i) {
    Tensor& t = tensors[static_cast<size_t>(i)];
    ASSERT_EQ(Bytes(t), Bytes(SameBytes(t, i))) << names[static_cast<size_t>(i)];
    ASSERT_NE(t.mutable_data(), nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data()) % Tensor::kAlignment, 0u);
  }
  // Writing every byte of one tensor leaves its neighbours alone.
  Tensor& first = tensors[0];
  std::memset(first.mutable_data(), 0x5a, first.byte_size());
  for (int i = 1; i < kCount; ++i) {
    Tensor& t = tensors[static_cast<size_t>(i)];
    ASSERT_EQ(Bytes(t), Bytes(SameBytes(t, i))) << i;
  }
  // One tensor outlives the others that shared its block.
  const Tensor kept = tensors[5];
  tensors.clear();
  EXPECT_EQ(Bytes(kept), Bytes(SameBytes(kept, 5)));

  // A flipped byte in a small tensor is a checksum error naming it.
  auto info = (*BundleReader::Open(prefix))->GetEntryInfo("t1234");
  ASSERT_THAT(info, IsOk());
  {
    std::fstream f(internal::DataFilename(prefix, 0, 1),
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(info->offset + 3));
    f.put('\x7f');
  }
  auto reader = BundleReader::Open(prefix, {.num_threads = 1});
  ASSERT_THAT(reader, IsOk());
  EXPECT_THAT((*reader)->ReadTensors(names).status(),
              StatusIs(StatusCode::kDataLoss, HasSubstr("'t1234'")));
}

TEST(BundleWriterSyncTest, UnsyncedBundleIsTheSameBytes) {
  TempDir dir;
  for (const bool sync : {true, false}) {
    BundleWriterOptions options;
    options.sync = sync;
    auto writer = BundleWriter::Create(dir.Join(sync ? "synced" : "unsynced"), options);
    ASSERT_THAT(writer, IsOk());
    ASSERT_THAT((*writer)->Add("large", RandomBytes(kLargeBytes, 9)), IsOk());
    ASSERT_THAT((*writer)->Add("small", RandomBytes(5, 10)), IsOk());
    ASSERT_THAT((*writer)->Finish(), IsOk());
  }
  for (const auto& file : {internal::MetaFilename(""), internal::DataFilename("", 0, 1)}) {
    EXPECT_EQ(ReadFileOrDie(dir.Join("synced" + file)), ReadFileOrDie(dir.Join("unsynced" + file)))
        << file;
  }
}

}  // namespace
}  // namespace tfckpt
