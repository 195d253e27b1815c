// Round-trip property tests of BundleWriter + BundleReader.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "src/bundle/naming.h"
#include "tests/testing/testing.h"
#include "tfckpt/bundle_reader.h"
#include "tfckpt/bundle_writer.h"
#include "tfckpt/file_system.h"

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

// Every dtype a bundle can hold (all valid types but resource and variant).
std::vector<DataType> SavableDataTypes() {
  std::vector<DataType> out;
  for (int v = 1; v <= 33; ++v) {
    const auto dtype = static_cast<DataType>(v);
    if (dtype == DataType::kResource || dtype == DataType::kVariant) continue;
    out.push_back(dtype);
  }
  return out;
}

std::string RandomString(std::mt19937_64& rng) {
  size_t len = 0;
  switch (rng() % 8) {
    case 0: len = 0; break;
    case 1: len = 128 + rng() % 300; break;  // two-byte varint length
    default: len = rng() % 12; break;
  }
  std::string s(len, '\0');
  for (char& c : s) c = (rng() % 5 == 0) ? '\0' : static_cast<char>(rng());
  return s;
}

void FillRandom(Tensor* t, std::mt19937_64& rng) {
  if (t->dtype() == DataType::kString) {
    for (std::string& s : t->mutable_strings()) s = RandomString(rng);
    return;
  }
  auto* p = static_cast<unsigned char*>(t->mutable_data());
  const size_t n = t->byte_size();
  if (t->dtype() == DataType::kBool) {
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<unsigned char>(rng() & 1);
    return;
  }
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t r = rng();
    std::memcpy(p + i, &r, std::min<size_t>(8, n - i));
  }
}

StatusOr<Tensor> RandomTensor(DataType dtype, const TensorShape& shape, std::mt19937_64& rng) {
  TFCKPT_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(dtype, shape));
  FillRandom(&t, rng);
  return t;
}

// Files in `dir` that are neither the bundle's index nor its data files.
std::vector<std::string> DirEntries(const std::string& dir) {
  StatusOr<std::vector<std::string>> names = FileSystem::Default()->ListDir(dir);
  EXPECT_TRUE(names.ok()) << names.status();
  if (!names.ok()) return {};
  std::sort(names->begin(), names->end());
  return *names;
}

bool AnyTemp(const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(), [](const std::string& n) {
    return n.find("tempstate") != std::string::npos;
  });
}

uint64_t RoundUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

struct Written {
  std::string name;
  Tensor tensor;
};

class BundleRoundTripTest : public ::testing::TestWithParam<int> {
 protected:
  TempDir dir_;
};

