// Damaged and hostile bundles: every failure must be a clean non-OK status,
// never a crash, a hang, a huge allocation or silently wrong values.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "src/base/coding.h"
#include "src/base/crc32c.h"
#include "src/bundle/entry_codec.h"
#include "src/table/table_builder.h"
#include "tensorflow/core/protobuf/tensor_bundle.pb.h"
#include "tests/testing/testing.h"
#include "tfckpt/bundle_reader.h"
#include "tfckpt/bundle_writer.h"

namespace tfckpt {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::tfckpt::testing::IsOk;
using ::tfckpt::testing::ReadFileOrDie;
using ::tfckpt::testing::StatusIs;
using ::tfckpt::testing::TempDir;
using ::tfckpt::testing::WriteFileOrDie;

// Upper bound for one open + list + read-all + verify of a tiny bundle.
constexpr auto kMaxExerciseTime = std::chrono::seconds(2);

std::string Flipped(std::string s, size_t pos, unsigned char mask) {
  s[pos] = static_cast<char>(static_cast<unsigned char>(s[pos]) ^ mask);
  return s;
}

// A small bundle: plain tensors of several dtypes, a string tensor and a
// partitioned one; names are distinctive so messages can be matched.
class CorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = dir_.Join("ckpt");
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(prefix_));
    const std::vector<float> floats = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    TFCKPT_ASSERT_OK_AND_ASSIGN(
        Tensor alpha, Tensor::FromValues<float>({3, 4}, std::span<const float>(floats)));
    const std::vector<int64_t> ints = {-1, 0, 1, int64_t{1} << 40, -(int64_t{1} << 62)};
    TFCKPT_ASSERT_OK_AND_ASSIGN(
        Tensor beta, Tensor::FromValues<int64_t>({5}, std::span<const int64_t>(ints)));
    TFCKPT_ASSERT_OK_AND_ASSIGN(
        Tensor gamma, Tensor::FromStrings({3}, {"x", "", std::string("hello\0world", 11)}));
    const double scalar = 2.5;
    TFCKPT_ASSERT_OK_AND_ASSIGN(
        Tensor eps, Tensor::FromValues<double>({}, std::span<const double>(&scalar, 1)));
    ASSERT_THAT(writer->Add("alpha_w", alpha), IsOk());
    ASSERT_THAT(writer->Add("beta_i64", beta), IsOk());
    ASSERT_THAT(writer->Add("gamma_str", gamma), IsOk());
    const std::vector<float> part = {10, 11, 20, 21, 30, 31, 40, 41, 50, 51, 60, 61};
    TFCKPT_ASSERT_OK_AND_ASSIGN(
        Tensor delta, Tensor::FromValues<float>({6, 2}, std::span<const float>(part)));
    for (const char* spec : {"0,2:-", "2,4:0,2"}) {
      TFCKPT_ASSERT_OK_AND_ASSIGN(TensorSlice slice, TensorSlice::Parse(spec));
      TFCKPT_ASSERT_OK_AND_ASSIGN(TensorShape shape, slice.SliceShape({6, 2}));
      const size_t start = static_cast<size_t>(slice.extent(0).start) * 2;
      TFCKPT_ASSERT_OK_AND_ASSIGN(
          Tensor piece, Tensor::FromValues<float>(
                            shape, std::span<const float>(part).subspan(
                                       start, static_cast<size_t>(shape.num_elements()))));
      ASSERT_THAT(writer->AddSlice("delta_part", {6, 2}, slice, piece), IsOk());
    }
    ASSERT_THAT(writer->Add("eps_scalar", eps), IsOk());
    ASSERT_THAT(writer->Finish(), IsOk());
    originals_ = {{"alpha_w", alpha}, {"beta_i64", beta}, {"gamma_str", gamma},
                  {"delta_part", delta}, {"eps_scalar", eps}};
    index_ = ReadFileOrDie(IndexPath());
    data_ = ReadFileOrDie(DataPath());

    // Which tensor owns each data byte.
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto reader, BundleReader::Open(prefix_));
    owner_.assign(data_.size(), "");
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto entries, reader->ListEntries());
    for (const BundleEntryInfo& e : entries) {
      std::vector<BundleEntryInfo> stored;
      if (e.partitioned()) {
        for (const TensorSlice& s : e.slices) {
          TFCKPT_ASSERT_OK_AND_ASSIGN(BundleEntryInfo si, reader->GetSliceEntryInfo(e.name, s));
          stored.push_back(si);
        }
      } else {
        stored.push_back(e);
      }
      for (const BundleEntryInfo& s : stored) {
        for (int64_t i = s.offset; i < s.offset + s.size; ++i) {
          owner_[static_cast<size_t>(i)] = e.name;
        }
      }
    }
    for (size_t i = 0; i < owner_.size(); ++i) ASSERT_NE(owner_[i], "") << "byte " << i;
  }

  std::string IndexPath() const { return prefix_ + ".index"; }
  std::string DataPath() const { return prefix_ + ".data-00000-of-00001"; }

  // Opens, lists, reads every tensor and verifies; returns every error seen.
  // A read or listing that succeeds must match the original bundle exactly.
  std::vector<Status> Exercise() {
    const auto start = std::chrono::steady_clock::now();
    std::vector<Status> errors;
    StatusOr<std::unique_ptr<BundleReader>> reader = BundleReader::Open(prefix_);
    if (!reader.ok()) {
      errors.push_back(reader.status());
    } else {
      StatusOr<std::vector<BundleEntryInfo>> entries = (*reader)->ListEntries();
      if (entries.ok()) {
        std::set<std::string> names;
        for (const BundleEntryInfo& e : *entries) names.insert(e.name);
        std::set<std::string> expected;
        for (const auto& [name, tensor] : originals_) expected.insert(name);
        EXPECT_EQ(names, expected) << "listing changed without an error";
      } else {
        errors.push_back(entries.status());
      }
      for (const auto& [name, original] : originals_) {
        StatusOr<Tensor> t = (*reader)->ReadTensor(name);
        if (t.ok()) {
          EXPECT_TRUE(t->IdenticalTo(original)) << name << " changed without an error";
        } else {
          errors.push_back(t.status());
        }
      }
      for (const Status& s : (*reader)->Verify()) errors.push_back(s);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, kMaxExerciseTime);
    for (const Status& s : errors) {
      EXPECT_FALSE(s.ok());
      EXPECT_NE(s.code(), StatusCode::kInternal) << s;
    }
    return errors;
  }

  TempDir dir_;
  std::string prefix_;
  std::map<std::string, Tensor> originals_;
  std::string index_;
  std::string data_;
  std::vector<std::string> owner_;
};

