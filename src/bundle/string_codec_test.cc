#include "src/bundle/string_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "src/base/coding.h"
#include "src/base/crc32c.h"
#include "tests/testing/testing.h"

namespace tfckpt::internal {
namespace {

using ::tfckpt::testing::IsOk;
using ::tfckpt::testing::StatusIs;

// The encoding written out from tf-formats.md §2.4, step by step.
std::string SpecEncoding(const std::vector<std::string>& values, uint32_t* crc) {
  std::string out;
  uint32_t c = 0;
  for (const std::string& v : values) {
    PutVarint64(&out, v.size());
    std::string fixed;
    PutFixed32(&fixed, static_cast<uint32_t>(v.size()));
    c = crc32c::Extend(c, fixed);
  }
  std::string masked;
  PutFixed32(&masked, crc32c::Mask(c));
  out += masked;
  c = crc32c::Extend(c, masked);
  for (const std::string& v : values) {
    out += v;
    c = crc32c::Extend(c, v);
  }
  *crc = c;
  return out;
}

std::vector<std::vector<std::string>> Cases() {
  return {
      {},
      {""},
      {"", "", ""},
      {"hello"},
      {std::string("a\0b", 3), std::string(1, '\0'), "\xff\xfe"},
      {std::string(127, 'x'), std::string(128, 'y'), std::string(300, 'z'),
       std::string(70000, 'q')},
      {"mixed", "", std::string(200, '\0'), "end"},
  };
}

TEST(StringCodecTest, ZeroStringsIsJustTheMaskedZeroChecksum) {
  std::string out;
  const uint32_t crc = EncodeStringTensor({}, &out);
  EXPECT_EQ(out, std::string("\xd8\xea\x82\xa2", 4));
  EXPECT_EQ(crc, crc32c::Value(out));
}

TEST(StringCodecTest, MatchesSpec) {
  for (const auto& values : Cases()) {
    SCOPED_TRACE(values.size());
    uint32_t expected_crc = 0;
    const std::string expected = SpecEncoding(values, &expected_crc);
    std::string out = "prefix";
    const uint32_t crc = EncodeStringTensor(values, &out);
    EXPECT_EQ(out, "prefix" + expected);
    EXPECT_EQ(crc, expected_crc);
  }
}

TEST(StringCodecTest, KnownBytesForSmallInput) {
  std::string out;
  EncodeStringTensor(std::vector<std::string>{"ab", ""}, &out);
  // varint lengths 02 00, then 4 checksum bytes, then "ab".
  ASSERT_EQ(out.size(), 2u + 4u + 2u);
  EXPECT_EQ(out.substr(0, 2), std::string("\x02\x00", 2));
  EXPECT_EQ(out.substr(6), "ab");
  std::string fixed;
  PutFixed32(&fixed, 2);
  PutFixed32(&fixed, 0);
  EXPECT_EQ(DecodeFixed32(out.data() + 2), crc32c::Mask(crc32c::Value(fixed)));
}

TEST(StringCodecTest, DecodeRoundTrips) {
  for (const auto& values : Cases()) {
    SCOPED_TRACE(values.size());
    std::string encoded;
    const uint32_t crc = EncodeStringTensor(values, &encoded);
    std::vector<std::string> decoded;
    uint32_t decoded_crc = 0;
    ASSERT_THAT(DecodeStringTensor(encoded, static_cast<int64_t>(values.size()),
                                   &decoded, &decoded_crc),
                IsOk());
    EXPECT_EQ(decoded, values);
    EXPECT_EQ(decoded_crc, crc);
  }
}

TEST(StringCodecTest, DecodeRandomStrings) {
  const uint32_t seed = ::tfckpt::testing::RandomSeed();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937 rng(seed);
  std::vector<std::string> values(200);
  for (std::string& v : values) {
    v.resize(rng() % 400);
    for (char& c : v) c = static_cast<char>(rng());
  }
  std::string encoded;
  const uint32_t crc = EncodeStringTensor(values, &encoded);
  std::vector<std::string> decoded;
  uint32_t decoded_crc = 0;
  ASSERT_THAT(DecodeStringTensor(encoded, 200, &decoded, &decoded_crc), IsOk());
  EXPECT_EQ(decoded, values);
  EXPECT_EQ(decoded_crc, crc);
}

class StringDecodeErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crc_ = EncodeStringTensor(values_, &encoded_);
  }
  Status Decode(std::string_view encoded, int64_t count) {
    std::vector<std::string> out;
    uint32_t crc = 0;
    return DecodeStringTensor(encoded, count, &out, &crc);
  }
  const std::vector<std::string> values_ = {"abc", "", std::string(200, 'x')};
  std::string encoded_;
  uint32_t crc_ = 0;
};

TEST_F(StringDecodeErrorTest, FlippedLengthChecksum) {
  // Lengths: 1 + 1 + 2 varint bytes, then the 4 checksum bytes.
  for (size_t i = 4; i < 8; ++i) {
    std::string bad = encoded_;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_THAT(Decode(bad, 3), StatusIs(StatusCode::kDataLoss)) << i;
  }
}

TEST_F(StringDecodeErrorTest, ChangedLengthIsCaught) {
  std::string bad = encoded_;
  bad[0] = '\x02';  // "abc" claims 2 bytes; the sum then disagrees too
  EXPECT_THAT(Decode(bad, 3), StatusIs(StatusCode::kDataLoss));
}

TEST_F(StringDecodeErrorTest, ShortData) {
  for (size_t len = 0; len < encoded_.size(); ++len) {
    EXPECT_THAT(Decode(std::string_view(encoded_).substr(0, len), 3),
                StatusIs(StatusCode::kDataLoss))
        << len;
  }
}

TEST_F(StringDecodeErrorTest, TrailingBytes) {
  EXPECT_THAT(Decode(encoded_ + "x", 3), StatusIs(StatusCode::kDataLoss));
}

TEST_F(StringDecodeErrorTest, CountMismatch) {
  EXPECT_THAT(Decode(encoded_, 2), StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(Decode(encoded_, 4), StatusIs(StatusCode::kDataLoss));
  EXPECT_THAT(Decode(encoded_, 0), StatusIs(StatusCode::kDataLoss));
}

TEST_F(StringDecodeErrorTest, HugeClaimsFailWithoutAllocating) {
  // 2^40 strings claimed by a 12-byte encoding.
  EXPECT_THAT(Decode(encoded_, int64_t{1} << 40), StatusIs(StatusCode::kDataLoss));
  // One string claiming 2^40 bytes.
  std::string huge;
  PutVarint64(&huge, uint64_t{1} << 40);
  std::string fixed;
  PutFixed64(&fixed, uint64_t{1} << 40);
  PutFixed32(&huge, crc32c::Mask(crc32c::Value(fixed)));
  huge += "tiny";
  EXPECT_THAT(Decode(huge, 1), StatusIs(StatusCode::kDataLoss));
  // A length varint that never ends.
  EXPECT_THAT(Decode(std::string(16, '\xff'), 1), StatusIs(StatusCode::kDataLoss));
}

TEST_F(StringDecodeErrorTest, FlippedStringByteChangesTheEntryChecksum) {
  std::string bad = encoded_;
  bad.back() = static_cast<char>(bad.back() ^ 0x01);
  std::vector<std::string> out;
  uint32_t crc = 0;
  ASSERT_THAT(DecodeStringTensor(bad, 3, &out, &crc), IsOk());
  EXPECT_NE(crc, crc_);
}

}  // namespace
}  // namespace tfckpt::internal
