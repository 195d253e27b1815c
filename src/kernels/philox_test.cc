#include "src/kernels/philox.h"

#include <gtest/gtest.h>

namespace tfckpt::internal {
namespace {

using Block = Philox4x32::Block;
using Key = Philox4x32::Key;

// Random123's tests/kat_vectors, the three "philox4x32 10" lines:
// counter, key, expected output.
struct KnownAnswer {
  Block counter;
  Key key;
  Block expected;
};
constexpr KnownAnswer kKnownAnswers[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

TEST(PhiloxTest, MatchesRandom123KnownAnswers) {
  for (const KnownAnswer& kat : kKnownAnswers) {
    EXPECT_EQ(Philox4x32::Encrypt(kat.counter, kat.key), kat.expected);
    Philox4x32 gen(kat.counter, kat.key);
    EXPECT_EQ(gen.Next(), kat.expected);
  }
}

TEST(PhiloxTest, SeedsKeyAndUpperCounterAsTensorFlow) {
  const Philox4x32 gen(0x1122334455667788, 0x99aabbccddeeff00);
  EXPECT_EQ(gen.key(), (Key{0x55667788, 0x11223344}));
  EXPECT_EQ(gen.counter(), (Block{0, 0, 0xddeeff00, 0x99aabbcc}));
}

TEST(PhiloxTest, NextAdvancesTheCounterByOne) {
  Philox4x32 gen(Block{0xffffffff, 0, 7, 0}, Key{1, 2});
  gen.Next();
  EXPECT_EQ(gen.counter(), (Block{0, 1, 7, 0}));
}

TEST(PhiloxTest, SkipCarriesThroughAllFourWords) {
  Philox4x32 gen(Block{0xffffffff, 0xffffffff, 0xffffffff, 5}, Key{0, 0});
  gen.Skip(1);
  EXPECT_EQ(gen.counter(), (Block{0, 0, 0, 6}));

  Philox4x32 wide(Block{0x80000000, 0xffffffff, 0, 0}, Key{0, 0});
  wide.Skip(0x0000000180000000);  // low word overflows into the high carry
  EXPECT_EQ(wide.counter(), (Block{0, 1, 1, 0}));
}

TEST(PhiloxTest, SkipThenNextEqualsNextCalledThatManyTimes) {
  Philox4x32 stepped(3, 4);
  for (int i = 0; i < 5; ++i) stepped.Next();
  Philox4x32 skipped(3, 4);
  skipped.Skip(5);
  EXPECT_EQ(stepped.Next(), skipped.Next());
}

}  // namespace
}  // namespace tfckpt::internal