TEST_F(CorruptionTest, PristineBundleIsClean) {
  EXPECT_THAT(Exercise(), IsEmpty());
}

TEST_F(CorruptionTest, EveryIndexByteFlipped) {
  const unsigned char kMasks[] = {0x01, 0xff};
  for (const unsigned char mask : kMasks) {
    for (size_t pos = 0; pos < index_.size(); ++pos) {
      SCOPED_TRACE(::testing::Message() << "index byte " << pos << " ^ " << int{mask});
      WriteFileOrDie(IndexPath(), Flipped(index_, pos, mask));
      // Either some step reports the damage or every value is intact.
      Exercise();
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST_F(CorruptionTest, EveryDataByteFlipped) {
  for (size_t pos = 0; pos < data_.size(); ++pos) {
    const std::string& owner = owner_[pos];
    SCOPED_TRACE(::testing::Message() << "data byte " << pos << " of " << owner);
    WriteFileOrDie(DataPath(), Flipped(data_, pos, 0x01));
    const std::vector<Status> errors = Exercise();
    EXPECT_THAT(errors, Not(IsEmpty()));
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto reader, BundleReader::Open(prefix_));
    EXPECT_THAT(reader->ReadTensor(owner), StatusIs(StatusCode::kDataLoss, HasSubstr(owner)));
    const std::vector<Status> problems = reader->Verify();
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_THAT(problems[0], StatusIs(StatusCode::kDataLoss, HasSubstr(owner)));
    if (::testing::Test::HasFailure()) return;
  }
}

TEST_F(CorruptionTest, IndexTruncatedAtEveryLength) {
  for (size_t len = 0; len < index_.size(); ++len) {
    SCOPED_TRACE(::testing::Message() << "index cut to " << len);
    WriteFileOrDie(IndexPath(), index_.substr(0, len));
    EXPECT_THAT(BundleReader::Open(prefix_), StatusIs(StatusCode::kDataLoss));
    EXPECT_THAT(Exercise(), Not(IsEmpty()));
    if (::testing::Test::HasFailure()) return;
  }
}

TEST_F(CorruptionTest, DataTruncatedAtEveryLength) {
  for (size_t len = 0; len < data_.size(); ++len) {
    SCOPED_TRACE(::testing::Message() << "data cut to " << len);
    WriteFileOrDie(DataPath(), data_.substr(0, len));
    EXPECT_THAT(Exercise(), Not(IsEmpty()));
    // The tensor that owned the first missing byte cannot be read.
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto reader, BundleReader::Open(prefix_));
    EXPECT_FALSE(reader->ReadTensor(owner_[len]).ok());
    if (::testing::Test::HasFailure()) return;
  }
}

TEST_F(CorruptionTest, MissingDataFile) {
  ASSERT_EQ(std::remove(DataPath().c_str()), 0);
  const std::vector<Status> errors = Exercise();
  EXPECT_THAT(errors, Not(IsEmpty()));
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto reader, BundleReader::Open(prefix_));
  EXPECT_THAT(reader->ReadTensor("alpha_w"),
              AnyOf(StatusIs(StatusCode::kNotFound, HasSubstr("ckpt.data-00000-of-00001")),
                    StatusIs(StatusCode::kDataLoss, HasSubstr("ckpt.data-00000-of-00001"))));
}

