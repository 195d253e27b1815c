// CRC-32C (Castagnoli), as used by every checksum in TensorFlow's files,
// computed by ISA-L. Stored checksums are masked (see Mask()).
#ifndef TFCKPT_SRC_BASE_CRC32C_H_
#define TFCKPT_SRC_BASE_CRC32C_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tfckpt::crc32c {

// CRC of data[0, n) continued from the CRC `crc` of earlier bytes.
uint32_t Extend(uint32_t crc, const void* data, size_t n);
inline uint32_t Extend(uint32_t crc, std::string_view data) {
  return Extend(crc, data.data(), data.size());
}
// CRC of data[0, n).
inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view data) { return Extend(0, data); }

// CRC of A followed by B, from crc_a = Value(A), crc_b = Value(B) and
// len_b = |B|: lets pieces of one buffer be checksummed in parallel.
uint32_t Combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

// Checksums stored next to the data they cover are masked, so that a CRC of
// bytes that themselves embed CRCs stays well distributed.
constexpr uint32_t kMaskDelta = 0xa282ead8u;
constexpr uint32_t Mask(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}
constexpr uint32_t Unmask(uint32_t masked) {
  const uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace tfckpt::crc32c

#endif  // TFCKPT_SRC_BASE_CRC32C_H_
