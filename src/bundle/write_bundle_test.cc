// WriteBundle: the tensors of a whole save at once, over one data file
// (byte-identical to BundleWriter) or several written in parallel.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "src/bundle/naming.h"
#include "tests/testing/fault_injection_file_system.h"
#include "tests/testing/testing.h"
#include "tfckpt/bundle_reader.h"
#include "tfckpt/bundle_writer.h"

namespace tfckpt {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::tfckpt::testing::FaultInjectionFileSystem;
using ::tfckpt::testing::IsOk;
using ::tfckpt::testing::ReadFileOrDie;
using ::tfckpt::testing::StatusIs;
using ::tfckpt::testing::TempDir;

// `n` floats starting at `first`.
Tensor Floats(int64_t n, float first) {
  std::vector<float> values(static_cast<size_t>(n));
  for (size_t i = 0; i < values.size(); ++i) values[i] = first + static_cast<float>(i);
  return *Tensor::FromValues<float>(TensorShape{n}, std::span<const float>(values));
}

// A save with every kind of entry: floats of several sizes, strings, an
// empty tensor and two slices of a partitioned tensor.
std::vector<SaveEntry> MixedSave() {
  return {{"a", Floats(1000, 0), ""},
          {"b", Floats(30000, 1), ""},
          {"empty", Floats(0, 0), ""},
          {"p", Floats(3, 7), "6 0,3"},
          {"p", Floats(3, 9), "6 3,3"},
          {"s", *Tensor::FromStrings(TensorShape{2}, {"x", std::string(5000, 'y')}), ""},
          {"z", Floats(70000, 2), ""}};
}

// Every tensor of `prefix`, read back, with its shard, keyed by name.
std::map<std::string, std::pair<Tensor, int32_t>> ReadAll(const std::string& prefix) {
  std::map<std::string, std::pair<Tensor, int32_t>> all;
  auto reader = BundleReader::Open(prefix);
  EXPECT_THAT(reader, IsOk());
  if (!reader.ok()) return all;
  EXPECT_THAT((*reader)->Verify(), IsEmpty());
  auto entries = (*reader)->ListEntries();
  EXPECT_THAT(entries, IsOk());
  if (!entries.ok()) return all;
  for (const BundleEntryInfo& info : *entries) {
    auto tensor = (*reader)->ReadTensor(info.name);
    EXPECT_THAT(tensor, IsOk()) << info.name;
    if (tensor.ok()) all[info.name] = {*tensor, info.shard_id};
  }
  return all;
}

TEST(WriteBundleTest, OneShardIsByteIdenticalToBundleWriter) {
  TempDir dir;
  const std::vector<SaveEntry> save = MixedSave();
  TFCKPT_ASSERT_OK(WriteBundle(dir.Join("bulk"), save));
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(dir.Join("streamed")));
  for (const SaveEntry& entry : save) {
    if (entry.slice_spec.empty()) {
      TFCKPT_ASSERT_OK(writer->Add(entry.name, entry.tensor));
    } else {
      const auto slice = *ParseShapeAndSlice(entry.slice_spec);
      TFCKPT_ASSERT_OK(writer->AddSlice(entry.name, slice->full_shape, slice->slice, entry.tensor));
    }
  }
  TFCKPT_ASSERT_OK(writer->Finish());
  for (const auto& file : {internal::MetaFilename(""), internal::DataFilename("", 0, 1)}) {
    EXPECT_EQ(ReadFileOrDie(dir.Join("bulk") + file), ReadFileOrDie(dir.Join("streamed") + file))
        << file;
  }
}

TEST(WriteBundleTest, ShardsHoldRunsOfTensorsAndReadBack) {
  TempDir dir;
  const std::string prefix = dir.Join("model");
  WriteBundleOptions options;
  options.num_shards = 3;
  TFCKPT_ASSERT_OK(WriteBundle(prefix, MixedSave(), options));
  for (int shard = 0; shard < 3; ++shard) {
    TFCKPT_EXPECT_OK(FileSystem::Default()->Exists(internal::DataFilename(prefix, shard, 3)));
  }
  const auto all = ReadAll(prefix);
  ASSERT_EQ(all.size(), 6u);  // a, b, empty, p, s, z
  // 409 KB in all: "z" (280 KB) cannot share; the 124 KB before "s" fall
  // in the first third, and "s" is left for the middle shard.
  EXPECT_EQ(all.at("a").second, 0);
  EXPECT_EQ(all.at("b").second, 0);
  EXPECT_EQ(all.at("p").second, 0);
  EXPECT_EQ(all.at("s").second, 1);
  EXPECT_EQ(all.at("z").second, 2);
  EXPECT_EQ(all.at("z").first.flat<float>()[69999], 70001.0f);
  EXPECT_EQ(all.at("s").first.strings()[1], std::string(5000, 'y'));
  EXPECT_EQ(all.at("empty").first.num_elements(), 0);
  auto reader = *BundleReader::Open(prefix);
  TFCKPT_ASSERT_OK_AND_ASSIGN(const Tensor p, reader->ReadTensor("p"));
  EXPECT_THAT(std::vector<float>(p.flat<float>().begin(), p.flat<float>().end()),
              ElementsAre(7, 8, 9, 9, 10, 11));
}