// --- Hand-built hostile indexes ----------------------------------------------

using Entries = std::map<std::string, std::string>;

tensorflow::BundleHeaderProto Header(int32_t num_shards = 1) {
  tensorflow::BundleHeaderProto h;
  h.set_num_shards(num_shards);
  h.mutable_version()->set_producer(1);
  return h;
}

tensorflow::BundleEntryProto Entry(int dtype, const std::vector<int64_t>& dims, int64_t offset,
                                   int64_t size, const std::string& data) {
  tensorflow::BundleEntryProto e;
  e.set_dtype(static_cast<tensorflow::DataType>(dtype));
  for (int64_t d : dims) e.mutable_shape()->add_dim()->set_size(d);
  e.set_offset(offset);
  e.set_size(size);
  // A correct checksum whenever the range lies inside `data`.
  if (offset >= 0 && size >= 0 && static_cast<uint64_t>(offset) <= data.size() &&
      static_cast<uint64_t>(size) <= data.size() - static_cast<uint64_t>(offset)) {
    e.set_crc32c(crc32c::Mask(crc32c::Value(
        std::string_view(data).substr(static_cast<size_t>(offset), static_cast<size_t>(size)))));
  }
  return e;
}

void AddSlice(tensorflow::BundleEntryProto* e, const std::vector<std::pair<int64_t, int64_t>>& extents) {
  tensorflow::TensorSliceProto* s = e->add_slices();
  for (const auto& [start, length] : extents) {
    auto* x = s->add_extent();
    x->set_start(start);
    x->set_length(length);
  }
}

std::string SliceKey(const std::string& name, const std::string& spec) {
  StatusOr<TensorSlice> slice = TensorSlice::Parse(spec);
  EXPECT_TRUE(slice.ok());
  return internal::EncodeTensorNameSlice(name, *slice);
}

Status WriteIndex(const std::string& path, const std::string& header, const Entries& entries) {
  TFCKPT_ASSIGN_OR_RETURN(auto file, FileSystem::Default()->OpenForWrite(path));
  TFCKPT_ASSIGN_OR_RETURN(auto builder, internal::TableBuilder::Create(file.get()));
  TFCKPT_RETURN_IF_ERROR(builder->Add("", header));
  for (const auto& [key, value] : entries) TFCKPT_RETURN_IF_ERROR(builder->Add(key, value));
  TFCKPT_RETURN_IF_ERROR(builder->Finish());
  return file->Close();
}

class HostileIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prefix_ = dir_.Join("evil");
    data_.resize(100);
    for (size_t i = 0; i < data_.size(); ++i) data_[i] = static_cast<char>(i * 7 + 3);
    WriteFileOrDie(prefix_ + ".data-00000-of-00001", data_);
  }

  void Write(const tensorflow::BundleHeaderProto& header, const Entries& entries) {
    ASSERT_THAT(WriteIndex(prefix_ + ".index", header.SerializeAsString(), entries), IsOk());
  }
  void Write(const Entries& entries) { Write(Header(), entries); }

  // Opens and reads `name` (then lists and verifies). The first failure
  // must match `expected`; nothing may succeed with a tensor, nothing may
  // try to allocate what the index claims (RESOURCE_EXHAUSTED).
  template <typename Matcher>
  void ExpectReadFails(const std::string& name, Matcher expected) {
    const auto start = std::chrono::steady_clock::now();
    StatusOr<std::unique_ptr<BundleReader>> reader = BundleReader::Open(prefix_);
    if (!reader.ok()) {
      EXPECT_THAT(reader.status(), expected);
      return;
    }
    EXPECT_THAT((*reader)->ReadTensor(name), expected);
    StatusOr<std::vector<BundleEntryInfo>> entries = (*reader)->ListEntries();
    if (entries.ok()) {
      TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor dst, Tensor::Allocate(DataType::kFloat, {1}));
      for (const BundleEntryInfo& e : *entries) {
        EXPECT_THAT((*reader)->ReadTensorInto(e.name, &dst), Not(IsOk()));
      }
    }
    const std::vector<Status> problems = (*reader)->Verify();
    EXPECT_THAT(problems, Not(IsEmpty()));
    for (const Status& s : problems) {
      EXPECT_THAT(s, Not(StatusIs(StatusCode::kResourceExhausted)));
      EXPECT_THAT(s, Not(StatusIs(StatusCode::kInternal)));
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, kMaxExerciseTime);
  }

  TempDir dir_;
  std::string prefix_;
  std::string data_;
};

const auto kCorrupt = AnyOf(StatusIs(StatusCode::kDataLoss), StatusIs(StatusCode::kInvalidArgument));
const auto kCorruptOrUnsupported =
    AnyOf(StatusIs(StatusCode::kDataLoss), StatusIs(StatusCode::kInvalidArgument),
          StatusIs(StatusCode::kUnimplemented));
const auto kCorruptOrMissing =
    AnyOf(StatusIs(StatusCode::kDataLoss), StatusIs(StatusCode::kInvalidArgument),
          StatusIs(StatusCode::kNotFound));

constexpr int kFloat = 1;
constexpr int kString = 7;

TEST_F(HostileIndexTest, ValidHandBuiltIndexReads) {
  // The helpers themselves build a readable bundle.
  Write({{"t", Entry(kFloat, {25}, 0, 100, data_).SerializeAsString()}});
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto reader, BundleReader::Open(prefix_));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, reader->ReadTensor("t"));
  EXPECT_EQ(t.bytes(), data_);
  EXPECT_THAT(reader->Verify(), IsEmpty());
}

TEST_F(HostileIndexTest, TerabyteTensorClaim) {
  // 2^38 floats = 1 TiB, in a 100-byte file.
  Write({{"t", Entry(kFloat, {int64_t{1} << 38}, 0, int64_t{1} << 40, data_).SerializeAsString()}});
  ExpectReadFails("t", kCorrupt);
}

TEST_F(HostileIndexTest, TerabyteShapeWithSmallSize) {
  Write({{"t", Entry(kFloat, {int64_t{1} << 38}, 0, 100, data_).SerializeAsString()}});
  ExpectReadFails("t", kCorrupt);
}

