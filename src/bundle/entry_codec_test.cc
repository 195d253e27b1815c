#include "src/bundle/entry_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "src/bundle/ordered_code.h"
#include "src/core/proto_conversions.h"
#include "tests/testing/testing.h"

namespace tfckpt::internal {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::tfckpt::testing::IsOk;
using ::tfckpt::testing::StatusIs;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

TensorSlice Slice(std::string_view spec) {
  StatusOr<TensorSlice> s = TensorSlice::Parse(spec);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : TensorSlice();
}

TEST(EntryCodecTest, SliceKeyOfExplicitRows) {
  EXPECT_EQ(EncodeTensorNameSlice("w", Slice("0,5:0,20")),
            Bytes({0x00, 0x77, 0x00, 0x01, 0x01, 0x02, 0x80, 0x85, 0x80, 0x94}));
  EXPECT_EQ(EncodeTensorNameSlice("w", Slice("5,5:0,20")),
            Bytes({0x00, 0x77, 0x00, 0x01, 0x01, 0x02, 0x85, 0x85, 0x80, 0x94}));
}

TEST(EntryCodecTest, SliceKeyOfFullExtents) {
  EXPECT_EQ(EncodeTensorNameSlice("mweight", TensorSlice::Full(2)),
            Bytes({0x00, 0x6d, 0x77, 0x65, 0x69, 0x67, 0x68, 0x74, 0x00, 0x01, 0x01,
                   0x02, 0x80, 0x7f, 0x80, 0x7f}));
}

TEST(EntryCodecTest, SliceKeyOfScalar) {
  EXPECT_EQ(EncodeTensorNameSlice("x", TensorSlice()), Bytes({0x00, 0x78, 0x00, 0x01, 0x00}));
}

TEST(EntryCodecTest, DecodeRoundTrips) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"w", "0,5:0,20"},
      {"x", ""},
      {"mweight", "-:-"},
      {std::string("odd\0name\xff", 9), "3,100000:-:0,1"},
      {"layer/kernel/.ATTRIBUTES/VARIABLE_VALUE", "8191,8192"},
      {"big", "4611686018427387904,1"},
  };
  for (const auto& [name, spec] : cases) {
    SCOPED_TRACE(spec);
    const TensorSlice slice = Slice(spec);
    const std::string key = EncodeTensorNameSlice(name, slice);
    ASSERT_FALSE(key.empty());
    EXPECT_EQ(key[0], '\0');
    std::string decoded_name;
    TensorSlice decoded_slice;
    ASSERT_THAT(DecodeTensorNameSlice(key, &decoded_name, &decoded_slice), IsOk());
    EXPECT_EQ(decoded_name, name);
    EXPECT_EQ(decoded_slice, slice);
  }
}

TEST(EntryCodecTest, SliceKeysSortBeforeNamesAndAfterHeader) {
  const std::string key = EncodeTensorNameSlice("a", Slice("0,1"));
  EXPECT_LT(std::string(kHeaderEntryKey), key);
  EXPECT_LT(key, std::string("\x01"));
}

TEST(EntryCodecTest, DecodeRejectsGarbage) {
  std::string base;
  ordered_code::WriteNumIncreasing(&base, 0);
  ordered_code::WriteString(&base, "w");
  std::string rank2 = base;
  ordered_code::WriteNumIncreasing(&rank2, 2);
  std::string one_extent = rank2;
  ordered_code::WriteSignedNumIncreasing(&one_extent, 0);
  ordered_code::WriteSignedNumIncreasing(&one_extent, 5);
  std::string negative_start = base;
  ordered_code::WriteNumIncreasing(&negative_start, 1);
  ordered_code::WriteSignedNumIncreasing(&negative_start, -3);
  ordered_code::WriteSignedNumIncreasing(&negative_start, 5);
  std::string bad_length = base;
  ordered_code::WriteNumIncreasing(&bad_length, 1);
  ordered_code::WriteSignedNumIncreasing(&bad_length, 0);
  ordered_code::WriteSignedNumIncreasing(&bad_length, -7);
  std::string huge_rank = base;
  ordered_code::WriteNumIncreasing(&huge_rank, uint64_t{1} << 40);
  std::string nonzero_lead;
  ordered_code::WriteNumIncreasing(&nonzero_lead, 1);
  ordered_code::WriteString(&nonzero_lead, "w");
  ordered_code::WriteNumIncreasing(&nonzero_lead, 0);
  const std::string valid = EncodeTensorNameSlice("w", Slice("0,5:0,20"));

  for (const std::string& key :
       {std::string(), std::string("w"), std::string("\x01w", 2), base, rank2,
        one_extent, negative_start, bad_length, huge_rank, nonzero_lead, valid + "x",
        valid.substr(0, valid.size() - 1), Bytes({0x00, 0x77, 0x00})}) {
    SCOPED_TRACE(::testing::PrintToString(key));
    std::string name;
    TensorSlice slice;
    EXPECT_THAT(DecodeTensorNameSlice(key, &name, &slice),
                StatusIs(StatusCode::kInvalidArgument));
  }
}