TEST(WriteBundleTest, EveryShardGetsATensorAndNoMoreShardsThanTensors) {
  TempDir dir;
  // One tensor holds nearly all the bytes; the small ones still fill a
  // shard each.
  std::vector<SaveEntry> save = {{"big", Floats(100000, 0), ""}};
  for (int i = 0; i < 3; ++i) save.push_back({"small" + std::to_string(i), Floats(1, 0), ""});
  WriteBundleOptions options;
  options.num_shards = 3;
  TFCKPT_ASSERT_OK(WriteBundle(dir.Join("skewed"), save, options));
  const auto skewed = ReadAll(dir.Join("skewed"));
  EXPECT_EQ(skewed.at("big").second, 0);
  EXPECT_EQ(skewed.at("small0").second, 1);
  EXPECT_EQ(skewed.at("small1").second, 2);
  EXPECT_EQ(skewed.at("small2").second, 2);

  options.num_shards = 8;
  TFCKPT_ASSERT_OK(WriteBundle(dir.Join("few"), {{"x", Floats(4, 0), ""}, {"y", Floats(4, 4), ""}},
                               options));
  TFCKPT_EXPECT_OK(FileSystem::Default()->Exists(internal::DataFilename(dir.Join("few"), 1, 2)));
  EXPECT_EQ(ReadAll(dir.Join("few")).at("y").second, 1);

  // More shards than cores: the writer threads share them.
  std::vector<SaveEntry> many;
  for (int i = 0; i < 40; ++i) many.push_back({"m" + std::to_string(i), Floats(100, 0), ""});
  options.num_shards = 40;
  TFCKPT_ASSERT_OK(WriteBundle(dir.Join("many"), many, options));
  const auto all = ReadAll(dir.Join("many"));
  ASSERT_EQ(all.size(), 40u);
  EXPECT_EQ(all.at("m39").second, 39);

  TFCKPT_ASSERT_OK(WriteBundle(dir.Join("none"), {}, options));
  TFCKPT_EXPECT_OK(FileSystem::Default()->Exists(internal::DataFilename(dir.Join("none"), 0, 1)));
  EXPECT_THAT(ReadAll(dir.Join("none")), IsEmpty());
}

TEST(WriteBundleTest, ErrorsNameTheTensorAndLeaveNoFiles) {
  TempDir dir;
  WriteBundleOptions options;
  options.num_shards = 2;
  EXPECT_THAT(WriteBundle(dir.Join("m"), {{"w", Floats(2, 0), "2 0,1:0,1"}}, options),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("tensor 'w'")));
  EXPECT_THAT(WriteBundle(dir.Join("m"), {{"w", Floats(2, 0), ""}, {"w", Floats(2, 0), ""}},
                          options),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'w' was already added")));
  EXPECT_THAT(WriteBundle(dir.Join("m"), {{"", Floats(2, 0), ""}}, options),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("name is empty")));
  options.num_shards = 0;
  EXPECT_THAT(WriteBundle(dir.Join("m"), {}, options),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("num_shards")));
  EXPECT_THAT(*FileSystem::Default()->ListDir(dir.path()), IsEmpty());
}

// A failure at any file-system operation, on any shard's thread, leaves
// either no bundle or a complete one, and no temporary files.
TEST(WriteBundleTest, AFailureAnywhereLeavesNoPartialBundle) {
  TempDir dir;
  const std::string prefix = dir.Join("model");
  WriteBundleOptions options;
  options.num_shards = 3;
  for (int op = 1;; ++op) {
    FaultInjectionFileSystem fs(FileSystem::Default(), op);
    options.writer.file_system = &fs;
    const Status status = WriteBundle(prefix, MixedSave(), options);
    if (!fs.injected()) {
      TFCKPT_EXPECT_OK(status);
      break;
    }
    EXPECT_FALSE(status.ok()) << fs.injected_op();
    // The index is renamed last: when it is there, all is.
    if (FileSystem::Default()->Exists(internal::MetaFilename(prefix)).ok()) {
      EXPECT_EQ(ReadAll(prefix).size(), 6u) << fs.injected_op();
    }
    const std::vector<std::string> left = *FileSystem::Default()->ListDir(dir.path());
    for (const std::string& name : left) {
      EXPECT_THAT(name, ::testing::Not(HasSubstr(".tempstate"))) << fs.injected_op();
    }
    FileSystem::Default()->Delete(internal::MetaFilename(prefix)).IgnoreError();
  }
  EXPECT_EQ(ReadAll(prefix).size(), 6u);
}

}  // namespace
}  // namespace tfckpt