TEST_F(HostileIndexTest, HugeStringCount) {
  // 2^33 strings claimed by 100 bytes.
  Write({{"t", Entry(kString, {int64_t{1} << 33}, 0, 100, data_).SerializeAsString()}});
  ExpectReadFails("t", kCorrupt);
}

TEST_F(HostileIndexTest, StringCountLargerThanBytes) {
  Write({{"t", Entry(kString, {50}, 0, 20, data_).SerializeAsString()}});
  ExpectReadFails("t", kCorrupt);
}

TEST_F(HostileIndexTest, NegativeDim) {
  Write({{"t", Entry(kFloat, {-5}, 0, 100, data_).SerializeAsString()}});
  ExpectReadFails("t", kCorrupt);
}

TEST_F(HostileIndexTest, DimsOverflowingInt64) {
  Write({{"t", Entry(kFloat, {int64_t{1} << 40, int64_t{1} << 40}, 0, 100, data_).SerializeAsString()}});
  ExpectReadFails("t", kCorrupt);
}

TEST_F(HostileIndexTest, TooManyDims) {
  Write({{"t", Entry(kFloat, std::vector<int64_t>(255, 1), 0, 4, data_).SerializeAsString()}});
  ExpectReadFails("t", kCorrupt);
}

TEST_F(HostileIndexTest, UnknownDtype) {
  Write({{"t", Entry(99, {25}, 0, 100, data_).SerializeAsString()}});
  ExpectReadFails("t", kCorruptOrUnsupported);
}

TEST_F(HostileIndexTest, UnstorableDtypes) {
  for (int dtype : {0, 20, 21, 101}) {
    SCOPED_TRACE(dtype);
    Write({{"t", Entry(dtype, {25}, 0, 100, data_).SerializeAsString()}});
    ExpectReadFails("t", kCorruptOrUnsupported);
  }
}

TEST_F(HostileIndexTest, SizeDisagreesWithShape) {
  Write({{"t", Entry(kFloat, {4}, 0, 15, data_).SerializeAsString()}});
  ExpectReadFails("t", kCorrupt);
}

TEST_F(HostileIndexTest, WrongChecksum) {
  auto e = Entry(kFloat, {4}, 0, 16, data_);
  e.set_crc32c(e.crc32c() ^ 1);
  Write({{"t", e.SerializeAsString()}});
  ExpectReadFails("t", StatusIs(StatusCode::kDataLoss, HasSubstr("'t'")));
}

TEST_F(HostileIndexTest, ShardIdOutOfRange) {
  auto e = Entry(kFloat, {4}, 0, 16, data_);
  e.set_shard_id(1);
  Write({{"t", e.SerializeAsString()}});
  ExpectReadFails("t", kCorrupt);
  e.set_shard_id(-1);
  Write({{"t", e.SerializeAsString()}});
  ExpectReadFails("t", kCorrupt);
}

TEST_F(HostileIndexTest, RangePastEndOfData) {
  Write({{"t", Entry(kFloat, {10}, 80, 40, data_).SerializeAsString()}});
  ExpectReadFails("t", StatusIs(StatusCode::kDataLoss, HasSubstr("'t'")));
  Write({{"t", Entry(kFloat, {1}, 1000, 4, data_).SerializeAsString()}});
  ExpectReadFails("t", StatusIs(StatusCode::kDataLoss));
  Write({{"t", Entry(kFloat, {1}, INT64_MAX - 2, 4, data_).SerializeAsString()}});
  ExpectReadFails("t", kCorrupt);
  Write({{"t", Entry(kFloat, {2}, -8, 8, data_).SerializeAsString()}});
  ExpectReadFails("t", kCorrupt);
}

TEST_F(HostileIndexTest, BadNumShards) {
  const std::string entry = Entry(kFloat, {4}, 0, 16, data_).SerializeAsString();
  for (int32_t num_shards : {0, -1, std::numeric_limits<int32_t>::max()}) {
    SCOPED_TRACE(num_shards);
    Write(Header(num_shards), {{"t", entry}});
    ExpectReadFails("t", kCorruptOrMissing);
  }
}

TEST_F(HostileIndexTest, EntryValueNotAProto) {
  Write({{"t", std::string("\xff\xff\xff\xff", 4)}});
  ExpectReadFails("t", kCorrupt);
}

