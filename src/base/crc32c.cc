#include "src/base/crc32c.h"

#include <isa-l/crc.h>

#include <climits>

namespace tfckpt::crc32c {

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
