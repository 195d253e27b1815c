#include "src/base/crc32c.h"

#include <isa-l/crc.h>

#include <array>
#include <climits>

namespace tfckpt::crc32c {
namespace {

// CRC-32C's polynomial, bit-reversed (the register shifts right).
constexpr uint32_t kReversedPolynomial = 0x82f63b78u;

// a * b modulo the polynomial, both in the reflected bit order in which
// x^0 is the top bit.
constexpr uint32_t MultiplyModP(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (uint32_t bit = uint32_t{1} << 31; bit != 0; bit >>= 1) {
    if ((a & bit) != 0) product ^= b;
    b = (b & 1) != 0 ? (b >> 1) ^ kReversedPolynomial : b >> 1;
  }
  return product;
}

// x^(2^k) modulo the polynomial for k = 0..63.
constexpr std::array<uint32_t, 64> PowersOfXSquared() {
  std::array<uint32_t, 64> powers{};
  powers[0] = uint32_t{1} << 30;  // x^1
  for (size_t k = 1; k < powers.size(); ++k) {
    powers[k] = MultiplyModP(powers[k - 1], powers[k - 1]);
  }
  return powers;
}
constexpr std::array<uint32_t, 64> kPowersOfXSquared = PowersOfXSquared();

}  // namespace

uint32_t Combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b) {
  // Appending len_b bytes multiplies A's CRC by x^(8 len_b); the pre- and
  // post-inversions cancel out (as in zlib's crc32_combine).
  uint32_t shift = uint32_t{1} << 31;  // x^0
  const uint64_t bits = len_b;
  for (size_t k = 3; (bits >> (k - 3)) != 0 && k < kPowersOfXSquared.size(); ++k) {
    if (((bits >> (k - 3)) & 1) != 0) shift = MultiplyModP(kPowersOfXSquared[k], shift);
  }
  return MultiplyModP(shift, crc_a) ^ crc_b;
}

uint32_t Extend(uint32_t crc, const void* data, size_t n) {
  // ISA-L's crc32_iscsi works on the un-inverted register and takes an int
  // length, so feed it in chunks below INT_MAX.
  uint32_t state = ~crc;
  auto* bytes = static_cast<unsigned char*>(const_cast<void*>(data));
  constexpr size_t kChunk = size_t{1} << 30;
  while (n > 0) {
    const size_t len = n < kChunk ? n : kChunk;
    state = crc32_iscsi(bytes, static_cast<int>(len), state);
    bytes += len;
    n -= len;
  }
  return ~state;
}

}  // namespace tfckpt::crc32c