TEST_F(HostileIndexTest, MissingHeader) {
  ASSERT_THAT(WriteIndex(prefix_ + ".index", "", {}), IsOk());
  // An empty header value parses as an empty proto: num_shards 0.
  ExpectReadFails("t", kCorruptOrMissing);
}

TEST_F(HostileIndexTest, HeaderNotAProto) {
  ASSERT_THAT(WriteIndex(prefix_ + ".index", "\xff\xff\xff", {}), IsOk());
  EXPECT_THAT(BundleReader::Open(prefix_), kCorrupt);
}

TEST_F(HostileIndexTest, HeaderFromTheFuture) {
  auto h = Header();
  h.mutable_version()->set_min_consumer(5);
  Write(h, {{"t", Entry(kFloat, {4}, 0, 16, data_).SerializeAsString()}});
  EXPECT_THAT(BundleReader::Open(prefix_), kCorruptOrUnsupported);
}

TEST_F(HostileIndexTest, BigEndianBundle) {
  // Either refused or byte-swapped; never the raw little-endian bytes.
  auto h = Header();
  h.set_endianness(tensorflow::BundleHeaderProto::BIG);
  Write(h, {{"t", Entry(kFloat, {4}, 0, 16, data_).SerializeAsString()}});
  StatusOr<std::unique_ptr<BundleReader>> reader = BundleReader::Open(prefix_);
  if (!reader.ok()) {
    EXPECT_THAT(reader.status(), kCorruptOrUnsupported);
    return;
  }
  StatusOr<Tensor> t = (*reader)->ReadTensor("t");
  if (!t.ok()) {
    EXPECT_THAT(t.status(), kCorruptOrUnsupported);
    return;
  }
  std::string swapped = data_.substr(0, 16);
  for (size_t i = 0; i < 16; i += 4) {
    std::swap(swapped[i], swapped[i + 3]);
    std::swap(swapped[i + 1], swapped[i + 2]);
  }
  EXPECT_EQ(t->bytes(), swapped);
}

TEST_F(HostileIndexTest, SliceDataMissing) {
  auto full = Entry(kFloat, {4}, 0, 0, data_);
  AddSlice(&full, {{0, 2}});
  AddSlice(&full, {{2, 2}});
  Write({{"p", full.SerializeAsString()},
         {SliceKey("p", "0,2"), Entry(kFloat, {2}, 0, 8, data_).SerializeAsString()}});
  ExpectReadFails("p", kCorruptOrMissing);
}

TEST_F(HostileIndexTest, SliceDataWithWrongShape) {
  auto full = Entry(kFloat, {4}, 0, 0, data_);
  AddSlice(&full, {{0, 4}});
  AddSlice(&full, {{0, 2}});
  Write({{"p", full.SerializeAsString()},
         {SliceKey("p", "0,2"), Entry(kFloat, {3}, 0, 12, data_).SerializeAsString()},
         {SliceKey("p", "0,4"), Entry(kFloat, {3}, 0, 12, data_).SerializeAsString()}});
  ExpectReadFails("p", kCorrupt);
}

TEST_F(HostileIndexTest, SliceDataIsItselfPartitioned) {
  auto full = Entry(kFloat, {4}, 0, 0, data_);
  AddSlice(&full, {{0, 2}});
  AddSlice(&full, {{2, 2}});
  auto inner = Entry(kFloat, {2}, 0, 0, data_);
  AddSlice(&inner, {{0, 2}});
  Write({{"p", full.SerializeAsString()},
         {SliceKey("p", "0,2"), inner.SerializeAsString()},
         {SliceKey("p", "2,2"), Entry(kFloat, {2}, 8, 8, data_).SerializeAsString()}});
  ExpectReadFails("p", kCorrupt);
}

TEST_F(HostileIndexTest, SliceOutsideTheTensor) {
  auto full = Entry(kFloat, {4}, 0, 0, data_);
  AddSlice(&full, {{3, 5}});
  Write({{"p", full.SerializeAsString()},
         {SliceKey("p", "3,5"), Entry(kFloat, {5}, 0, 20, data_).SerializeAsString()}});
  ExpectReadFails("p", kCorrupt);
}

