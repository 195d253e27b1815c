#include "src/base/coding.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace tfckpt::internal {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

TEST(CodingTest, Fixed32IsLittleEndian) {
  std::string s;
  PutFixed32(&s, 0x04030201u);
  EXPECT_EQ(s, Bytes({1, 2, 3, 4}));
  EXPECT_EQ(DecodeFixed32(s.data()), 0x04030201u);
  std::string_view in = s;
  uint32_t v = 0;
  ASSERT_TRUE(GetFixed32(&in, &v));
  EXPECT_EQ(v, 0x04030201u);
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, Fixed64IsLittleEndian) {
  std::string s;
  PutFixed64(&s, 0x0807060504030201ull);
  EXPECT_EQ(s, Bytes({1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(DecodeFixed64(s.data()), 0x0807060504030201ull);
  std::string_view in = s;
  uint64_t v = 0;
  ASSERT_TRUE(GetFixed64(&in, &v));
  EXPECT_EQ(v, 0x0807060504030201ull);
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, FixedRoundTripExtremes) {
  for (uint32_t v : {0u, 1u, 0x80u, 0xffu, 0x80000000u, UINT32_MAX}) {
    char buf[4];
    EncodeFixed32(buf, v);
    EXPECT_EQ(DecodeFixed32(buf), v);
  }
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{1} << 63, UINT64_MAX}) {
    char buf[8];
    EncodeFixed64(buf, v);
    EXPECT_EQ(DecodeFixed64(buf), v);
  }
}

TEST(CodingTest, FixedRejectsShortInput) {
  std::string_view in("\x01\x02\x03", 3);
  uint32_t v32 = 0;
  EXPECT_FALSE(GetFixed32(&in, &v32));
  std::string_view in64("\x01\x02\x03\x04\x05\x06\x07", 7);
  uint64_t v64 = 0;
  EXPECT_FALSE(GetFixed64(&in64, &v64));
}

struct VarintCase {
  uint64_t value;
  std::string encoding;
};

std::vector<VarintCase> VarintCases() {
  return {
      {0, Bytes({0x00})},
      {1, Bytes({0x01})},
      {127, Bytes({0x7f})},
      {128, Bytes({0x80, 0x01})},
      {300, Bytes({0xac, 0x02})},
      {16383, Bytes({0xff, 0x7f})},
      {16384, Bytes({0x80, 0x80, 0x01})},
      {(uint64_t{1} << 32) - 1, Bytes({0xff, 0xff, 0xff, 0xff, 0x0f})},
      {uint64_t{1} << 32, Bytes({0x80, 0x80, 0x80, 0x80, 0x10})},
      {uint64_t{1} << 63,
       Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01})},
      {UINT64_MAX,
       Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})},
  };
}

TEST(CodingTest, Varint64KnownEncodings) {
  for (const VarintCase& c : VarintCases()) {
    SCOPED_TRACE(c.value);
    std::string s;
    PutVarint64(&s, c.value);
    EXPECT_EQ(s, c.encoding);
    EXPECT_EQ(VarintLength(c.value), static_cast<int>(c.encoding.size()));

    char buf[kMaxVarint64Bytes];
    const int n = EncodeVarint64(buf, c.value);
    EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), c.encoding);

    // Decoding consumes exactly the varint and leaves what follows.
    std::string with_tail = c.encoding + "xy";
    std::string_view in = with_tail;
    uint64_t v = 0;
    ASSERT_TRUE(GetVarint64(&in, &v));
    EXPECT_EQ(v, c.value);
    EXPECT_EQ(in, "xy");
  }
}

TEST(CodingTest, Varint32RoundTrip) {
  for (uint32_t value : {0u, 127u, 128u, 16384u, 1u << 28, UINT32_MAX}) {
    SCOPED_TRACE(value);
    std::string s;
    PutVarint32(&s, value);
    EXPECT_EQ(static_cast<int>(s.size()), VarintLength(value));
    std::string_view in = s;
    uint32_t v = 0;
    ASSERT_TRUE(GetVarint32(&in, &v));
    EXPECT_EQ(v, value);
    EXPECT_TRUE(in.empty());
  }
}

TEST(CodingTest, VarintRejectsTruncatedInput) {
  for (const VarintCase& c : VarintCases()) {
    for (size_t len = 0; len < c.encoding.size(); ++len) {
      SCOPED_TRACE(::testing::Message() << c.value << " cut at " << len);
      std::string_view in(c.encoding.data(), len);
      uint64_t v = 0;
      EXPECT_FALSE(GetVarint64(&in, &v));
    }
  }
  std::string_view empty;
  uint32_t v32 = 0;
  EXPECT_FALSE(GetVarint32(&empty, &v32));
}

TEST(CodingTest, Varint64RejectsOverlongAndOverflowing) {
  // Eleven bytes: continuation bit still set on the tenth.
  const std::string eleven(10, '\x80');
  std::string s = eleven + '\x01';
  std::string_view in = s;
  uint64_t v = 0;
  EXPECT_FALSE(GetVarint64(&in, &v));
  // A tenth byte above 1 would overflow 64 bits.
  s = std::string(9, '\xff') + '\x02';
  in = s;
  EXPECT_FALSE(GetVarint64(&in, &v));
  s = std::string(9, '\xff') + '\x7f';
  in = s;
  EXPECT_FALSE(GetVarint64(&in, &v));
}

TEST(CodingTest, Varint32RejectsValuesAbove32Bits) {
  std::string s;
  PutVarint64(&s, uint64_t{1} << 32);
  std::string_view in = s;
  uint32_t v = 0;
  EXPECT_FALSE(GetVarint32(&in, &v));
  // Six bytes are never a valid varint32.
  s = Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x00});
  in = s;
  EXPECT_FALSE(GetVarint32(&in, &v));
}

TEST(CodingTest, SequenceOfVarintsDecodesInOrder) {
  std::string s;
  std::vector<uint64_t> values;
  for (int shift = 0; shift < 64; ++shift) {
    values.push_back((uint64_t{1} << shift) - 1);
    values.push_back(uint64_t{1} << shift);
  }
  for (uint64_t v : values) PutVarint64(&s, v);
  std::string_view in = s;
  for (uint64_t expected : values) {
    uint64_t v = 0;
    ASSERT_TRUE(GetVarint64(&in, &v));
    EXPECT_EQ(v, expected);
  }
  EXPECT_TRUE(in.empty());
}

}  // namespace
}  // namespace tfckpt::internal