TEST(EntryCodecTest, SliceProtoMatchesTensorFlowBytes) {
  tensorflow::TensorSliceProto proto;
  SliceToProto(Slice("0,5:0,20"), &proto);
  EXPECT_EQ(proto.SerializeAsString(), Bytes({0x0a, 0x02, 0x10, 0x05, 0x0a, 0x02, 0x10, 0x14}));
  // A full extent is an empty Extent message.
  SliceToProto(Slice("-:3,4"), &proto);
  EXPECT_EQ(proto.SerializeAsString(),
            Bytes({0x0a, 0x00, 0x0a, 0x04, 0x08, 0x03, 0x10, 0x04}));
  TFCKPT_ASSERT_OK_AND_ASSIGN(TensorSlice back, SliceFromProto(proto));
  EXPECT_EQ(back, Slice("-:3,4"));
}

TEST(EntryCodecTest, ShapeProtoRejectsBadDims) {
  tensorflow::TensorShapeProto proto;
  proto.add_dim()->set_size(3);
  proto.add_dim()->set_size(-1);
  EXPECT_THAT(ShapeFromProto(proto), StatusIs(StatusCode::kInvalidArgument));
  proto.Clear();
  proto.set_unknown_rank(true);
  EXPECT_THAT(ShapeFromProto(proto), StatusIs(StatusCode::kInvalidArgument));
  proto.Clear();
  ShapeToProto(TensorShape({21, 0}), &proto);
  EXPECT_EQ(proto.SerializeAsString(), Bytes({0x12, 0x02, 0x08, 0x15, 0x12, 0x00}));
  TFCKPT_ASSERT_OK_AND_ASSIGN(TensorShape shape, ShapeFromProto(proto));
  EXPECT_EQ(shape, TensorShape({21, 0}));
}

TEST(EntryCodecTest, ParseHeaderAcceptsTensorFlowHeader) {
  tensorflow::BundleHeaderProto header;
  ASSERT_THAT(ParseHeader(Bytes({0x08, 0x01, 0x1a, 0x02, 0x08, 0x01}), "f.index", &header),
              IsOk());
  EXPECT_EQ(header.num_shards(), 1);
  EXPECT_EQ(header.version().producer(), 1);
  // Pre-2016 bundles have no version at all.
  ASSERT_THAT(ParseHeader(Bytes({0x08, 0x03}), "f.index", &header), IsOk());
  EXPECT_EQ(header.num_shards(), 3);
}

TEST(EntryCodecTest, ParseHeaderRejectsBadHeaders) {
  const auto bad = AnyOf(StatusIs(StatusCode::kDataLoss, HasSubstr("f.index")),
                         StatusIs(StatusCode::kInvalidArgument, HasSubstr("f.index")),
                         StatusIs(StatusCode::kUnimplemented, HasSubstr("f.index")));
  std::vector<std::string> values;
  values.push_back(Bytes({0xff, 0xff, 0xff}));  // not a proto
  tensorflow::BundleHeaderProto h;
  h.set_num_shards(1);
  h.mutable_version()->set_producer(1);
  h.mutable_version()->set_min_consumer(2);  // needs a newer reader
  values.push_back(h.SerializeAsString());
  h.mutable_version()->set_min_consumer(0);
  h.mutable_version()->add_bad_consumers(1);
  values.push_back(h.SerializeAsString());
  h.mutable_version()->clear_bad_consumers();
  h.mutable_version()->set_producer(-1);
  values.push_back(h.SerializeAsString());
  for (const std::string& value : values) {
    SCOPED_TRACE(::testing::PrintToString(value));
    tensorflow::BundleHeaderProto header;
    EXPECT_THAT(ParseHeader(value, "f.index", &header), bad);
  }
}