TEST_F(HostileIndexTest, SameSliceListedTwice) {
  // Counting elements twice must not pass for full coverage (the result
  // would hold uninitialized memory).
  auto full = Entry(kFloat, {4}, 0, 0, data_);
  AddSlice(&full, {{0, 2}});
  AddSlice(&full, {{0, 2}});
  Write({{"p", full.SerializeAsString()},
         {SliceKey("p", "0,2"), Entry(kFloat, {2}, 0, 8, data_).SerializeAsString()}});
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto reader, BundleReader::Open(prefix_));
  EXPECT_THAT(reader->ReadTensor("p"), kCorruptOrMissing);
}

TEST_F(HostileIndexTest, HugePartitionedTensorIsNotAllocated) {
  // A 1 TiB partitioned tensor of which 2 floats are stored: reading it all
  // fails on coverage, before allocating; reading the stored part works.
  auto full = Entry(kFloat, {int64_t{1} << 38}, 0, 0, data_);
  AddSlice(&full, {{0, 2}});
  Write({{"p", full.SerializeAsString()},
         {SliceKey("p", "0,2"), Entry(kFloat, {2}, 0, 8, data_).SerializeAsString()}});
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto reader, BundleReader::Open(prefix_));
  EXPECT_THAT(reader->ReadTensor("p"), kCorruptOrMissing);
  TFCKPT_ASSERT_OK_AND_ASSIGN(TensorSlice stored, TensorSlice::Parse("0,2"));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor part, reader->ReadSlice("p", stored));
  EXPECT_EQ(part.bytes(), data_.substr(0, 8));
  EXPECT_THAT(reader->Verify(), IsEmpty());
}

class BrokenIndexFileTest : public ::testing::Test {
 protected:
  void ExpectOpenFails(const std::string& contents) {
    WriteFileOrDie(dir_.Join("x.index"), contents);
    EXPECT_THAT(BundleReader::Open(dir_.Join("x")),
                StatusIs(StatusCode::kDataLoss, HasSubstr("x.index")));
  }
  TempDir dir_;
};

TEST_F(BrokenIndexFileTest, EmptyFile) { ExpectOpenFails(""); }

TEST_F(BrokenIndexFileTest, FortySevenBytes) { ExpectOpenFails(std::string(47, '\0')); }

TEST_F(BrokenIndexFileTest, FooterPointsOutsideTheFile) {
  const std::string path = dir_.Join("x.index");
  ASSERT_THAT(WriteIndex(path, Header().SerializeAsString(), {}), IsOk());
  const std::string good = ReadFileOrDie(path);
  ASSERT_GE(good.size(), 48u);
  for (const uint64_t offset : {uint64_t{1} << 30, uint64_t{good.size()}, UINT64_MAX}) {
    SCOPED_TRACE(offset);
    std::string handles;
    internal::PutVarint64(&handles, 0);  // metaindex
    internal::PutVarint64(&handles, 8);
    internal::PutVarint64(&handles, offset);  // index block
    internal::PutVarint64(&handles, 100);
    std::string bad = good;
    bad.replace(good.size() - 48, handles.size(), handles);
    ExpectOpenFails(bad);
  }
  // A huge index block size.
  std::string handles;
  internal::PutVarint64(&handles, 0);
  internal::PutVarint64(&handles, 8);
  internal::PutVarint64(&handles, 0);
  internal::PutVarint64(&handles, uint64_t{1} << 40);
  std::string bad = good;
  bad.replace(good.size() - 48, handles.size(), handles);
  ExpectOpenFails(bad);
}

TEST_F(BrokenIndexFileTest, NotATable) {
  ExpectOpenFails(std::string(4096, 'x'));
  std::string random(1000, '\0');
  for (size_t i = 0; i < random.size(); ++i) random[i] = static_cast<char>(i * 131 + 7);
  ExpectOpenFails(random);
}

}  // namespace
}  // namespace tfckpt