TEST_P(BundleRoundTripTest, EveryDtypeAndShape) {
  const int alignment = GetParam();
  const uint32_t seed = ::tfckpt::testing::RandomSeed();
  SCOPED_TRACE(::testing::Message() << "seed " << seed << " alignment " << alignment);
  std::mt19937_64 rng(seed);

  const std::vector<std::pair<std::string, TensorShape>> shapes = {
      {"scalar", TensorShape()}, {"empty", TensorShape({0})},
      {"empty2", TensorShape({3, 0})}, {"vec", TensorShape({5})},
      {"cube", TensorShape({2, 3, 4})}, {"large", TensorShape({300000})},
  };
  const std::string prefix = dir_.Join("model-1");
  BundleWriterOptions options;
  options.data_alignment = alignment;
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(prefix, options));
  EXPECT_EQ(writer->prefix(), prefix);
  std::vector<Written> written;
  for (DataType dtype : SavableDataTypes()) {
    for (const auto& [label, shape] : shapes) {
      SCOPED_TRACE(std::string(DataTypeName(dtype)) + " " + label);
      TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, RandomTensor(dtype, shape, rng));
      const std::string name = std::string(DataTypeName(dtype)) + "/" + label;
      ASSERT_THAT(writer->Add(name, t), IsOk());
      written.push_back({name, t});
    }
  }
  ASSERT_THAT(writer->Finish(), IsOk());
  writer.reset();
  EXPECT_THAT(DirEntries(dir_.path()),
              ElementsAre("model-1.data-00000-of-00001", "model-1.index"));

  TFCKPT_ASSERT_OK_AND_ASSIGN(auto reader, BundleReader::Open(prefix));
  EXPECT_EQ(reader->prefix(), prefix);
  EXPECT_EQ(reader->num_shards(), 1);
  EXPECT_THAT(reader->Verify(), IsEmpty());

  // Data file layout: add order, each tensor at the next aligned offset,
  // zero padding in between.
  const std::string data = ReadFileOrDie(prefix + ".data-00000-of-00001");
  uint64_t end = 0;
  for (const Written& w : written) {
    SCOPED_TRACE(w.name);
    TFCKPT_ASSERT_OK_AND_ASSIGN(BundleEntryInfo info, reader->GetEntryInfo(w.name));
    EXPECT_EQ(info.name, w.name);
    EXPECT_EQ(info.dtype, w.tensor.dtype());
    EXPECT_EQ(info.shape, w.tensor.shape());
    EXPECT_FALSE(info.partitioned());
    EXPECT_EQ(info.shard_id, 0);
    const uint64_t expected_offset = RoundUp(end, static_cast<uint64_t>(alignment));
    EXPECT_EQ(static_cast<uint64_t>(info.offset), expected_offset);
    ASSERT_LE(expected_offset, data.size());
    EXPECT_EQ(data.substr(end, expected_offset - end), std::string(expected_offset - end, '\0'));
    if (w.tensor.dtype() != DataType::kString) {
      EXPECT_EQ(static_cast<size_t>(info.size), w.tensor.byte_size());
      ASSERT_LE(static_cast<size_t>(info.offset) + w.tensor.byte_size(), data.size());
      EXPECT_TRUE(data.compare(static_cast<size_t>(info.offset), w.tensor.byte_size(),
                               w.tensor.bytes()) == 0);
    }
    end = static_cast<uint64_t>(info.offset + info.size);

    TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor back, reader->ReadTensor(w.name));
    EXPECT_TRUE(back.IdenticalTo(w.tensor)) << back.DebugString();
    if (back.dtype() != DataType::kString && back.byte_size() > 0) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(back.data()) % Tensor::kAlignment, 0u);
    }
  }
  EXPECT_EQ(data.size(), RoundUp(end, static_cast<uint64_t>(alignment)));

  TFCKPT_ASSERT_OK_AND_ASSIGN(std::vector<BundleEntryInfo> entries, reader->ListEntries());
  ASSERT_EQ(entries.size(), written.size());
  for (size_t i = 1; i < entries.size(); ++i) {
    EXPECT_LT(entries[i - 1].name, entries[i].name);
  }
}

INSTANTIATE_TEST_SUITE_P(Alignments, BundleRoundTripTest, ::testing::Values(1, 8, 64));

class BundleTest : public ::testing::Test {
 protected:
  std::string Prefix() const { return dir_.Join("ckpt"); }

  // Writes `tensors` in order with default options.
  void WriteBundle(const std::vector<Written>& tensors) {
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(Prefix()));
    for (const Written& w : tensors) ASSERT_THAT(writer->Add(w.name, w.tensor), IsOk());
    ASSERT_THAT(writer->Finish(), IsOk());
  }

  std::unique_ptr<BundleReader> Open() {
    StatusOr<std::unique_ptr<BundleReader>> r = BundleReader::Open(Prefix());
    EXPECT_THAT(r, IsOk());
    return r.ok() ? std::move(r).value() : nullptr;
  }

  TempDir dir_;
};

Tensor Floats(const TensorShape& shape, float start) {
  StatusOr<Tensor> t = Tensor::Allocate(DataType::kFloat, shape);
  EXPECT_TRUE(t.ok());
  auto v = t->mutable_flat<float>();
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + static_cast<float>(i);
  return *t;
}

Tensor Strings(const TensorShape& shape, std::vector<std::string> values) {
  StatusOr<Tensor> t = Tensor::FromStrings(shape, std::move(values));
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : Tensor();
}