TEST(EntryCodecTest, ParseEntryOfRealTensorFlowEntry) {
  // "W" from tf-formats.md §1.7: float [21,1], 84 bytes.
  const std::string value = Bytes({0x08, 0x01, 0x12, 0x08, 0x12, 0x02, 0x08, 0x15, 0x12,
                                   0x02, 0x08, 0x01, 0x28, 0x54, 0x35, 0xa9, 0xcf,
                                   0xf8, 0x13});
  tensorflow::BundleEntryProto entry;
  ASSERT_THAT(ParseEntry("W", value, "f.index", &entry), IsOk());
  EXPECT_EQ(entry.size(), 84);
  EXPECT_EQ(entry.crc32c(), 0x13f8cfa9u);
  TFCKPT_ASSERT_OK_AND_ASSIGN(BundleEntryInfo info, EntryInfo("W", entry));
  EXPECT_EQ(info.name, "W");
  EXPECT_EQ(info.dtype, DataType::kFloat);
  EXPECT_EQ(info.shape, TensorShape({21, 1}));
  EXPECT_EQ(info.shard_id, 0);
  EXPECT_EQ(info.offset, 0);
  EXPECT_EQ(info.size, 84);
  EXPECT_FALSE(info.partitioned());
}

tensorflow::BundleEntryProto GoodEntry() {
  tensorflow::BundleEntryProto e;
  e.set_dtype(tensorflow::DT_FLOAT);
  e.mutable_shape()->add_dim()->set_size(4);
  e.set_size(16);
  return e;
}

TEST(EntryCodecTest, ParseEntryRejectsBadFields) {
  const auto bad = AnyOf(StatusIs(StatusCode::kDataLoss, HasSubstr("f.index")),
                         StatusIs(StatusCode::kInvalidArgument, HasSubstr("f.index")));
  std::vector<tensorflow::BundleEntryProto> entries(5, GoodEntry());
  entries[0].set_dtype(static_cast<tensorflow::DataType>(99));
  entries[1].set_dtype(tensorflow::DT_INVALID);
  entries[2].set_offset(-1);
  entries[3].set_size(-16);
  entries[4].set_offset(std::numeric_limits<int64_t>::max() - 3);  // offset + size overflows
  for (const auto& e : entries) {
    SCOPED_TRACE(e.ShortDebugString());
    tensorflow::BundleEntryProto parsed;
    EXPECT_THAT(ParseEntry("t", e.SerializeAsString(), "f.index", &parsed), bad);
  }
  tensorflow::BundleEntryProto parsed;
  EXPECT_THAT(ParseEntry("t", Bytes({0x0a, 0x05, 0x01}), "f.index", &parsed), bad);
  ASSERT_THAT(ParseEntry("t", GoodEntry().SerializeAsString(), "f.index", &parsed), IsOk());
  EXPECT_THAT(EntryInfo("t", parsed), IsOk());
}

TEST(EntryCodecTest, BadShapesAndSlicesAreRejected) {
  std::vector<tensorflow::BundleEntryProto> entries(4, GoodEntry());
  entries[0].mutable_shape()->mutable_dim(0)->set_size(-4);
  entries[1].mutable_shape()->set_unknown_rank(true);
  entries[2].add_slices()->add_extent()->set_start(-1);
  entries[3].add_slices()->add_extent()->set_length(5);  // leaves the [4] tensor
  for (const auto& e : entries) {
    SCOPED_TRACE(e.ShortDebugString());
    // Either step may catch it: ParseEntry checks the fields, EntryInfo the
    // shape and slices.
    tensorflow::BundleEntryProto parsed;
    Status s = ParseEntry("t", e.SerializeAsString(), "f.index", &parsed);
    if (s.ok()) s = EntryInfo("t", parsed).status();
    EXPECT_THAT(s, AnyOf(StatusIs(StatusCode::kDataLoss), StatusIs(StatusCode::kInvalidArgument)));
  }
}

}  // namespace
}  // namespace tfckpt::internal
