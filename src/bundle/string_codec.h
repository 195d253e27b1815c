// Encoding of DT_STRING tensors in a bundle's data file:
//   varint64 len(s_0) ... varint64 len(s_n-1)
//   fixed32  masked CRC32C of the lengths (each as fixed32, or fixed64 when
//            >= 2^32)
//   s_0 ... s_n-1 (no separators)
// The entry's crc32c covers all of it (lengths as fixed-width ints again,
// then the 4 checksum bytes, then the string bytes).
#ifndef TFCKPT_SRC_BUNDLE_STRING_CODEC_H_
#define TFCKPT_SRC_BUNDLE_STRING_CODEC_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tfckpt/status.h"

namespace tfckpt::internal {

// Appends the encoding of `values` to `out` and returns the entry checksum
// (unmasked CRC32C as TensorFlow computes it).
uint32_t EncodeStringTensor(std::span<const std::string> values,
                            std::string* out);

// Decodes exactly `count` strings from `encoded` (all of the entry's bytes),
// checking the length checksum and that the bytes add up; returns the entry
// checksum in `*crc`. DATA_LOSS on any mismatch.
Status DecodeStringTensor(std::string_view encoded, int64_t count,
                          std::vector<std::string>* values, uint32_t* crc);

}  // namespace tfckpt::internal

#endif  // TFCKPT_SRC_BUNDLE_STRING_CODEC_H_
