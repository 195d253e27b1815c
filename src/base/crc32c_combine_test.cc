// Combine() against the CRC of the concatenation, at lengths around the
// powers of two where the shift's square-and-multiply changes.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "src/base/crc32c.h"
#include "tests/testing/testing.h"

namespace tfckpt::crc32c {
namespace {

TEST(Crc32cCombineTest, MatchesConcatenation) {
  const uint32_t seed = testing::RandomSeed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (const size_t len_a : {size_t{0}, size_t{1}, size_t{7}, size_t{4096}}) {
    for (const size_t len_b : {size_t{0}, size_t{1}, size_t{3}, size_t{8}, size_t{255},
                               size_t{256}, size_t{1000}, size_t{65537}}) {
      std::string a(len_a, '\0'), b(len_b, '\0');
      for (char& c : a) c = static_cast<char>(rng());
      for (char& c : b) c = static_cast<char>(rng());
      EXPECT_EQ(Combine(Value(a), Value(b), len_b), Value(a + b))
          << "len_a=" << len_a << " len_b=" << len_b;
    }
  }
}

TEST(Crc32cCombineTest, ManyPiecesInOrder) {
  std::string data(size_t{3} << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 2654435761u >> 13);
  uint32_t combined = 0;
  constexpr size_t kPiece = 300'007;
  for (size_t at = 0; at < data.size(); at += kPiece) {
    const std::string_view piece = std::string_view(data).substr(at, kPiece);
    combined = Combine(combined, Value(piece), piece.size());
  }
  EXPECT_EQ(combined, Value(data));
}

}  // namespace
}  // namespace tfckpt::crc32c