TEST_F(BundleTest, StringTensors) {
  const std::vector<Written> tensors = {
      {"scalar", Strings({}, {"hello"})},
      {"empty_scalar", Strings({}, {""})},
      {"none", Strings({0}, {})},
      {"none2", Strings({2, 0}, {})},
      {"mixed", Strings({2, 3}, {"", std::string("a\0b", 3), std::string(1, '\0'),
                                 std::string(127, 'x'), std::string(128, 'y'),
                                 std::string(70000, '\xff')})},
      {"all_empty", Strings({4}, {"", "", "", ""})},
  };
  WriteBundle(tensors);
  auto reader = Open();
  ASSERT_NE(reader, nullptr);
  EXPECT_THAT(reader->Verify(), IsEmpty());
  for (const Written& w : tensors) {
    SCOPED_TRACE(w.name);
    TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor back, reader->ReadTensor(w.name));
    EXPECT_EQ(back.dtype(), DataType::kString);
    EXPECT_EQ(back.shape(), w.tensor.shape());
    EXPECT_EQ(back.strings(), w.tensor.strings());
  }
  // A zero-element string tensor still takes the 4 checksum bytes.
  TFCKPT_ASSERT_OK_AND_ASSIGN(BundleEntryInfo none, reader->GetEntryInfo("none"));
  EXPECT_EQ(none.size, 4);
}

TEST_F(BundleTest, ListingAndLookups) {
  WriteBundle({{"b", Floats({2}, 0)}, {"a/x", Floats({}, 1)}, {"c", Strings({1}, {"s"})}});
  auto reader = Open();
  ASSERT_NE(reader, nullptr);
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto entries, reader->ListEntries());
  std::vector<std::string> names;
  for (const auto& e : entries) names.push_back(e.name);
  EXPECT_THAT(names, ElementsAre("a/x", "b", "c"));
  EXPECT_TRUE(reader->Contains("b"));
  EXPECT_FALSE(reader->Contains("missing"));
  EXPECT_FALSE(reader->Contains(""));
  EXPECT_FALSE(reader->Contains("a"));
  EXPECT_THAT(reader->GetEntryInfo("missing"), StatusIs(StatusCode::kNotFound, HasSubstr("missing")));
  EXPECT_THAT(reader->GetEntryInfo(""), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(reader->ReadTensor("missing"), StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(reader->ReadSlice("missing", TensorSlice::Full(1)), StatusIs(StatusCode::kNotFound));
  Tensor dst = Floats({2}, 0);
  EXPECT_THAT(reader->ReadTensorInto("missing", &dst), StatusIs(StatusCode::kNotFound));
  TFCKPT_ASSERT_OK_AND_ASSIGN(BundleEntryInfo b, reader->GetEntryInfo("b"));
  EXPECT_EQ(b.dtype, DataType::kFloat);
  EXPECT_EQ(b.shape, TensorShape({2}));
  EXPECT_EQ(b.offset, 0);  // added first
  EXPECT_EQ(b.size, 8);
  TFCKPT_ASSERT_OK_AND_ASSIGN(BundleEntryInfo ax, reader->GetEntryInfo("a/x"));
  EXPECT_EQ(ax.offset, 8);
}

TEST_F(BundleTest, EmptyBundle) {
  WriteBundle({});
  auto reader = Open();
  ASSERT_NE(reader, nullptr);
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto entries, reader->ListEntries());
  EXPECT_THAT(entries, IsEmpty());
  EXPECT_THAT(reader->Verify(), IsEmpty());
  EXPECT_EQ(ReadFileOrDie(Prefix() + ".data-00000-of-00001"), "");
}

