#include "src/bundle/ordered_code.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "tests/testing/testing.h"

namespace tfckpt::internal::ordered_code {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

std::string Hex(std::string_view s) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    if (!out.empty()) out += ' ';
    const auto b = static_cast<unsigned char>(c);
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

std::string EncodeNum(uint64_t v) {
  std::string s;
  WriteNumIncreasing(&s, v);
  return s;
}
std::string EncodeSigned(int64_t v) {
  std::string s;
  WriteSignedNumIncreasing(&s, v);
  return s;
}
std::string EncodeString(std::string_view v) {
  std::string s;
  WriteString(&s, v);
  return s;
}

TEST(OrderedCodeTest, NumIncreasingExamples) {
  EXPECT_EQ(Hex(EncodeNum(0)), "00");
  EXPECT_EQ(Hex(EncodeNum(1)), "01 01");
  EXPECT_EQ(Hex(EncodeNum(255)), "01 ff");
  EXPECT_EQ(Hex(EncodeNum(256)), "02 01 00");
  EXPECT_EQ(Hex(EncodeNum(300)), "02 01 2c");
  EXPECT_EQ(Hex(EncodeNum(UINT64_MAX)), "08 ff ff ff ff ff ff ff ff");
}

TEST(OrderedCodeTest, StringExamples) {
  EXPECT_EQ(Hex(EncodeString("")), "00 01");
  EXPECT_EQ(Hex(EncodeString("w")), "77 00 01");
  EXPECT_EQ(Hex(EncodeString(std::string("a\0b\xff", 4))), "61 00 ff 62 ff 00 00 01");
  EXPECT_EQ(Hex(EncodeString(std::string("\0\0", 2))), "00 ff 00 ff 00 01");
  EXPECT_EQ(Hex(EncodeString("\xff\xff")), "ff 00 ff 00 00 01");
}

TEST(OrderedCodeTest, SignedNumIncreasingExamples) {
  const std::vector<std::pair<int64_t, std::string>> cases = {
      {0, "80"},          {5, "85"},          {20, "94"},
      {63, "bf"},         {-1, "7f"},         {-64, "40"},
      {64, "c0 40"},      {100, "c0 64"},     {8191, "df ff"},
      {8192, "e0 20 00"}, {-65, "3f bf"},     {-8192, "20 00"},
      {-8193, "1f df ff"},
      // L = 10 at both ends of the range (spec §2.6 applied by hand).
      {std::numeric_limits<int64_t>::max(), "ff c0 7f ff ff ff ff ff ff ff"},
      {std::numeric_limits<int64_t>::min(), "00 3f 80 00 00 00 00 00 00 00"},
  };
  for (const auto& [value, hex] : cases) {
    SCOPED_TRACE(value);
    EXPECT_EQ(Hex(EncodeSigned(value)), hex);
    std::string_view in;
    const std::string encoded = EncodeSigned(value);
    in = encoded;
    int64_t decoded = 0;
    ASSERT_TRUE(ReadSignedNumIncreasing(&in, &decoded));
    EXPECT_EQ(decoded, value);
    EXPECT_TRUE(in.empty());
  }
}

TEST(OrderedCodeTest, SliceKeyExample) {
  // Rows 0-4 of "w" [10,20]: 0, "w", rank 2, (0,5), (0,20).
  std::string key;
  WriteNumIncreasing(&key, 0);
  WriteString(&key, "w");
  WriteNumIncreasing(&key, 2);
  for (int64_t v : {0, 5, 0, 20}) WriteSignedNumIncreasing(&key, v);
  EXPECT_EQ(Hex(key), "00 77 00 01 01 02 80 85 80 94");
}

TEST(OrderedCodeTest, SignedRoundTripAndOrder) {
  const uint32_t seed = ::tfckpt::testing::RandomSeed();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  std::vector<int64_t> values = {std::numeric_limits<int64_t>::min(),
                                 std::numeric_limits<int64_t>::min() + 1,
                                 std::numeric_limits<int64_t>::max(),
                                 std::numeric_limits<int64_t>::max() - 1,
                                 0, -1, 1};
  for (int shift = 0; shift < 63; ++shift) {
    const int64_t p = int64_t{1} << shift;
    for (int64_t v : {p - 1, p, p + 1, -p - 1, -p, -p + 1}) values.push_back(v);
  }
  for (int i = 0; i < 2000; ++i) {
    // Mix widths so every encoded length shows up.
    const int bits = static_cast<int>(rng() % 64);
    values.push_back(static_cast<int64_t>(rng()) >> bits);
  }
  std::string all;
  for (int64_t v : values) {
    const std::string e = EncodeSigned(v);
    ASSERT_GE(e.size(), 1u);
    ASSERT_LE(e.size(), 10u);
    all += e;
  }
  std::string_view in = all;
  for (int64_t v : values) {
    int64_t decoded = 0;
    ASSERT_TRUE(ReadSignedNumIncreasing(&in, &decoded)) << v;
    ASSERT_EQ(decoded, v);
  }
  EXPECT_TRUE(in.empty());

  std::sort(values.begin(), values.end());
  for (size_t i = 1; i < values.size(); ++i) {
    if (values[i - 1] == values[i]) continue;
    ASSERT_LT(EncodeSigned(values[i - 1]), EncodeSigned(values[i]))
        << values[i - 1] << " vs " << values[i];
  }
}

TEST(OrderedCodeTest, UnsignedRoundTripAndOrder) {
  const uint32_t seed = ::tfckpt::testing::RandomSeed();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> values = {0, 1, UINT64_MAX, UINT64_MAX - 1};
  for (int i = 0; i < 1000; ++i) values.push_back(rng() >> (rng() % 64));
  for (uint64_t v : values) {
    const std::string e = EncodeNum(v) + "tail";
    std::string_view in = e;
    uint64_t decoded = 0;
    ASSERT_TRUE(ReadNumIncreasing(&in, &decoded)) << v;
    EXPECT_EQ(decoded, v);
    EXPECT_EQ(in, "tail");
  }
  std::sort(values.begin(), values.end());
  for (size_t i = 1; i < values.size(); ++i) {
    if (values[i - 1] == values[i]) continue;
    ASSERT_LT(EncodeNum(values[i - 1]), EncodeNum(values[i]));
  }
}

TEST(OrderedCodeTest, StringRoundTripAndOrder) {
  const uint32_t seed = ::tfckpt::testing::RandomSeed();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937 rng(seed);
  std::vector<std::string> values = {"", std::string(1, '\0'), "\xff", std::string("\0\xff", 2),
                                     "a", "ab", std::string("a\0", 2), "a\xff"};
  for (int i = 0; i < 500; ++i) {
    std::string s(rng() % 8, '\0');
    // Bias towards the escaped bytes.
    for (char& c : s) {
      const uint32_t r = rng() % 4;
      c = r == 0 ? '\0' : r == 1 ? '\xff' : static_cast<char>(rng());
    }
    values.push_back(s);
  }
  for (const std::string& v : values) {
    const std::string e = EncodeString(v) + "z";
    std::string_view in = e;
    std::string decoded;
    ASSERT_TRUE(ReadString(&in, &decoded)) << Hex(v);
    EXPECT_EQ(decoded, v);
    EXPECT_EQ(in, "z");
  }
  auto unsigned_less = [](const std::string& a, const std::string& b) {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
          return static_cast<unsigned char>(x) < static_cast<unsigned char>(y);
        });
  };
  std::sort(values.begin(), values.end(), unsigned_less);
  for (size_t i = 1; i < values.size(); ++i) {
    if (values[i - 1] == values[i]) continue;
    ASSERT_TRUE(unsigned_less(EncodeString(values[i - 1]), EncodeString(values[i])))
        << Hex(values[i - 1]) << " vs " << Hex(values[i]);
  }
}

