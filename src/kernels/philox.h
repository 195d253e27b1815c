// Philox4x32-10, the counter-based generator behind TensorFlow's stateful
// random ops (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC 2011). A generator is a 128-bit counter and a 64-bit key; each call to
// Next() encrypts the counter with 10 rounds keyed by the key and then
// increments the counter, so any position of the stream can be reached in
// O(1) with Skip(). Seeded as TF's PhiloxRandom(seed, seed2): the key is
// `seed`, the counter's upper 64 bits are `seed2`.
//
// Thread safety: a value type; copies are independent streams.
#ifndef TFCKPT_SRC_KERNELS_PHILOX_H_
#define TFCKPT_SRC_KERNELS_PHILOX_H_

#include <array>
#include <cstdint>

namespace tfckpt::internal {

class Philox4x32 {
 public:
  // 128 random bits, the unit the counter counts.
  using Block = std::array<uint32_t, 4>;
  using Key = std::array<uint32_t, 2>;

  Philox4x32() = default;
  // Key = seed (low word first), counter = {0, 0, seed2 low, seed2 high}.
  Philox4x32(uint64_t seed, uint64_t seed2);
  Philox4x32(const Block& counter, const Key& key)
      : counter_(counter), key_(key) {}

  // The block at the current counter; advances the counter by one.
  Block Next();
  // Advances the counter by `count` blocks (128-bit addition).
  void Skip(uint64_t count);

  // The 10-round Philox4x32 bijection of `counter` under `key`.
  static Block Encrypt(Block counter, Key key);

  const Block& counter() const { return counter_; }
  const Key& key() const { return key_; }

 private:
  Block counter_{};
  Key key_{};
};

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_KERNELS_PHILOX_H_