TEST_F(BundleTest, ReadTensorInto) {
  const Tensor w = Floats({3, 4}, 10);
  WriteBundle({{"w", w}, {"s", Strings({2}, {"x", "yz"})}});
  auto reader = Open();
  ASSERT_NE(reader, nullptr);

  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor dst, Tensor::Zeros(DataType::kFloat, {3, 4}));
  const void* buffer = dst.data();
  ASSERT_THAT(reader->ReadTensorInto("w", &dst), IsOk());
  EXPECT_TRUE(dst.IdenticalTo(w));
  EXPECT_EQ(dst.data(), buffer);  // filled in place

  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor wrong_shape, Tensor::Zeros(DataType::kFloat, {4, 3}));
  EXPECT_THAT(reader->ReadTensorInto("w", &wrong_shape), StatusIs(StatusCode::kInvalidArgument));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor wrong_rank, Tensor::Zeros(DataType::kFloat, {12}));
  EXPECT_THAT(reader->ReadTensorInto("w", &wrong_rank), StatusIs(StatusCode::kInvalidArgument));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor wrong_dtype, Tensor::Zeros(DataType::kInt32, {3, 4}));
  EXPECT_THAT(reader->ReadTensorInto("w", &wrong_dtype), StatusIs(StatusCode::kInvalidArgument));
  auto owner = std::make_shared<std::vector<float>>(12, 0.0f);
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor view,
                              Tensor::View(DataType::kFloat, {3, 4}, owner->data(), 48, owner));
  EXPECT_THAT(reader->ReadTensorInto("w", &view), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(*owner, ::testing::Each(0.0f));
  Tensor placeholder;
  EXPECT_THAT(reader->ReadTensorInto("w", &placeholder), StatusIs(StatusCode::kInvalidArgument));

  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor sdst, Tensor::Allocate(DataType::kString, {2}));
  ASSERT_THAT(reader->ReadTensorInto("s", &sdst), IsOk());
  EXPECT_THAT(sdst.strings(), ElementsAre("x", "yz"));
}

TEST_F(BundleTest, ReadSliceOfPlainTensor) {
  const Tensor w = Floats({4, 5}, 0);
  WriteBundle({{"w", w}});
  auto reader = Open();
  ASSERT_NE(reader, nullptr);
  TFCKPT_ASSERT_OK_AND_ASSIGN(TensorSlice slice, TensorSlice::Parse("1,2:2,3"));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor part, reader->ReadSlice("w", slice));
  EXPECT_EQ(part.shape(), TensorShape({2, 3}));
  EXPECT_THAT(part.flat<float>(), ElementsAre(7, 8, 9, 12, 13, 14));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor whole, reader->ReadSlice("w", TensorSlice::Full(2)));
  EXPECT_TRUE(whole.IdenticalTo(w));
  TFCKPT_ASSERT_OK_AND_ASSIGN(TensorSlice outside, TensorSlice::Parse("3,2:-"));
  EXPECT_THAT(reader->ReadSlice("w", outside), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(reader->ReadSlice("w", TensorSlice::Full(1)), StatusIs(StatusCode::kInvalidArgument));
}

