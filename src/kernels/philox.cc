#include "src/kernels/philox.h"

namespace tfckpt::internal {
namespace {

// Round multipliers and Weyl key increments of Philox4x32.
constexpr uint32_t kMultiplier0 = 0xD2511F53;
constexpr uint32_t kMultiplier1 = 0xCD9E8D57;
constexpr uint32_t kKeyIncrement0 = 0x9E3779B9;
constexpr uint32_t kKeyIncrement1 = 0xBB67AE85;
constexpr int kRounds = 10;

Philox4x32::Block Round(const Philox4x32::Block& c, const Philox4x32::Key& k) {
  const uint64_t product0 = uint64_t{kMultiplier0} * c[0];
  const uint64_t product1 = uint64_t{kMultiplier1} * c[2];
  const auto high = [](uint64_t p) { return static_cast<uint32_t>(p >> 32); };
  const auto low = [](uint64_t p) { return static_cast<uint32_t>(p); };
  return {high(product1) ^ c[1] ^ k[0], low(product1),
          high(product0) ^ c[3] ^ k[1], low(product0)};
}

}  // namespace

Philox4x32::Philox4x32(uint64_t seed, uint64_t seed2)
    : counter_{0, 0, static_cast<uint32_t>(seed2),
               static_cast<uint32_t>(seed2 >> 32)},
      key_{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)} {}

Philox4x32::Block Philox4x32::Encrypt(Block counter, Key key) {
  for (int round = 0; round < kRounds; ++round) {
    if (round > 0) {
      key[0] += kKeyIncrement0;
      key[1] += kKeyIncrement1;
    }
    counter = Round(counter, key);
  }
  return counter;
}

Philox4x32::Block Philox4x32::Next() {
  const Block block = Encrypt(counter_, key_);
  Skip(1);
  return block;
}

void Philox4x32::Skip(uint64_t count) {
  // Add `count` to the 128-bit little-endian counter, word by word.
  uint64_t carry = count;
  for (uint32_t& word : counter_) {
    if (carry == 0) break;
    const uint64_t sum = uint64_t{word} + (carry & 0xFFFFFFFF);
    word = static_cast<uint32_t>(sum);
    carry = (carry >> 32) + (sum >> 32);
  }
}

}  // namespace tfckpt::internal
