#include "src/base/crc32c.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>

namespace tfckpt::crc32c {
namespace {

// RFC 3720 (iSCSI) section B.4 known answers.
TEST(Crc32cTest, Rfc3720KnownAnswers) {
  char buf[32];

  std::fill(buf, buf + 32, '\0');
  EXPECT_EQ(Value(buf, sizeof(buf)), 0x8a9136aau);

  std::fill(buf, buf + 32, '\xff');
  EXPECT_EQ(Value(buf, sizeof(buf)), 0x62a8ab43u);

  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(i);
  EXPECT_EQ(Value(buf, sizeof(buf)), 0x46dd794eu);

  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(31 - i);
  EXPECT_EQ(Value(buf, sizeof(buf)), 0x113fdb5cu);
}

TEST(Crc32cTest, CheckString) {
  EXPECT_EQ(Value("123456789"), 0xE3069283u);
  EXPECT_EQ(Value(std::string_view()), 0u);
}

TEST(Crc32cTest, ExtendChainingEqualsOneShot) {
  std::mt19937 rng(7);
  std::string data(4099, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  const uint32_t whole = Value(data);
  for (size_t split : {size_t{0}, size_t{1}, size_t{7}, size_t{64}, size_t{1000},
                       data.size() - 1, data.size()}) {
    SCOPED_TRACE(split);
    const std::string_view view = data;
    EXPECT_EQ(Extend(Value(view.substr(0, split)), view.substr(split)), whole);
  }
  // Byte by byte.
  uint32_t crc = 0;
  for (char c : data) crc = Extend(crc, &c, 1);
  EXPECT_EQ(crc, whole);
  EXPECT_EQ(Extend(Value("hello "), "world"), Value("hello world"));
}

TEST(Crc32cTest, DifferentDataDifferentCrc) {
  EXPECT_NE(Value("a"), Value("foo"));
  EXPECT_NE(Value("foo"), Value("bar"));
}

TEST(Crc32cTest, MaskKnownValues) {
  EXPECT_EQ(Mask(0), 0xA282EAD8u);
  EXPECT_EQ(Mask(0xE3069283u), 0xC78AB0E5u);
  static_assert(Mask(0) == kMaskDelta);
}

TEST(Crc32cTest, MaskRoundTrips) {
  std::mt19937 rng(11);
  for (int i = 0; i < 1000; ++i) {
    const auto x = static_cast<uint32_t>(rng());
    EXPECT_EQ(Unmask(Mask(x)), x);
    EXPECT_EQ(Mask(Unmask(x)), x);
  }
  for (uint32_t x : {0u, 1u, 0x7fffffffu, 0x80000000u, UINT32_MAX}) {
    EXPECT_EQ(Unmask(Mask(x)), x);
  }
  // Masking changes the value (so a CRC over data that embeds CRCs differs).
  const uint32_t crc = Value("foo");
  EXPECT_NE(Mask(crc), crc);
  EXPECT_NE(Mask(Mask(crc)), crc);
}

}  // namespace
}  // namespace tfckpt::crc32c