// Elements of `slice` inside `full`, row-major, computed independently.
std::string Region(const Tensor& full, const TensorSlice& slice) {
  const size_t es = DataTypeSize(full.dtype());
  const int rank = full.shape().rank();
  std::vector<int64_t> start(static_cast<size_t>(rank)), len(static_cast<size_t>(rank));
  for (int d = 0; d < rank; ++d) {
    const auto i = static_cast<size_t>(d);
    start[i] = slice.IsFullAt(d) ? 0 : slice.extent(d).start;
    len[i] = slice.IsFullAt(d) ? full.shape().dim(d) : slice.extent(d).length;
  }
  std::string out;
  std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
  int64_t count = 1;
  for (int64_t l : len) count *= l;
  for (int64_t n = 0; n < count; ++n) {
    int64_t flat = 0;
    for (int d = 0; d < rank; ++d) {
      const auto i = static_cast<size_t>(d);
      flat = flat * full.shape().dim(d) + start[i] + idx[i];
    }
    out.append(full.bytes().substr(static_cast<size_t>(flat) * es, es));
    for (int d = rank - 1; d >= 0; --d) {
      const auto i = static_cast<size_t>(d);
      if (++idx[i] < len[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

// Cuts [0, n) into `parts` non-empty pieces at random points.
std::vector<std::pair<int64_t, int64_t>> RandomCuts(std::mt19937_64& rng, int64_t n, int parts) {
  std::vector<int64_t> cuts = {0, n};
  while (static_cast<int>(cuts.size()) < parts + 1) {
    const auto c = static_cast<int64_t>(1 + rng() % static_cast<uint64_t>(n - 1));
    if (std::find(cuts.begin(), cuts.end(), c) == cuts.end()) cuts.push_back(c);
  }
  std::sort(cuts.begin(), cuts.end());
  std::vector<std::pair<int64_t, int64_t>> out;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) out.emplace_back(cuts[i], cuts[i + 1] - cuts[i]);
  return out;
}

TEST_F(BundleTest, PartitionedTensorsRoundTrip) {
  const uint32_t seed = ::tfckpt::testing::RandomSeed();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);

  struct Partitioned {
    std::string name;
    Tensor full;
    int axis;
    std::vector<TensorSlice> slices;
  };
  std::vector<Partitioned> parts;
  const std::vector<std::pair<DataType, TensorShape>> specs = {
      {DataType::kFloat, TensorShape({10, 6})},   {DataType::kDouble, TensorShape({7, 3, 5})},
      {DataType::kInt64, TensorShape({9})},       {DataType::kBool, TensorShape({5, 8})},
      {DataType::kComplex64, TensorShape({4, 4})}, {DataType::kInt8, TensorShape({3, 11})},
      {DataType::kBFloat16, TensorShape({6, 5})},  {DataType::kInt32, TensorShape({8, 9, 2})},
  };
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(Prefix()));
  const Tensor plain = Floats({3}, 100);
  ASSERT_THAT(writer->Add("plain", plain), IsOk());
  for (size_t k = 0; k < specs.size(); ++k) {
    const auto& [dtype, shape] = specs[k];
    Partitioned p;
    p.name = "part" + std::to_string(k);
    TFCKPT_ASSERT_OK_AND_ASSIGN(p.full, RandomTensor(dtype, shape, rng));
    // Split along dim 0 for even k, along the last dim otherwise.
    p.axis = (k % 2 == 0) ? 0 : shape.rank() - 1;
    const int pieces =
        static_cast<int>(std::min<int64_t>(2 + static_cast<int64_t>(rng() % 3), shape.dim(p.axis)));
    for (const auto& [start, length] : RandomCuts(rng, shape.dim(p.axis), pieces)) {
      std::vector<TensorSlice::Extent> extents;
      for (int d = 0; d < shape.rank(); ++d) {
        if (d == p.axis) {
          extents.push_back({start, length});
        } else if (rng() % 2 == 0) {
          extents.push_back({0, TensorSlice::kFullLength});
        } else {
          extents.push_back({0, shape.dim(d)});  // explicit, as SaveV2 writes
        }
      }
      TFCKPT_ASSERT_OK_AND_ASSIGN(TensorSlice slice, TensorSlice::Create(extents));
      TFCKPT_ASSERT_OK_AND_ASSIGN(TensorShape slice_shape, slice.SliceShape(shape));
      TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor piece,
                                  Tensor::FromBytes(dtype, slice_shape, Region(p.full, slice)));
      ASSERT_THAT(writer->AddSlice(p.name, shape, slice, piece), IsOk()) << slice.DebugString();
      p.slices.push_back(slice);
    }
    parts.push_back(std::move(p));
  }
  ASSERT_THAT(writer->Finish(), IsOk());
  writer.reset();

  auto reader = Open();
  ASSERT_NE(reader, nullptr);
  EXPECT_THAT(reader->Verify(), IsEmpty());

  // Listing shows the full tensors only; the slice keys stay hidden.
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto entries, reader->ListEntries());
  ASSERT_EQ(entries.size(), parts.size() + 1);
  for (const BundleEntryInfo& e : entries) {
    EXPECT_NE(e.name[0], '\0');
  }

  for (const Partitioned& p : parts) {
    SCOPED_TRACE(p.name);
    TFCKPT_ASSERT_OK_AND_ASSIGN(BundleEntryInfo info, reader->GetEntryInfo(p.name));
    EXPECT_TRUE(info.partitioned());
    EXPECT_EQ(info.dtype, p.full.dtype());
    EXPECT_EQ(info.shape, p.full.shape());
    EXPECT_THAT(info.slices, ::testing::UnorderedElementsAreArray(p.slices));
    for (const TensorSlice& s : p.slices) {
      TFCKPT_ASSERT_OK_AND_ASSIGN(BundleEntryInfo slice_info, reader->GetSliceEntryInfo(p.name, s));
      TFCKPT_ASSERT_OK_AND_ASSIGN(TensorShape slice_shape, s.SliceShape(p.full.shape()));
      EXPECT_EQ(slice_info.shape, slice_shape);
      EXPECT_FALSE(slice_info.partitioned());
    }
    EXPECT_THAT(reader->GetSliceEntryInfo(p.name, TensorSlice::Full(p.full.shape().rank())),
                StatusIs(StatusCode::kNotFound));

    TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor whole, reader->ReadTensor(p.name));
    EXPECT_TRUE(whole.IdenticalTo(p.full));
    TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor into, Tensor::Zeros(p.full.dtype(), p.full.shape()));
    ASSERT_THAT(reader->ReadTensorInto(p.name, &into), IsOk());
    EXPECT_TRUE(into.IdenticalTo(p.full));

    // Random sub-regions, most of them crossing slice boundaries.
    for (int i = 0; i < 25; ++i) {
      std::vector<TensorSlice::Extent> extents;
      for (int d = 0; d < p.full.shape().rank(); ++d) {
        const int64_t n = p.full.shape().dim(d);
        const auto start = static_cast<int64_t>(rng() % static_cast<uint64_t>(n));
        const auto length = static_cast<int64_t>(1 + rng() % static_cast<uint64_t>(n - start));
        if (rng() % 5 == 0) {
          extents.push_back({0, TensorSlice::kFullLength});
        } else {
          extents.push_back({start, length});
        }
      }
      TFCKPT_ASSERT_OK_AND_ASSIGN(TensorSlice region, TensorSlice::Create(extents));
      SCOPED_TRACE(region.DebugString());
      TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor got, reader->ReadSlice(p.name, region));
      TFCKPT_ASSERT_OK_AND_ASSIGN(TensorShape region_shape, region.SliceShape(p.full.shape()));
      EXPECT_EQ(got.dtype(), p.full.dtype());
      EXPECT_EQ(got.shape(), region_shape);
      EXPECT_TRUE(got.bytes() == Region(p.full, region));
    }
  }
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor plain_back, reader->ReadTensor("plain"));
  EXPECT_TRUE(plain_back.IdenticalTo(plain));
}