TEST(OrderedCodeTest, ReadRejectsInvalidInput) {
  uint64_t u = 0;
  int64_t s = 0;
  std::string str;
  for (const std::string& bad : {std::string(), Bytes({0x09}), Bytes({0x02, 0x01}),
                                 Bytes({0x08, 1, 2, 3, 4, 5, 6, 7})}) {
    SCOPED_TRACE(Hex(bad));
    std::string_view in = bad;
    EXPECT_FALSE(ReadNumIncreasing(&in, &u));
  }
  for (const std::string& bad :
       {std::string(), std::string("abc"), Bytes({0x61, 0x00}), Bytes({0x00, 0x02}),
        Bytes({0xff, 0x01, 0x00, 0x01}), Bytes({0xff}), Bytes({0x00, 0xff})}) {
    SCOPED_TRACE(Hex(bad));
    std::string_view in = bad;
    EXPECT_FALSE(ReadString(&in, &str));
  }
  for (const std::string& bad : {std::string(), Bytes({0xc0}), Bytes({0xe0, 0x20}),
                                 Bytes({0x1f, 0xdf}), Bytes({0xff, 0xc0, 0x7f})}) {
    SCOPED_TRACE(Hex(bad));
    std::string_view in = bad;
    EXPECT_FALSE(ReadSignedNumIncreasing(&in, &s));
  }
}

}  // namespace
}  // namespace tfckpt::internal::ordered_code