TEST_F(BundleTest, SliceCoveringWholeTensorIsStoredPlain) {
  const Tensor w = Floats({4, 2}, 0);
  {
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(Prefix()));
    TFCKPT_ASSERT_OK_AND_ASSIGN(TensorSlice all, TensorSlice::Parse("0,4:0,2"));
    ASSERT_THAT(writer->AddSlice("w", {4, 2}, all, w), IsOk());
    ASSERT_THAT(writer->Finish(), IsOk());
  }
  auto reader = Open();
  ASSERT_NE(reader, nullptr);
  TFCKPT_ASSERT_OK_AND_ASSIGN(BundleEntryInfo info, reader->GetEntryInfo("w"));
  EXPECT_FALSE(info.partitioned());
  EXPECT_EQ(info.size, 32);
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor back, reader->ReadTensor("w"));
  EXPECT_TRUE(back.IdenticalTo(w));
}

TEST_F(BundleTest, IncompletePartitionedTensor) {
  {
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(Prefix()));
    TFCKPT_ASSERT_OK_AND_ASSIGN(TensorSlice top, TensorSlice::Parse("0,2:-"));
    ASSERT_THAT(writer->AddSlice("w", {4, 2}, top, Floats({2, 2}, 0)), IsOk());
    ASSERT_THAT(writer->Finish(), IsOk());
  }
  auto reader = Open();
  ASSERT_NE(reader, nullptr);
  EXPECT_FALSE(reader->ReadTensor("w").ok());
  TFCKPT_ASSERT_OK_AND_ASSIGN(TensorSlice inside, TensorSlice::Parse("1,1:-"));
  TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor row, reader->ReadSlice("w", inside));
  EXPECT_THAT(row.flat<float>(), ElementsAre(2, 3));
  TFCKPT_ASSERT_OK_AND_ASSIGN(TensorSlice crossing, TensorSlice::Parse("1,2:-"));
  EXPECT_FALSE(reader->ReadSlice("w", crossing).ok());
}

TEST_F(BundleTest, AddSliceValidation) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(TensorSlice rows, TensorSlice::Parse("0,2:-"));
  TFCKPT_ASSERT_OK_AND_ASSIGN(TensorSlice outside, TensorSlice::Parse("3,2:-"));
  TFCKPT_ASSERT_OK_AND_ASSIGN(TensorSlice rank1, TensorSlice::Parse("0,2"));
  struct Case {
    const char* what;
    TensorSlice slice;
    Tensor piece;
  };
  const std::vector<Case> cases = {
      {"piece shape differs", rows, Floats({2, 3}, 0)},
      {"slice leaves the tensor", outside, Floats({2, 2}, 0)},
      {"rank differs", rank1, Floats({2}, 0)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    TempDir dir;
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(dir.Join("p")));
    EXPECT_THAT(writer->AddSlice("w", {4, 2}, c.slice, c.piece),
                StatusIs(StatusCode::kInvalidArgument));
  }
  TFCKPT_ASSERT_OK_AND_ASSIGN(TensorSlice rest, TensorSlice::Parse("2,2:-"));
  {
    // Slices of one tensor must agree on dtype and full shape.
    TempDir dir;
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(dir.Join("p")));
    ASSERT_THAT(writer->AddSlice("w", {4, 2}, rows, Floats({2, 2}, 0)), IsOk());
    TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor ints, Tensor::Zeros(DataType::kInt32, {2, 2}));
    EXPECT_THAT(writer->AddSlice("w", {4, 2}, rest, ints), StatusIs(StatusCode::kInvalidArgument));
  }
  {
    TempDir dir;
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(dir.Join("p")));
    ASSERT_THAT(writer->AddSlice("w", {4, 2}, rows, Floats({2, 2}, 0)), IsOk());
    EXPECT_THAT(writer->AddSlice("w", {5, 2}, rest, Floats({2, 2}, 0)),
                StatusIs(StatusCode::kInvalidArgument));
  }
  {
    // A plain tensor and a partitioned one cannot share a name.
    TempDir dir;
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(dir.Join("p")));
    ASSERT_THAT(writer->Add("w", Floats({4, 2}, 0)), IsOk());
    EXPECT_THAT(writer->AddSlice("w", {4, 2}, rest, Floats({2, 2}, 0)),
                StatusIs(StatusCode::kInvalidArgument));
  }
  {
    // The same slice twice.
    TempDir dir;
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(dir.Join("p")));
    ASSERT_THAT(writer->AddSlice("w", {4, 2}, rows, Floats({2, 2}, 0)), IsOk());
    EXPECT_THAT(writer->AddSlice("w", {4, 2}, rows, Floats({2, 2}, 0)),
                StatusIs(StatusCode::kInvalidArgument));
  }
}

TEST_F(BundleTest, AddRejectsBadNamesAndErrorsAreSticky) {
  {
    TempDir dir;
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(dir.Join("p")));
    EXPECT_THAT(writer->Add("", Floats({1}, 0)), StatusIs(StatusCode::kInvalidArgument));
    // Sticky: later calls return the same error, and nothing is committed.
    EXPECT_THAT(writer->Add("ok", Floats({1}, 0)), StatusIs(StatusCode::kInvalidArgument));
    EXPECT_THAT(writer->Finish(), StatusIs(StatusCode::kInvalidArgument));
    writer.reset();
    EXPECT_THAT(DirEntries(dir.path()), IsEmpty());
  }
  {
    TempDir dir;
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(dir.Join("p")));
    ASSERT_THAT(writer->Add("w", Floats({1}, 0)), IsOk());
    const Status dup = writer->Add("w", Floats({1}, 0));
    EXPECT_THAT(dup, StatusIs(StatusCode::kInvalidArgument, HasSubstr("w")));
    EXPECT_EQ(writer->Add("v", Floats({1}, 0)), dup);
    EXPECT_EQ(writer->Finish(), dup);
    writer.reset();
    EXPECT_THAT(DirEntries(dir.path()), IsEmpty());
  }
  {
    TempDir dir;
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(dir.Join("p")));
    EXPECT_THAT(writer->Add("bad", Tensor()), StatusIs(StatusCode::kInvalidArgument));
    EXPECT_THAT(writer->Finish(), StatusIs(StatusCode::kInvalidArgument));
    writer.reset();
    EXPECT_THAT(DirEntries(dir.path()), IsEmpty());
  }
}

TEST_F(BundleTest, FinishTwice) {
  TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(Prefix()));
  ASSERT_THAT(writer->Add("w", Floats({2}, 0)), IsOk());
  ASSERT_THAT(writer->Finish(), IsOk());
  EXPECT_THAT(writer->Finish(), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(writer->Add("v", Floats({2}, 0)), StatusIs(StatusCode::kFailedPrecondition));
  writer.reset();
  // The committed bundle is intact.
  auto reader = Open();
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(reader->Contains("w"));
  EXPECT_FALSE(reader->Contains("v"));
  EXPECT_THAT(DirEntries(dir_.path()), ElementsAre("ckpt.data-00000-of-00001", "ckpt.index"));
}

TEST_F(BundleTest, AbandonedWriterLeavesNoFiles) {
  {
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(Prefix()));
    ASSERT_THAT(writer->Add("w", Floats({1000}, 0)), IsOk());
    // While writing, only temporary files exist.
    const std::vector<std::string> during = DirEntries(dir_.path());
    EXPECT_TRUE(AnyTemp(during));
    EXPECT_THAT(during, ::testing::Not(::testing::Contains("ckpt.index")));
  }
  EXPECT_THAT(DirEntries(dir_.path()), IsEmpty());
  EXPECT_THAT(BundleReader::Open(Prefix()), StatusIs(StatusCode::kNotFound));
}

TEST_F(BundleTest, AbandonedWriterKeepsAnEarlierBundle) {
  WriteBundle({{"old", Floats({2}, 1)}});
  {
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(Prefix()));
    ASSERT_THAT(writer->Add("new", Floats({2}, 2)), IsOk());
  }
  EXPECT_THAT(DirEntries(dir_.path()), ElementsAre("ckpt.data-00000-of-00001", "ckpt.index"));
  auto reader = Open();
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(reader->Contains("old"));
  EXPECT_THAT(reader->Verify(), IsEmpty());
}

TEST_F(BundleTest, CreatesOneDirectoryLevel) {
  const std::string prefix = dir_.Join("sub/model");
  {
    TFCKPT_ASSERT_OK_AND_ASSIGN(auto writer, BundleWriter::Create(prefix));
    ASSERT_THAT(writer->Add("w", Floats({2}, 0)), IsOk());
    ASSERT_THAT(writer->Finish(), IsOk());
  }
  EXPECT_THAT(DirEntries(dir_.Join("sub")),
              ElementsAre("model.data-00000-of-00001", "model.index"));
  EXPECT_FALSE(BundleWriter::Create(dir_.Join("a/b/model")).ok());
}

TEST_F(BundleTest, OpenMissingBundle) {
  EXPECT_THAT(BundleReader::Open(dir_.Join("nothing")),
              StatusIs(StatusCode::kNotFound, HasSubstr("nothing")));
}

TEST_F(BundleTest, ConcurrentReads) {
  std::mt19937_64 rng(3);
  std::vector<Written> tensors;
  for (int i = 0; i < 8; ++i) {
    TFCKPT_ASSERT_OK_AND_ASSIGN(Tensor t, RandomTensor(DataType::kDouble, {1000 + i}, rng));
    tensors.push_back({"t" + std::to_string(i), t});
  }
  WriteBundle(tensors);
  auto reader = Open();
  ASSERT_NE(reader, nullptr);
  std::vector<int> ok(4, 0);
  std::vector<std::thread> threads;
  for (size_t k = 0; k < ok.size(); ++k) {
    threads.emplace_back([&, k] {
      for (int round = 0; round < 20; ++round) {
        for (const Written& w : tensors) {
          StatusOr<Tensor> t = reader->ReadTensor(w.name);
          if (t.ok() && t->IdenticalTo(w.tensor)) ++ok[k];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT(ok, ::testing::Each(20 * 8));
}

TEST(NamingTest, FileNames) {
  EXPECT_EQ(internal::MetaFilename("dir/model"), "dir/model.index");
  EXPECT_EQ(internal::DataFilename("dir/model", 0, 1), "dir/model.data-00000-of-00001");
  EXPECT_EQ(internal::DataFilename("p", 3, 10), "p.data-00003-of-00010");
  EXPECT_EQ(internal::DataFilename("p", 123456, 200000), "p.data-123456-of-200000");
}

}  // namespace
}  // namespace tfckpt
